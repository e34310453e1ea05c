"""The admin: signed in through allauth, staff only, and only with two-factor authentication."""

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.auth import get_user
from django.contrib.messages import get_messages
from django.urls import reverse

from accounts.models import ClientProfile, PortfolioItem, User, VAProfile
from tests import factories
from tests.accounts.helpers import current_totp_code
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def test_staff_with_two_factor_can_use_the_admin(client, staff):
    client.force_login(staff)

    assert client.get(reverse("admin:index")).status_code == 200


def test_staff_without_two_factor_are_sent_to_set_it_up(client):
    moderator = factories.UserFactory(email="mo@example.com", is_staff=True)
    client.force_login(moderator)

    response = client.get(reverse("admin:index"), follow=True)

    assert response.redirect_chain[-1][0] == reverse("mfa_index")
    assert any("two-factor" in str(m) for m in get_messages(response.wsgi_request))
    assert client.get(reverse("admin:accounts_user_changelist")).status_code == 302


def test_superusers_without_two_factor_are_kept_out_too(client):
    boss = factories.UserFactory(email="boss@example.com", is_staff=True, is_superuser=True)
    client.force_login(boss)

    response = client.get(reverse("admin:accounts_user_changelist"), follow=True)

    assert response.redirect_chain[-1][0] == reverse("mfa_index")


def test_members_who_are_not_staff_cannot_reach_the_admin(client, client_user):
    client.force_login(client_user)

    response = client.get(reverse("admin:index"), follow=True)

    assert response.status_code == 403


def test_the_admin_login_is_allauths_sign_in(client):
    response = client.get(reverse("admin:index"), follow=True)

    first_hop, last_hop = response.redirect_chain[0][0], response.redirect_chain[-1][0]
    assert first_hop.startswith(reverse("admin:login"))
    assert last_hop.startswith(reverse("account_login"))


def test_staff_sign_in_asks_for_the_authenticator_code_then_opens_the_admin(client):
    moderator = factories.UserFactory(email="mo@example.com", is_staff=True)
    secret = generate_totp_secret()
    TOTP.activate(moderator, secret)

    response = client.post(
        reverse("account_login"),
        {"login": moderator.email, "password": PASSWORD, "next": reverse("admin:index")},
    )
    assert response.url == reverse("mfa_authenticate")
    assert not get_user(client).is_authenticated

    response = client.post(reverse("mfa_authenticate"), {"code": current_totp_code(secret)})

    assert response.url == reverse("admin:index")
    assert client.get(reverse("admin:index")).status_code == 200


@pytest.mark.parametrize(
    ("model", "make_rows"),
    [
        (User, lambda n: [factories.VAFactory() for _ in range(n)]),
        (VAProfile, lambda n: [factories.VAFactory() for _ in range(n)]),
        (ClientProfile, lambda n: [factories.ClientFactory() for _ in range(n)]),
        (
            PortfolioItem,
            lambda n: [
                PortfolioItem.objects.create(
                    profile=factories.VAFactory().va_profile,
                    title="Work",
                    link="https://example.com",
                )
                for _ in range(n)
            ],
        ),
    ],
)
def test_admin_changelists_do_not_grow_a_query_per_row(
    client, staff, django_assert_num_queries, model, make_rows
):
    client.force_login(staff)
    url = reverse(f"admin:accounts_{model._meta.model_name}_changelist")
    make_rows(2)
    client.get(url)  # warm up (content types, sessions)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    make_rows(8)
    # The same number of queries for 10 rows as for 2: related users are joined, not fetched per row.
    with django_assert_num_queries(len(few.captured_queries)):
        assert client.get(url).status_code == 200
