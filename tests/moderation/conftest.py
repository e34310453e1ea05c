import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.auth.models import Group

from moderation.roles import sync_moderators_group
from tests import factories


@pytest.fixture(autouse=True)
def _moderators_group(request):
    """The group comes from a migration; transactional tests elsewhere flush it away."""
    if "db" in request.fixturenames or request.node.get_closest_marker("django_db"):
        request.getfixturevalue("db")
        sync_moderators_group()


@pytest.fixture
def moderator(db):
    """Mo: staff, in the Moderators group, not a superuser, TOTP set up (admin needs MFA)."""
    user = factories.UserFactory(email="mo@example.com", name="Mo Moderator", is_staff=True)
    user.groups.add(Group.objects.get(name="Moderators"))
    TOTP.activate(user, generate_totp_secret())
    return user


@pytest.fixture
def moderator_client(client, moderator):
    client.force_login(moderator)
    return client
