from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import CURRENCY_CHOICES
from payments.sandbox import OUTCOMES, PAYOUT_OUTCOMES


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


class MilestoneForm(forms.Form):
    title = forms.CharField(
        label=_("Milestone"),
        max_length=200,
        error_messages={"required": _("Give the milestone a title.")},
    )
    amount = forms.DecimalField(
        label=_("Amount"),
        max_digits=16,
        decimal_places=2,
        error_messages={
            "required": _("Enter the milestone's amount."),
            "invalid": _("Enter the amount as a number."),
        },
    )
    due_date = forms.DateField(
        label=_("Due date"),
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={
            "required": _("Choose a due date."),
            "invalid": _("Enter the date as YYYY-MM-DD."),
        },
    )


MilestoneFormSet = forms.formset_factory(
    MilestoneForm, extra=3, min_num=1, validate_min=True, max_num=20, validate_max=True
)


class WithdrawForm(forms.Form):
    currency = forms.ChoiceField(
        choices=CURRENCY_CHOICES,
        error_messages={
            "required": _("Choose a currency you hold a balance in."),
            "invalid_choice": _("Choose a currency you hold a balance in."),
        },
    )


class SandboxPayoutForm(forms.Form):
    """What the tester makes the sandbox do with a withdrawal: send it, or bounce it."""

    outcome = forms.ChoiceField(
        choices=[(key, key) for key in PAYOUT_OUTCOMES],
        error_messages={
            "required": _("Choose complete or fail."),
            "invalid_choice": _("Choose complete or fail."),
        },
    )
