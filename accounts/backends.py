"""Authentication backends: Django's and allauth's, with a cheaper user lookup.

Every signed-in request loads its user by primary key. Through the ORM that lookup spends
four times as long building and compiling the query as PostgreSQL spends answering it, on
every page; the query never changes shape, so it is compiled once (marketplace.prepared).

Other apps may add to that one query what every signed-in page shows about the user (the
header's unread count): settings.USER_REQUEST_ANNOTATIONS names functions returning
annotations on the user's row, so accounts imports none of them.
"""

from functools import cache

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from django.conf import settings
from django.contrib.auth.backends import ModelBackend as DjangoModelBackend
from django.utils.module_loading import import_string

from accounts.models import User
from marketplace import prepared


@cache
def _annotation_makers() -> tuple:
    return tuple(import_string(path) for path in getattr(settings, "USER_REQUEST_ANNOTATIONS", ()))


def user_by_id(user_id) -> User | None:
    """The user with this primary key (as stored in the session), or None; with the
    annotations of settings.USER_REQUEST_ANNOTATIONS set as attributes."""
    try:
        pk = int(user_id)
    except (TypeError, ValueError):
        return None

    def build(v):
        users = User.objects.filter(pk=v["pk"])
        for make in _annotation_makers():
            users = users.annotate(**make())
        return users

    found = prepared.objects(("user-by-id",), build, pk=pk)
    return found[0] if found else None


class FastUserLookup:
    def get_user(self, user_id):
        user = user_by_id(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None


class ModelBackend(FastUserLookup, DjangoModelBackend):
    pass


class AuthenticationBackend(FastUserLookup, AllauthBackend):
    pass
