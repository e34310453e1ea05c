"""Asisten's allauth hooks: language of account emails, where sign-up lands, suspended users."""

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.models import EmailAddress
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from accounts.models import User


class AccountAdapter(DefaultAccountAdapter):
    """Asisten's allauth hooks (roles at sign-up, language of account emails)."""

    def save_user(self, request: HttpRequest, user: User, form, commit: bool = True) -> User:
        # New accounts start in the language they signed up in, so their first email
        # (the verification link) is already in that language.
        language = (translation.get_language() or "en")[:2]
        if language in User.Language.values:
            user.language = language
        return super().save_user(request, user, form, commit=commit)

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        """Render every account email in its recipient's language, not the sender's."""
        with translation.override(self._language_for(email, context)):
            super().send_mail(template_prefix, email, context)

    @staticmethod
    def _language_for(email: str, context: dict[str, Any]) -> str:
        user = context.get("user")
        if user is None:
            address = (
                EmailAddress.objects.filter(email__iexact=email).select_related("user").first()
            )
            user = address.user if address else User.objects.filter(email__iexact=email).first()
        if user is not None and getattr(user, "language", ""):
            return user.language
        # Unknown recipient (e.g. a reset for an address with no account): the page's language.
        return translation.get_language() or "en"

    def add_message(self, request: HttpRequest, level: int, *args: Any, **kwargs: Any) -> None:
        """allauth's flash messages in the user's own language.

        The sign-in message is made during the sign-in request, which began anonymous and so
        in the browser's language; once a user is known, their saved language wins, as it
        does on every page after.
        """
        user = getattr(request, "user", None)
        language = getattr(user, "language", "") if user and user.is_authenticated else ""
        with translation.override(language or translation.get_language()):
            super().add_message(request, level, *args, **kwargs)

    def get_signup_redirect_url(self, request: HttpRequest) -> str:
        """A new member's first stop is completing their profile."""
        return reverse("accounts:edit")

    def pre_login(self, request: HttpRequest, user: User, **kwargs: Any) -> HttpResponse | None:
        if getattr(user, "suspended_at", None) is not None:
            from allauth.account.internal.stagekit import clear_login

            clear_login(request)
            with translation.override(user.language or translation.get_language()):
                messages.error(
                    request,
                    _(
                        "Your account is suspended, so you cannot sign in. Contact support if you think this is a mistake."
                    ),
                )
            return redirect("account_login")
        return super().pre_login(request, user, **kwargs)
