"""Input only: the services decide what is allowed and say why."""

from django import forms
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from contracts.services import MAX_FILES


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; the services check each by its content."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(item, initial) for item in data if item]
        return [super().clean(data, initial)] if data else []


FILES_HELP = lazy(
    lambda: (
        gettext("Up to %(count)d files: PDF, images, Word, Excel, CSV or text.")
        % {"count": MAX_FILES}
    ),
    str,
)()


class MessageForm(forms.Form):
    body = forms.CharField(
        label=_("Message"),
        required=False,
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    files = MultipleFileField(label=_("Attach files"), help_text=FILES_HELP)


class SeenForm(forms.Form):
    """Sent by the live page (no one types it): the newest message on the reader's screen."""

    message = forms.IntegerField(min_value=1)


class DeliverableForm(forms.Form):
    note = forms.CharField(
        label=_("What you are delivering"),
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    files = MultipleFileField(label=_("Files"), help_text=FILES_HELP)

    def __init__(self, *args, **kwargs):
        # Shown on the workspace beside MessageForm, which also has `files`: distinct HTML
        # ids keep each label tied to its own input (field names are unchanged).
        kwargs.setdefault("auto_id", "id_deliverable_%s")
        super().__init__(*args, **kwargs)


class CommentForm(forms.Form):
    comment = forms.CharField(
        label=_("Comment"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )


class HourEntryForm(forms.Form):
    work_date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    hours = forms.DecimalField(
        label=_("Hours"),
        help_text=_("In quarter-hour steps, for example 1.25 or 3.5."),
        widget=forms.NumberInput(attrs={"step": "0.25", "min": "0.25", "max": "24"}),
    )
    memo = forms.CharField(label=_("What you did"), max_length=500)


class PaymentMarkForm(forms.Form):
    note = forms.CharField(
        label=_("Note (optional)"),
        required=False,
        max_length=300,
        help_text=_("For example the transfer reference."),
    )


class EndForm(forms.Form):
    reason = forms.CharField(
        label=_("Why are you ending the contract early?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


STARS = [(n, str(n)) for n in range(5, 0, -1)]


class ReviewForm(forms.Form):
    overall = forms.TypedChoiceField(
        label=_("Overall"), choices=STARS, coerce=int, widget=forms.RadioSelect
    )
    communication = forms.TypedChoiceField(
        label=_("Communication"), choices=STARS, coerce=int, widget=forms.RadioSelect
    )
    quality = forms.TypedChoiceField(
        label=_("Quality"), choices=STARS, coerce=int, widget=forms.RadioSelect
    )
    timeliness = forms.TypedChoiceField(
        label=_("Timeliness"), choices=STARS, coerce=int, widget=forms.RadioSelect
    )
    text = forms.CharField(
        label=_("Your review"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
