"""Input for posting, editing and finding tasks. Forms check input; services decide."""

from datetime import timedelta
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import CURRENCY_CHOICES, TIMEZONE_CHOICES
from jobs.models import Category, Invitation, Job, Skill
from marketplace.fields import RateRangeMixin, parse_money
from marketplace.templatetags.money import format_money

MAX_NEW_SKILLS = 10
MAX_CHECKLIST_ITEMS = 50
MAX_CHECKLIST_ITEM_LENGTH = 300
MAX_CLOSING_DAYS = 90


def _money_text(amount: Decimal, currency: str) -> str:
    """An amount as the person would type it back (no currency symbol)."""
    return format_money(amount, currency).replace("Rp ", "").lstrip("$")


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class JobForm(forms.Form):
    """Post or edit a task. Pay type and currency are locked (disabled) once bids exist."""

    title = forms.CharField(
        label=_("Title"),
        min_length=8,
        max_length=120,
        help_text=_(
            "One line VAs will read first, e.g. “Monthly bookkeeping in Excel for a café”."
        ),
    )
    description = forms.CharField(
        label=_("Description"),
        min_length=30,
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("What the work is about and what a good result looks like."),
    )
    category = forms.ModelChoiceField(
        label=_("Category"), queryset=Category.objects.all(), empty_label=_("Choose a category")
    )
    skills = forms.ModelMultipleChoiceField(
        label=_("Skills"),
        queryset=Skill.objects.all(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_("Pick the skills the work needs (hold Ctrl or ⌘ to pick several)."),
    )
    new_skills = forms.CharField(
        label=_("Other skills"),
        required=False,
        max_length=400,
        help_text=_("Skills not in the list, separated by commas."),
    )
    pay_type = forms.ChoiceField(
        label=_("Pay type"), choices=Job.PayType.choices, widget=forms.RadioSelect
    )
    currency = forms.ChoiceField(label=_("Currency"), choices=CURRENCY_CHOICES)
    max_rate = forms.CharField(
        label=_("Maximum rate"),
        max_length=32,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
        help_text=_(
            "Per task, or per hour for hourly work. Rupiah without decimals, e.g. 150.000."
        ),
    )
    hours_per_week = forms.IntegerField(
        label=_("Estimated hours per week"),
        required=False,
        min_value=1,
        max_value=80,
        help_text=_("Hourly work only."),
    )
    duration = forms.ChoiceField(
        label=_("Duration"),
        required=False,
        choices=[("", _("Choose how long"))] + list(Job.Duration.choices),
        help_text=_("Hourly work only."),
    )
    deliverables = forms.CharField(
        label=_("Deliverables"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Per-task work only: what you receive when the work is done."),
    )
    deadline = forms.DateField(label=_("Deadline"), required=False, widget=DateInput())
    preferred_timezone = forms.ChoiceField(
        label=_("Preferred time zone"),
        required=False,
        choices=[("", _("Any time zone"))] + TIMEZONE_CHOICES,
    )
    working_hours = forms.CharField(
        label=_("Working hours"),
        required=False,
        max_length=120,
        help_text=_("For example: weekdays 09:00–17:00 WIB."),
    )
    closes_at = forms.DateTimeField(
        label=_("Bidding closes"),
        required=False,
        widget=DateTimeInput(),
        help_text=_("In your time zone. Leave empty to close bidding yourself."),
    )
    invite_only = forms.BooleanField(
        label=_("Invite only"),
        required=False,
        help_text=_(
            "Keep the task off the board, search and job alerts: only VAs you invite can see it and bid."
        ),
    )

    def __init__(self, *args, job: Job | None = None, money_locked: bool = False, **kwargs):
        if job is not None and "initial" not in kwargs:
            kwargs["initial"] = self.initial_for(job)
        super().__init__(*args, **kwargs)
        self.job = job
        if money_locked:
            for name in ("pay_type", "currency"):
                self.fields[name].disabled = True
                self.fields[name].help_text = _(
                    "Locked: VAs have already bid in this pay type and currency."
                )

    @staticmethod
    def initial_for(job: Job) -> dict:
        initial = {
            name: getattr(job, name)
            for name in (
                "title",
                "description",
                "category",
                "pay_type",
                "currency",
                "hours_per_week",
                "duration",
                "deliverables",
                "deadline",
                "preferred_timezone",
                "working_hours",
                "closes_at",
                "invite_only",
            )
        }
        initial["skills"] = list(job.skills.all())
        initial["max_rate"] = _money_text(job.max_rate, job.currency)
        return initial

    def clean_new_skills(self) -> list[str]:
        names = [" ".join(n.split()) for n in self.cleaned_data["new_skills"].split(",")]
        names = [n for n in names if n]
        if len(names) > MAX_NEW_SKILLS:
            raise ValidationError(
                _("Add at most %(count)d new skills at a time.") % {"count": MAX_NEW_SKILLS}
            )
        if any(len(n) > 60 for n in names):
            raise ValidationError(_("Each skill can be at most 60 characters long."))
        return names

    def clean_deadline(self):
        deadline = self.cleaned_data["deadline"]
        if deadline and deadline < timezone.localdate():
            raise ValidationError(_("The deadline cannot be in the past."))
        return deadline

    def clean_closes_at(self):
        closes_at = self.cleaned_data["closes_at"]
        if closes_at is None:
            return None
        saved = self.job.closes_at if self.job is not None else None
        if saved is not None and abs(saved - closes_at) < timedelta(minutes=1):
            # The form shows minutes only: the same minute means "not changed".
            return saved
        now = timezone.now()
        if closes_at <= now:
            raise ValidationError(_("The closing date must be in the future."))
        if closes_at > now + timedelta(days=MAX_CLOSING_DAYS):
            raise ValidationError(
                _("Bidding can stay open for at most %(days)d days.") % {"days": MAX_CLOSING_DAYS}
            )
        return closes_at

    def clean(self):
        data = super().clean()
        currency = data.get("currency")
        raw_rate = self.data.get(self.add_prefix("max_rate"), "") if self.is_bound else ""
        if currency and "max_rate" not in self.errors:
            try:
                rate = parse_money(raw_rate, currency)
            except ValidationError as exc:
                self.add_error("max_rate", exc)
            else:
                if rate <= 0:
                    self.add_error("max_rate", _("The maximum rate must be more than zero."))
                else:
                    data["max_rate"] = rate
        pay_type = data.get("pay_type")
        if pay_type == Job.PayType.HOURLY:
            if not data.get("hours_per_week") and "hours_per_week" not in self.errors:
                self.add_error("hours_per_week", _("Estimate the hours per week for hourly work."))
            if not data.get("duration"):
                self.add_error("duration", _("Choose how long the hourly work will last."))
        elif pay_type == Job.PayType.FIXED:
            if not data.get("deliverables", "").strip():
                self.add_error(
                    "deliverables", _("Describe what you receive when the task is done.")
                )
        deadline, closes_at = data.get("deadline"), data.get("closes_at")
        if deadline and closes_at and deadline < timezone.localtime(closes_at).date():
            self.add_error("deadline", _("The deadline cannot be before bidding closes."))
        return data

    def service_kwargs(self) -> dict:
        """The cleaned data as jobs.services.job_create / job_update take it."""
        data = self.cleaned_data
        hourly = data["pay_type"] == Job.PayType.HOURLY
        return {
            "title": data["title"],
            "description": data["description"],
            "category": data["category"],
            "skills": list(data["skills"]),
            "new_skill_names": data["new_skills"],
            "pay_type": data["pay_type"],
            "currency": data["currency"],
            "max_rate": data["max_rate"],
            "hours_per_week": data["hours_per_week"] if hourly else None,
            "duration": data["duration"] if hourly else "",
            "deliverables": "" if hourly else data["deliverables"],
            "deadline": data["deadline"],
            "preferred_timezone": data["preferred_timezone"],
            "working_hours": data["working_hours"],
            "closes_at": data["closes_at"],
            "invite_only": data["invite_only"],
        }


class ManualForm(forms.Form):
    """The task manual: Markdown instructions and a checklist, one item per line."""

    body = forms.CharField(
        label=_("Instructions"),
        required=False,
        max_length=50000,
        widget=forms.Textarea(attrs={"rows": 14}),
        help_text=_("Step-by-step instructions. Markdown works: **bold**, lists, links, tables."),
    )
    checklist = forms.CharField(
        label=_("Checklist"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Steps or acceptance criteria, one per line."),
    )

    @staticmethod
    def initial_for(manual) -> dict:
        if manual is None:
            return {}
        return {
            "body": manual.body,
            "checklist": "\n".join(item.get("text", "") for item in manual.checklist),
        }

    def clean_checklist(self) -> list[str]:
        items = [" ".join(line.split()) for line in self.cleaned_data["checklist"].splitlines()]
        items = [item.lstrip("-*• ").strip() for item in items]
        items = [item for item in items if item]
        if len(items) > MAX_CHECKLIST_ITEMS:
            raise ValidationError(
                _("Keep the checklist to at most %(count)d items.") % {"count": MAX_CHECKLIST_ITEMS}
            )
        if any(len(item) > MAX_CHECKLIST_ITEM_LENGTH for item in items):
            raise ValidationError(
                _("Each checklist item can be at most %(length)d characters long.")
                % {"length": MAX_CHECKLIST_ITEM_LENGTH}
            )
        return items


class AttachmentForm(forms.Form):
    file = forms.FileField(
        label=_("Add a private attachment"),
        help_text=_(
            "PDF, image, Word, Excel, CSV or text. Only you, the VA you hire and staff can open it."
        ),
    )


POSTED_CHOICES = [
    ("", _("Any time")),
    ("1", _("Last 24 hours")),
    ("3", _("Last 3 days")),
    ("7", _("Last 7 days")),
    ("30", _("Last 30 days")),
]
BIDS_CHOICES = [
    ("", _("Any number of bids")),
    ("1", _("No bids yet")),
    ("5", _("Fewer than 5 bids")),
    ("10", _("Fewer than 10 bids")),
    ("20", _("Fewer than 20 bids")),
]
SORT_CHOICES = [
    ("relevance", _("Best match")),
    ("newest", _("Newest")),
    ("rate", _("Highest rate")),
    ("fewest_bids", _("Fewest bids")),
    ("closing", _("Closing soon")),
]


class BoardForm(RateRangeMixin, forms.Form):
    """The board's query string. Bad values are reported and ignored, never a 500."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search"}),
        help_text=_('Words in English or Indonesian. Use "quotes" for a phrase, -word to exclude.'),
    )
    category = forms.ModelChoiceField(
        label=_("Category"),
        queryset=Category.objects.all(),
        to_field_name="slug",
        required=False,
        empty_label=_("All categories"),
    )
    pay_type = forms.ChoiceField(
        label=_("Pay type"),
        required=False,
        choices=[("", _("Any pay type"))] + list(Job.PayType.choices),
    )
    currency = forms.ChoiceField(
        label=_("Currency"), required=False, choices=[("", _("Any currency"))] + CURRENCY_CHOICES
    )
    rate_min = forms.CharField(
        label=_("Max rate from"),
        required=False,
        max_length=32,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    rate_max = forms.CharField(
        label=_("Max rate up to"),
        required=False,
        max_length=32,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    posted = forms.TypedChoiceField(
        label=_("Posted"), required=False, choices=POSTED_CHOICES, coerce=int, empty_value=None
    )
    bids = forms.TypedChoiceField(
        label=_("Bids so far"), required=False, choices=BIDS_CHOICES, coerce=int, empty_value=None
    )
    sort = forms.ChoiceField(label=_("Sort by"), required=False, choices=SORT_CHOICES)

    def clean(self):
        data = super().clean()
        self.check_rate_range(data)
        return data

    def filters(self) -> dict:
        """Keyword arguments for jobs.board.board_jobs from the valid fields only."""
        data = {k: v for k, v in self.cleaned_data.items() if k not in self.errors}
        return {
            "q": (data.get("q") or "").strip(),
            "category": data.get("category"),
            "pay_type": data.get("pay_type") or "",
            "currency": data.get("currency") or "",
            "rate_min": data.get("rate_min"),
            "rate_max": data.get("rate_max"),
            "posted_within_days": data.get("posted"),
            "fewer_bids_than": data.get("bids"),
            "sort": data.get("sort") or "",
        }


def _invitation_text(label, help_text, rows: int) -> forms.CharField:
    """The note and the decline reason: optional, a few sentences."""
    size = Invitation.TEXT_MAX_LENGTH
    return forms.CharField(
        label=label,
        required=False,
        max_length=size,
        widget=forms.Textarea(attrs={"rows": rows, "maxlength": size}),
        help_text=help_text,
    )


class InvitationForm(forms.Form):
    """A client picks one of their open tasks and adds an optional note for the VA."""

    job = forms.ModelChoiceField(
        label=_("Task"), queryset=Job.objects.none(), empty_label=_("Choose one of your open tasks")
    )
    note = _invitation_text(
        _("Note (optional)"),
        _("Why this task suits them, in a sentence or two. At most 500 characters."),
        rows=4,
    )

    def __init__(self, *args, client, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["job"]
        # Any of the client's own tasks is accepted, so a task closed since the page loaded
        # gets the service's clear message; only the open ones are offered.
        field.queryset = Job.objects.owned_by(client)
        self.open_jobs = list(
            field.queryset.filter(status=Job.Status.OPEN, hidden_at__isnull=True)
            .order_by("-published_at", "-id")
            .values_list("pk", "title")
        )
        field.choices = [("", field.empty_label), *self.open_jobs]


class InvitationDeclineForm(forms.Form):
    reason = _invitation_text(
        _("Reason (optional)"),
        _("The client sees it, e.g. “Fully booked until next month”."),
        rows=3,
    )
