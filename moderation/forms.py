from django import forms
from django.utils.translation import gettext_lazy as _

from moderation.models import Report

# What people may choose; the pre-approval hold is the system's, not theirs.
USER_REASONS = [
    (value, label) for value, label in Report.Reason.choices if value != Report.Reason.PREAPPROVAL
]


class ReportForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("What is wrong?"), choices=USER_REASONS, widget=forms.RadioSelect
    )
    details = forms.CharField(
        label=_("Details"),
        required=False,
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What should our moderators look at? Required when you choose “Other”."),
    )

    def clean(self):
        cleaned = super().clean()
        if (
            cleaned.get("reason") == Report.Reason.OTHER
            and not (cleaned.get("details") or "").strip()
        ):
            self.add_error("details", _("Tell us what is wrong."))
        return cleaned


class ActionReasonForm(forms.Form):
    """The reason a moderator gives for an action (recorded, and may be shown to the person)."""

    reason = forms.CharField(
        label=_("Reason"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
        help_text=_(
            "Recorded in the moderation log; for hiding and suspension it is shown to the person."
        ),
    )

    def __init__(self, *args, reason_required: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].required = reason_required
