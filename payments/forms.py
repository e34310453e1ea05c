from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.models import CURRENCY_CHOICES
from contracts.forms import FILES_HELP, MultipleFileField
from marketplace.templatetags.money import format_money
from payments.models import PayoutMethod
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


class WeekFundForm(forms.Form):
    """Which week of an hourly contract to pay or pre-fund (its Monday) and, to pre-fund
    less than the cap, how many hours. The amount is always worked out by the server."""

    week = forms.DateField(
        label=_("Week"),
        error_messages={
            "required": _("Choose a week by its Monday."),
            "invalid": _("Enter the week's Monday as YYYY-MM-DD."),
        },
    )
    hours = forms.DecimalField(
        label=_("Hours"),
        required=False,
        max_digits=6,
        decimal_places=2,
        error_messages={"invalid": _("Enter the hours as a number, for example 2.5.")},
    )


class WithdrawForm(forms.Form):
    currency = forms.ChoiceField(
        choices=CURRENCY_CHOICES,
        error_messages={
            "required": _("Choose a currency you hold a balance in."),
            "invalid_choice": _("Choose a currency you hold a balance in."),
        },
    )


# Common Xendit payout channels (banks and e-wallets in Indonesia).
PAYOUT_CHANNELS = [
    ("ID_BCA", "BCA"),
    ("ID_BNI", "BNI"),
    ("ID_BRI", "BRI"),
    ("ID_MANDIRI", "Mandiri"),
    ("ID_PERMATA", "Permata"),
    ("ID_CIMB", "CIMB Niaga"),
    ("ID_BSI", "BSI"),
    ("ID_OVO", "OVO"),
    ("ID_DANA", "DANA"),
    ("ID_GOPAY", "GoPay"),
    ("ID_SHOPEEPAY", "ShopeePay"),
]


class PayoutMethodForm(forms.ModelForm):
    """A bank account or e-wallet for Rupiah; a Stripe connected account for dollars."""

    channel_code = forms.ChoiceField(
        label=_("Bank or e-wallet"), choices=[("", "—"), *PAYOUT_CHANNELS], required=False
    )

    class Meta:
        model = PayoutMethod
        fields = [
            "currency",
            "channel_code",
            "account_number",
            "account_holder_name",
            "stripe_account",
        ]

    def clean(self):
        data = super().clean()
        currency = data.get("currency")
        if currency == "IDR":
            for name in ("channel_code", "account_number", "account_holder_name"):
                if not (data.get(name) or "").strip():
                    self.add_error(name, _("Required for Rupiah withdrawals."))
            number = (data.get("account_number") or "").strip()
            if number and not number.isdigit():
                self.add_error("account_number", _("Use digits only."))
            data["stripe_account"] = ""
        elif currency == "USD":
            account = (data.get("stripe_account") or "").strip()
            if not account.startswith("acct_") or not account[5:].isalnum():
                self.add_error(
                    "stripe_account",
                    _("Enter your Stripe account ID; it starts with acct_."),
                )
            data.update(channel_code="", account_number="", account_holder_name="")
        return data


class SandboxPayoutForm(forms.Form):
    """What the tester makes the sandbox do with a withdrawal: send it, or bounce it."""

    outcome = forms.ChoiceField(
        choices=[(key, key) for key in PAYOUT_OUTCOMES],
        error_messages={
            "required": _("Choose complete or fail."),
            "invalid_choice": _("Choose complete or fail."),
        },
    )


class DisputeForm(forms.Form):
    """A party disputes one held payment; the choices are the contract's held payments."""

    payment = forms.TypedChoiceField(
        label=_("Which payment"),
        coerce=int,
        error_messages={
            "required": _("Choose the payment you dispute."),
            "invalid_choice": _("Choose the payment you dispute."),
        },
    )
    reason = forms.CharField(
        label=_("Why do you dispute it?"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=3000,
        error_messages={"required": _("Say why you dispute this payment.")},
    )
    files = MultipleFileField(label=_("Files"), help_text=FILES_HELP)

    def __init__(self, *args, payments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["payment"].choices = [(p.pk, _payment_label(p)) for p in payments]


def _payment_label(payment) -> str:
    amount = format_money(payment.amount, payment.currency)
    if payment.milestone_id:
        return f"{payment.milestone.title} · {amount}"
    if payment.week:
        return _("Week of %(date)s · %(amount)s") % {
            "date": payment.week.isoformat(),
            "amount": amount,
        }
    return _("The agreed price · %(amount)s") % {"amount": amount}


class DisputeSettleForm(forms.Form):
    """A moderator's decision. The amounts matter only for a split; the service checks
    that they add up to the held amount in the payment's currency."""

    outcome = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            ("release", _("Release it all to the VA")),
            ("refund", _("Refund it all to the client")),
            ("split", _("Split it")),
        ],
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose release, refund or split."),
            "invalid_choice": _("Choose release, refund or split."),
        },
    )
    va_amount = forms.DecimalField(
        label=_("To the VA (before the platform fee)"),
        required=False,
        max_digits=16,
        decimal_places=2,
        error_messages={"invalid": _("Enter the amount as a number.")},
    )
    client_amount = forms.DecimalField(
        label=_("Back to the client"),
        required=False,
        max_digits=16,
        decimal_places=2,
        error_messages={"invalid": _("Enter the amount as a number.")},
    )
    currency = forms.ChoiceField(
        label=_("Currency"),
        choices=CURRENCY_CHOICES,
        error_messages={"invalid_choice": _("Choose the payment's currency.")},
    )
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Give a reason: it is recorded and shown to both parties.")},
    )


def form_errors(form: forms.Form, exc: ValidationError) -> None:
    """A service's refusal shown on the form: field errors beside their fields, the rest
    above the form."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


class ReconciliationResolveForm(forms.Form):
    """A moderator's note on how the selected reconciliation differences were resolved."""

    note = forms.CharField(
        label=_("How was it resolved?"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        error_messages={"required": _("Say how the difference was resolved.")},
    )
