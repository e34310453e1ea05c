"""The directory's query string. Bad values are reported and ignored, never a 500."""

from decimal import Decimal

from django import forms
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from accounts.models import CURRENCY_CHOICES, VAProfile
from directory.listing import MAX_SKILLS
from jobs.models import Category
from marketplace.fields import RateRangeMixin

RATING_CHOICES = [
    ("", _("Any rating")),
    ("3", _("3 stars and up")),
    ("4", _("4 stars and up")),
    ("4.5", _("4.5 stars and up")),
]
YEARS_CHOICES = [
    ("", _("Any experience")),
    ("1", _("1 year or more")),
    ("3", _("3 years or more")),
    ("5", _("5 years or more")),
    ("10", _("10 years or more")),
]
SORT_CHOICES = [
    ("relevance", _("Best match")),
    ("rating", _("Highest rated")),
    ("completed", _("Most completed contracts")),
    ("rate_low", _("Rate: low to high")),
    ("rate_high", _("Rate: high to low")),
]


class DirectoryForm(RateRangeMixin, forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search"}),
        help_text=_("Skills, tools or experience, in English or Indonesian."),
    )
    category = forms.ModelChoiceField(
        label=_("Category"),
        queryset=Category.objects.all(),
        to_field_name="slug",
        required=False,
        empty_label=_("All categories"),
    )
    skills = forms.CharField(
        label=_("Skills"),
        required=False,
        max_length=300,
        help_text=_("Separate skills with commas, e.g. Xero, Canva."),
    )
    currency = forms.ChoiceField(
        label=_("Currency"), required=False, choices=[("", _("Any currency"))] + CURRENCY_CHOICES
    )
    rate_min = forms.CharField(
        label=_("Hourly rate from"),
        required=False,
        max_length=32,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    rate_max = forms.CharField(
        label=_("Hourly rate up to"),
        required=False,
        max_length=32,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    rating = forms.TypedChoiceField(
        label=_("Rating"),
        required=False,
        choices=RATING_CHOICES,
        coerce=Decimal,
        empty_value=None,
    )
    language = forms.CharField(
        label=_("Language spoken"),
        required=False,
        max_length=60,
        help_text=_("For example: English"),
    )
    country = forms.CharField(label=_("Country"), required=False, max_length=80)
    availability = forms.ChoiceField(
        label=_("Availability"),
        required=False,
        choices=[("", _("Any availability"))] + list(VAProfile.Availability.choices),
    )
    years = forms.TypedChoiceField(
        label=_("Experience"),
        required=False,
        choices=YEARS_CHOICES,
        coerce=int,
        empty_value=None,
    )
    sort = forms.ChoiceField(label=_("Sort by"), required=False, choices=SORT_CHOICES)

    def clean_skills(self) -> list[str]:
        names = [name.strip() for name in self.cleaned_data.get("skills", "").split(",")]
        slugs = [slugify(name) for name in names if name]
        if any(not slug for slug in slugs):
            raise forms.ValidationError(_("A skill needs letters or digits."))
        if len(slugs) > MAX_SKILLS:
            raise forms.ValidationError(
                _("Choose at most %(count)s skills.") % {"count": MAX_SKILLS}
            )
        return list(dict.fromkeys(slugs))

    def clean(self):
        data = super().clean()
        bounds = {name for name in ("rate_min", "rate_max") if data.get(name) is not None}
        if bounds and not data.get("currency"):
            for name in bounds:
                self.add_error(name, _("Choose a currency to compare hourly rates."))
        self.check_rate_range(data)
        return data

    def filters(self) -> dict:
        """Keyword arguments for directory.listing.DirectoryQuery.of from valid fields only."""
        data = {k: v for k, v in self.cleaned_data.items() if k not in self.errors}
        return {
            "q": (data.get("q") or "").strip(),
            "category": data.get("category"),
            "skills": data.get("skills") or [],
            "currency": data.get("currency") or "",
            "rate_min": data.get("rate_min"),
            "rate_max": data.get("rate_max"),
            "min_rating": data.get("rating"),
            "language": (data.get("language") or "").strip(),
            "country": (data.get("country") or "").strip(),
            "availability": data.get("availability") or "",
            "min_years": data.get("years"),
            "sort": data.get("sort") or "",
        }
