"""Every API error is JSON: a stable `code` for programs, a `message` in the caller's
language for people, and for bad input `fields`: each field's messages by name."""

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import set_rollback

# Our own words for each kind of error, so the message is ours to translate (DRF's
# defaults are English-only in places) and stays the same across DRF versions.
MESSAGES = {
    "invalid": lambda: _("Some of the input is not valid; see the fields."),
    "parse_error": lambda: _("The request body could not be read."),
    "not_authenticated": lambda: _("Sign in or send a personal access token."),
    "authentication_failed": None,  # the authenticator's own words
    "permission_denied": lambda: _("You may not do this."),
    "insufficient_scope": None,
    "not_found": lambda: _("Not found."),
    "method_not_allowed": lambda: _("This method is not allowed here."),
    "not_acceptable": lambda: _("This response format is not available."),
    "unsupported_media_type": lambda: _("Send JSON or multipart form data."),
    "throttled": lambda: _("Too many requests. Try again later."),
    "refused": None,  # a service's rule, in its own words
}


def _field_messages(detail) -> dict[str, list[str]]:
    if isinstance(detail, dict):
        return {
            ("non_field_errors" if name in ("__all__", None) else name): [
                str(m) for m in (value if isinstance(value, list) else [value])
            ]
            for name, value in detail.items()
        }
    return {"non_field_errors": [str(m) for m in detail]}


def error_body(code: str, message: str, fields: dict | None = None) -> dict:
    body = {"code": code, "message": message}
    if fields:
        body["fields"] = fields
    return body


def exception_handler(exc, context):
    """DRF's exception handler, in our shape. A service's ValidationError naming fields is
    bad input (400); one without fields is a rule that refused the action (409)."""
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, DjangoValidationError):
        set_rollback()
        if hasattr(exc, "error_dict"):
            return Response(
                error_body("invalid", MESSAGES["invalid"](), _field_messages(exc.message_dict)),
                status=status.HTTP_400_BAD_REQUEST,
            )
        return Response(
            error_body("refused", " ".join(exc.messages)), status=status.HTTP_409_CONFLICT
        )
    if not isinstance(exc, exceptions.APIException):
        return None
    set_rollback()
    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(exc.wait))
    if isinstance(exc, exceptions.ValidationError):
        body = error_body("invalid", MESSAGES["invalid"](), _field_messages(exc.detail))
    else:
        code = exc.get_codes() if isinstance(exc.get_codes(), str) else exc.default_code
        default = MESSAGES.get(code)
        message = default() if default is not None else str(exc.detail)
        body = error_body(code, message)
    return Response(body, status=exc.status_code, headers=headers)
