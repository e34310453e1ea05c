from django import forms
from django.utils.translation import gettext_lazy as _


class SignupForm(forms.Form):
    """Extra sign-up fields; allauth mixes these into its own sign-up form."""

    ROLE_CHOICES = [
        ("client", _("I want to hire a virtual assistant")),
        ("va", _("I want to work as a virtual assistant")),
        ("both", _("Both")),
    ]
    name = forms.CharField(label=_("Full name"), max_length=150)
    role = forms.ChoiceField(label=_("How will you use Asisten?"), choices=ROLE_CHOICES, widget=forms.RadioSelect)

    def signup(self, request, user) -> None:
        role = self.cleaned_data["role"]
        user.name = self.cleaned_data["name"]
        user.is_client = role in ("client", "both")
        user.is_va = role in ("va", "both")
        user.save(update_fields=["name", "is_client", "is_va"])
