from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from webhooks import services
from webhooks.models import EventType


class EndpointForm(forms.Form):
    """The profile page's "new endpoint" form (the service checks everything again)."""

    url = forms.CharField(
        label=_("Endpoint URL"),
        max_length=500,
        help_text=_(
            "An https:// address that accepts POST requests, e.g. https://example.com/hooks/asisten."
        ),
    )
    events = forms.MultipleChoiceField(
        label=_("Events"),
        choices=EventType.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one of the listed events.")},
    )
    description = forms.CharField(label=_("Description"), max_length=120, required=False)

    def clean_url(self) -> str:
        try:
            return services.check_url(self.cleaned_data["url"])
        except ValidationError as exc:
            raise forms.ValidationError(exc.messages) from exc
