"""Token scopes. Who may see or change an object is decided by the apps' own predicates
and scoped lookups (jobs.permissions, bids.permissions, …), exactly as on the pages."""

from django.utils.translation import gettext_lazy as _
from rest_framework import permissions

from api.models import PersonalAccessToken, Scope


class HasScope(permissions.BasePermission):
    """Reads need `read`; writes need the view's `write_scope`. The session has all."""

    message = _("This token does not have the scope this call needs.")
    code = "insufficient_scope"

    def has_permission(self, request, view) -> bool:
        token = request.auth
        if not isinstance(token, PersonalAccessToken):
            return True
        if request.method in permissions.SAFE_METHODS:
            return token.has_scope(Scope.READ)
        return token.has_scope(getattr(view, "write_scope", Scope.READ))
