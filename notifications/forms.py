from django import forms
from django.apps import apps
from django.core.exceptions import ValidationError
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from accounts.models import CURRENCY_CHOICES
from marketplace.fields import parse_money
from notifications import kinds
from notifications.models import Preference


def _category_choices() -> list[tuple[int, str]]:
    # notifications must not import jobs: the models are looked up by name.
    category = apps.get_model("jobs", "Category")
    field = "name_id" if (get_language() or "en").startswith("id") else "name_en"
    return list(category.objects.order_by("position", "name_en").values_list("id", field))


def _skill_choices() -> list[tuple[int, str]]:
    return list(apps.get_model("jobs", "Skill").objects.order_by("name").values_list("id", "name"))


class JobAlertForm(forms.Form):
    name = forms.CharField(
        label=_("Name"), max_length=80, help_text=_("For example: Bookkeeping in rupiah")
    )
    category_ids = forms.TypedMultipleChoiceField(
        label=_("Task categories"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave empty for every category."),
    )
    skill_ids = forms.TypedMultipleChoiceField(
        label=_("Skills"),
        coerce=int,
        required=False,
        help_text=_("Tasks asking for any of these skills. Leave empty for any skill."),
    )
    pay_type = forms.ChoiceField(
        label=_("Pay type"),
        required=False,
        choices=[("", _("Any")), ("fixed", _("Per task")), ("hourly", _("Hourly"))],
    )
    currency = forms.ChoiceField(
        label=_("Currency"), required=False, choices=[("", _("Any"))] + CURRENCY_CHOICES
    )
    min_rate = forms.CharField(
        label=_("Minimum of the task's maximum rate"),
        required=False,
        max_length=32,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
        help_text=_("Only tasks whose maximum rate is at least this much (in the currency above)."),
    )
    keywords = forms.CharField(
        label=_("Keywords"),
        max_length=200,
        required=False,
        help_text=_("Every word must appear in the task's title or description."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category_ids"].choices = _category_choices()
        self.fields["skill_ids"].choices = _skill_choices()

    def clean(self):
        cleaned = super().clean()
        raw = (cleaned.get("min_rate") or "").strip()
        currency = cleaned.get("currency")
        if not raw:
            cleaned["min_rate"] = None
            return cleaned
        if not currency:
            self.add_error("currency", _("Choose the currency of the minimum rate."))
            return cleaned
        try:
            amount = parse_money(raw, currency)
        except ValidationError as error:
            self.add_error("min_rate", error)
            return cleaned
        if amount <= 0:
            self.add_error("min_rate", _("Enter an amount greater than zero."))
            return cleaned
        cleaned["min_rate"] = amount
        return cleaned


class PreferencesForm(forms.Form):
    """One choice per kind the user can receive: instant email, daily digest or none."""

    def __init__(self, *args, user, current: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        self.sections = []
        for audience, heading in kinds.AUDIENCES:
            names = []
            for kind in kinds.kinds_for(user):
                if kind.audience != audience:
                    continue
                self.fields[kind.key] = forms.ChoiceField(
                    label=kind.label,
                    choices=Preference.EmailMode.choices,
                    initial=current.get(kind.key, kind.default_email),
                )
                names.append(kind.key)
            if names:
                self.sections.append((heading, names))

    def grouped(self):
        """(heading, [bound fields]) per section, for the template."""
        return [(heading, [self[name] for name in names]) for heading, names in self.sections]
