"""Input only: sign-up extras, profile editing, portfolio items. Writes happen in services."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts import services
from accounts.models import CURRENCY_CHOICES, TIMEZONE_CHOICES, ClientProfile, User, VAProfile
from jobs.models import Category, Skill
from marketplace.fields import MoneyField


class SignupForm(forms.Form):
    """Extra sign-up fields; allauth mixes these into its own sign-up form."""

    ROLE_CHOICES = [
        ("client", _("I want to hire a virtual assistant")),
        ("va", _("I want to work as a virtual assistant")),
        ("both", _("Both: hire and work")),
    ]
    ROLES = {"client": ["client"], "va": ["va"], "both": ["client", "va"]}

    name = forms.CharField(
        label=_("Full name"), max_length=150, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    role = forms.ChoiceField(
        label=_("How will you use Asisten?"),
        choices=ROLE_CHOICES,
        widget=forms.RadioSelect,
        help_text=_("You can switch on the other role later from your profile."),
    )

    field_order = ["name", "email", "password1", "password2", "role"]

    def signup(self, request, user) -> None:
        services.signup_complete(
            user=user, name=self.cleaned_data["name"], roles=self.ROLES[self.cleaned_data["role"]]
        )


class AccountForm(forms.ModelForm):
    """Name and the preferences that shape every page: language and timezone."""

    timezone = forms.ChoiceField(label=_("Time zone"), choices=TIMEZONE_CHOICES)

    class Meta:
        model = User
        fields = ["name", "language", "timezone"]
        labels = {"name": _("Full name"), "language": _("Language")}
        help_texts = {"timezone": _("Times on Asisten are shown in this time zone.")}
        widgets = {"name": forms.TextInput(attrs={"autocomplete": "name"})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].required = True


class SkillChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Skill) -> str:
        return obj.name


class VAProfileForm(forms.ModelForm):
    """The VA profile. The rate is typed the way people type money, in the chosen currency."""

    hourly_rate = MoneyField(
        label=_("Hourly rate"),
        required=False,
        help_text=_("In the currency below. For example 75000 for rupiah or 12.50 for dollars."),
    )
    currency = forms.ChoiceField(label=_("Currency"), choices=CURRENCY_CHOICES)
    skills = SkillChoiceField(
        label=_("Skills"),
        queryset=Skill.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    new_skills = forms.CharField(
        label=_("Other skills"),
        required=False,
        max_length=300,
        help_text=_("Skills not in the list, separated by commas. For example: Canva, Xero"),
    )
    categories = forms.ModelMultipleChoiceField(
        label=_("Task categories"),
        queryset=Category.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = VAProfile
        fields = [
            "headline",
            "bio",
            "categories",
            "skills",
            "new_skills",
            "hourly_rate",
            "currency",
            "years_experience",
            "languages",
            "country",
            "availability",
        ]
        widgets = {"bio": forms.Textarea(attrs={"rows": 6})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Read the rate in the currency chosen in this same submission (or the saved one).
        currency = self.data.get(self.add_prefix("currency")) if self.is_bound else None
        if currency not in dict(CURRENCY_CHOICES):
            currency = self.instance.currency or "IDR"
        self.fields["hourly_rate"].currency = currency
        self.fields["years_experience"].widget.attrs.update({"min": 0, "max": 60})

    def clean_hourly_rate(self):
        rate = self.cleaned_data.get("hourly_rate")
        if rate is not None and rate <= 0:
            raise ValidationError(_("The hourly rate must be more than zero."))
        return rate

    def clean_years_experience(self):
        years = self.cleaned_data.get("years_experience")
        if years is not None and years > 60:
            raise ValidationError(_("Enter a number of years up to 60."))
        return years

    def clean_new_skills(self) -> list[str]:
        names = [
            " ".join(part.split()) for part in self.cleaned_data.get("new_skills", "").split(",")
        ]
        names = [name for name in names if name]
        for name in names:
            if len(name) > 60:
                raise ValidationError(_("Keep each skill under 60 characters."))
        return names

    def service_data(self) -> dict:
        return {field: self.cleaned_data[field] for field in self.Meta.fields}


class ClientProfileForm(forms.ModelForm):
    class Meta:
        model = ClientProfile
        fields = ["display_name", "website", "about"]
        widgets = {"about": forms.Textarea(attrs={"rows": 5})}
        help_texts = {"display_name": _("Shown to VAs on your tasks.")}

    def service_data(self) -> dict:
        return {field: self.cleaned_data[field] for field in self.Meta.fields}


class PortfolioItemForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=120)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    link = forms.URLField(
        label=_("Link"),
        required=False,
        assume_scheme="https",
        help_text=_(
            "A page where the work can be seen, for example a shared document or a website."
        ),
    )
    file = forms.FileField(
        label=_("File"),
        required=False,
        help_text=_("PDF, PNG, JPEG or WebP. Add a file, a link, or both."),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.png,.jpg,.jpeg,.webp"}),
    )
    remove_file = forms.BooleanField(label=_("Remove the current file"), required=False)
    show_preview = forms.BooleanField(
        label=_("Show a preview on my public profile and in the VA directory"),
        required=False,
        help_text=_(
            "For pictures (PNG, JPEG or WebP): everyone sees a small copy. "
            "The file itself stays private."
        ),
    )

    def __init__(self, *args, item=None, **kwargs):
        self.item = item
        if item is not None:
            kwargs.setdefault(
                "initial",
                {
                    "title": item.title,
                    "description": item.description,
                    "link": item.link,
                    "show_preview": item.show_preview,
                },
            )
        super().__init__(*args, **kwargs)
        self.fields["file"].widget = forms.FileInput(attrs={"accept": ".pdf,.png,.jpg,.jpeg,.webp"})
        if item is None or not item.file:
            del self.fields["remove_file"]
        else:
            self.fields["file"].help_text = _(
                "Current file: %(name)s. Upload another to replace it."
            ) % {"name": item.original_name or _("file")}

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload:
            from accounts.files import check_portfolio_upload

            check_portfolio_upload(upload)
        return upload

    def clean(self):
        cleaned = super().clean()
        has_file = bool(cleaned.get("file")) or (
            self.item is not None and self.item.file and not cleaned.get("remove_file")
        )
        if (
            not has_file
            and not cleaned.get("link")
            and "file" not in self.errors
            and "link" not in self.errors
        ):
            self.add_error("link", _("Add a file or a link so clients can see this work."))
        return cleaned


class RoleEnableForm(forms.Form):
    role = forms.ChoiceField(choices=[("client", _("Hire")), ("va", _("Work as a VA"))])
