"""Input for bids and interviews. Rules live in bids.services; forms only collect and
pre-check so errors show beside the right field."""

import zoneinfo
from datetime import datetime

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import PortfolioItem
from bids.models import Bid, InterviewSlot
from bids.services import (
    COVER_LETTER_MIN_LENGTH,
    MAX_INTERVIEW_SLOTS,
    BidTerms,
    new_video_room_url,
    prepare_sample_uploads,
    validate_bid_amount,
)
from marketplace.fields import MoneyField
from marketplace.templatetags.money import format_money
from marketplace.uploads import EXTENSIONS


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; cleans to a list (Django streams big ones to disk)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(d, initial) for d in data if d]
        if data:
            return [super().clean(data, initial)]
        return []


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        kwargs.setdefault("format", "%Y-%m-%d")
        super().__init__(**kwargs)


class BidForm(forms.Form):
    amount = MoneyField(label=_("Your rate"))
    estimated_hours = forms.DecimalField(
        label=_("Estimated hours"),
        min_value=0.5,
        max_value=5000,
        decimal_places=1,
        required=False,
        help_text=_("How many hours you expect the whole task to take."),
    )
    delivery_date = forms.DateField(label=_("Delivery date"), required=False, widget=DateInput())
    earliest_start = forms.DateField(label=_("Earliest start"), required=False, widget=DateInput())
    cover_letter = forms.CharField(
        label=_("Cover letter"),
        widget=forms.Textarea(attrs={"rows": 8}),
        min_length=COVER_LETTER_MIN_LENGTH,
        max_length=10000,
        help_text=_("Why you fit this task: similar work, how you would approach it."),
    )
    files = MultipleFileField(
        label=_("Upload work samples"),
        required=False,
        help_text=_("PDF, PNG, JPEG, WebP, DOCX, XLSX, CSV or TXT."),
    )
    portfolio_items = forms.ModelMultipleChoiceField(
        label=_("Or attach portfolio items"),
        queryset=PortfolioItem.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    remove_samples = forms.MultipleChoiceField(
        label=_("Remove samples"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    manual_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    manual_acknowledged = forms.BooleanField(required=False)

    def __init__(self, *args, job, va, bid: Bid | None = None, **kwargs):
        self.job, self.va, self.bid = job, va, bid
        self.uploads = []
        initial = kwargs.setdefault("initial", {})
        manual = job.current_manual
        self.manual = manual
        if bid is not None:
            initial.setdefault("amount", bid.amount)
            initial.setdefault("estimated_hours", bid.estimated_hours)
            initial.setdefault("delivery_date", bid.delivery_date)
            initial.setdefault("earliest_start", bid.earliest_start)
            initial.setdefault("cover_letter", bid.cover_letter)
        if manual is not None:
            initial.setdefault("manual_version", manual.number)
        super().__init__(*args, **kwargs)
        self.fields["amount"].currency = job.currency
        self.fields["amount"].help_text = _("%(per)s, at most %(max)s.") % {
            "per": _("Per hour") if job.is_hourly else _("For the whole task"),
            "max": format_money(job.max_rate, job.currency),
        }
        if job.is_hourly:
            del self.fields["delivery_date"]
            self.fields["estimated_hours"].required = True
        else:
            del self.fields["estimated_hours"]
            self.fields["delivery_date"].required = True
        self.fields["files"].help_text = _(
            "%(types)s. Up to %(count)d samples per bid, %(each)s each, %(total)s in total."
        ) % {
            "types": "PDF, PNG, JPEG, WebP, DOCX, XLSX, CSV, TXT",
            "count": settings.SAMPLE_MAX_COUNT,
            "each": filesizeformat(settings.SAMPLE_MAX_FILE_BYTES),
            "total": filesizeformat(settings.SAMPLE_MAX_BID_BYTES),
        }
        self.fields["files"].widget.attrs["accept"] = ",".join(
            ext for exts in EXTENSIONS.values() for ext in exts
        )
        items = PortfolioItem.objects.filter(profile__user=va)
        self.fields["portfolio_items"].queryset = items
        if not items.exists():
            del self.fields["portfolio_items"]
        samples = list(bid.samples.all()) if bid is not None else []
        if samples:
            self.fields["remove_samples"].choices = [(str(s.pk), s.original_name) for s in samples]
        else:
            del self.fields["remove_samples"]
        if manual is None:
            del self.fields["manual_acknowledged"]
        else:
            self.fields["manual_acknowledged"].label = _(
                "I have read the task manual (v%(number)d)"
            ) % {"number": manual.number}
            self.fields["manual_acknowledged"].required = True
            self.fields["manual_acknowledged"].error_messages["required"] = _(
                "Confirm that you have read the task manual."
            )

    def clean_amount(self):
        return validate_bid_amount(self.cleaned_data.get("amount"), self.job)

    def clean_files(self):
        files = self.cleaned_data.get("files") or []
        if len(files) > settings.SAMPLE_MAX_COUNT:
            raise ValidationError(
                _("A bid can have at most %(max)d work samples; you chose %(count)d.")
                % {"max": settings.SAMPLE_MAX_COUNT, "count": len(files)}
            )
        try:
            self.uploads = prepare_sample_uploads(files)
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["files"]) from exc
        return files

    def clean(self):
        cleaned = super().clean()
        number = cleaned.get("manual_version")
        version = None
        if self.manual is not None:
            version = self.job.manual_versions.filter(number=number).first() if number else None
            if version is None:
                self.add_error(
                    "manual_acknowledged", _("Confirm that you have read the task manual.")
                )
        cleaned["manual_version_obj"] = version
        return cleaned

    def terms(self) -> BidTerms:
        data = self.cleaned_data
        return BidTerms(
            amount=data["amount"],
            cover_letter=data["cover_letter"],
            estimated_hours=data.get("estimated_hours"),
            delivery_date=data.get("delivery_date"),
            earliest_start=data.get("earliest_start"),
            manual_version=data.get("manual_version_obj"),
            manual_acknowledged=bool(data.get("manual_acknowledged")) or self.manual is None,
        )


class RejectForm(forms.Form):
    message = forms.CharField(
        label=_("Message to the VA (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class LocalDateTimeField(forms.Field):
    """A `datetime-local` input read in a given timezone (the person's own)."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    default_error_messages = {"invalid": _("Enter a date and time.")}

    def __init__(self, *, tz_name: str = "UTC", **kwargs):
        self.tz_name = tz_name
        super().__init__(**kwargs)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, datetime):
            return value
        # A time with its own offset (ISO 8601, as the API's programs send it) is taken as
        # it is; the browser's `datetime-local` has none and is read in tz_name below.
        try:
            stated = datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
        except ValueError:
            stated = None
        if stated is not None and timezone.is_aware(stated):
            return stated
        for fmt in ("%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"):
            try:
                naive = datetime.strptime(str(value).strip(), fmt)  # noqa: DTZ007
            except ValueError:
                continue
            return timezone.make_aware(naive, zoneinfo.ZoneInfo(self.tz_name))
        raise ValidationError(self.error_messages["invalid"], code="invalid")

    def prepare_value(self, value):
        if isinstance(value, datetime) and timezone.is_aware(value):
            return value.astimezone(zoneinfo.ZoneInfo(self.tz_name)).strftime("%Y-%m-%dT%H:%M")
        return value


DURATION_CHOICES = [(15, _("15 minutes")), (30, _("30 minutes")), (45, _("45 minutes"))] + [
    (60, _("1 hour")),
    (90, _("1.5 hours")),
]


class InterviewForm(forms.Form):
    """Propose (or, with reschedule=True, re-propose) 1–3 times and a meeting link."""

    ROOM_GENERATED = "generated"
    ROOM_LINK = "link"

    duration_minutes = forms.TypedChoiceField(
        label=_("Duration"), choices=DURATION_CHOICES, coerce=int, initial=30
    )
    room = forms.ChoiceField(
        label=_("Where"),
        choices=[
            (ROOM_GENERATED, _("A private Asisten video room (created for you)")),
            (ROOM_LINK, _("My own meeting link (Zoom, Google Meet, …)")),
        ],
        initial=ROOM_GENERATED,
        widget=forms.RadioSelect,
    )
    meeting_url = forms.URLField(
        label=_("Meeting link"),
        required=False,
        max_length=500,
        assume_scheme="https",
        help_text=_("Only if you chose your own link; it must start with https://"),
    )
    note = forms.CharField(
        label=_("Note (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, tz_name: str, reschedule: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.tz_name = tz_name
        slot_fields = {}
        for i in range(1, MAX_INTERVIEW_SLOTS + 1):
            slot_fields[f"slot_{i}"] = LocalDateTimeField(
                tz_name=tz_name,
                label=_("Time %(n)d") % {"n": i},
                required=i == 1,
                help_text=_("In your time zone (%(tz)s).") % {"tz": tz_name} if i == 1 else "",
            )
        # Slots first, in order.
        self.fields = {**slot_fields, **self.fields}
        if reschedule:
            del self.fields["note"]
            self.fields["room"].choices = [
                ("keep", _("Keep the current meeting link")),
                (self.ROOM_GENERATED, _("A new private Asisten video room")),
                (self.ROOM_LINK, _("My own meeting link (Zoom, Google Meet, …)")),
            ]
            self.fields["room"].initial = "keep"

    def clean_meeting_url(self):
        url = self.cleaned_data.get("meeting_url") or ""
        if url and not url.lower().startswith("https://"):
            raise ValidationError(_("Paste a secure meeting link (https://…)."))
        return url

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("room") == self.ROOM_LINK and not cleaned.get("meeting_url"):
            self.add_error("meeting_url", _("Paste your meeting link, or choose a private room."))
        slots = [cleaned.get(f"slot_{i}") for i in range(1, MAX_INTERVIEW_SLOTS + 1)]
        slots = [s for s in slots if s]
        now = timezone.now()
        for i in range(1, MAX_INTERVIEW_SLOTS + 1):
            value = cleaned.get(f"slot_{i}")
            if value and value <= now:
                self.add_error(f"slot_{i}", _("Choose a time in the future."))
        if len(set(slots)) != len(slots):
            self.add_error("slot_2", _("Each proposed time must be different."))
        cleaned["slots"] = slots
        return cleaned

    def proposal(self) -> dict:
        """The cleaned times as `interview_propose` takes them (the page's and the API's):
        without a link of the client's own, the service makes a private room."""
        data = self.cleaned_data
        return {
            "slots": data["slots"],
            "duration_minutes": data["duration_minutes"],
            "meeting_url": data["meeting_url"] if data["room"] == self.ROOM_LINK else None,
            "note": data.get("note", ""),
        }

    def rescheduling(self) -> dict:
        """The cleaned times as `interview_reschedule` takes them: "keep" leaves the link
        as it is, "generated" makes a new private room."""
        data = self.cleaned_data
        meeting_url = None
        if data["room"] == self.ROOM_LINK:
            meeting_url = data["meeting_url"]
        elif data["room"] == self.ROOM_GENERATED:
            meeting_url = new_video_room_url()
        return {
            "slots": data["slots"],
            "duration_minutes": data["duration_minutes"],
            "meeting_url": meeting_url,
        }


class ConfirmSlotForm(forms.Form):
    slot = forms.ModelChoiceField(
        label=_("Choose a time"),
        queryset=InterviewSlot.objects.none(),
        widget=forms.RadioSelect,
        empty_label=None,
    )

    def __init__(self, *args, interview, tz_name: str, **kwargs):
        super().__init__(*args, **kwargs)
        tz = zoneinfo.ZoneInfo(tz_name)
        self.fields["slot"].queryset = interview.slots.all()
        self.fields["slot"].label_from_instance = lambda slot: formats.date_format(
            slot.starts_at.astimezone(tz), "DATETIME_FORMAT"
        )


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (optional)"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
