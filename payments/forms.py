from django import forms
from django.utils.translation import gettext_lazy as _

from payments.sandbox import OUTCOMES


class SandboxOutcomeForm(forms.Form):
    """What the tester chooses on the sandbox checkout: pay, fail or let it expire."""

    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=[(key, key) for key in OUTCOMES],
        error_messages={
            "required": _("Choose pay, fail or expire."),
            "invalid_choice": _("Choose pay, fail or expire."),
        },
    )
