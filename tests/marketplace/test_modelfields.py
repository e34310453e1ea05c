import warnings

from django.contrib import admin

from accounts.forms import ClientProfileForm
from accounts.models import ClientProfile, PortfolioItem
from bids.models import Interview


def test_a_bare_domain_is_read_as_https_with_no_deprecation_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        form = ClientProfileForm(
            data={"display_name": "Toko Sari", "website": "tokosari.co.id", "about": ""}
        )
        assert form.is_valid(), form.errors
    assert form.cleaned_data["website"] == "https://tokosari.co.id"


def test_admin_forms_build_url_fields_without_warnings(rf, django_user_model):
    request = rf.get("/")
    request.user = django_user_model(is_superuser=True, is_staff=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for model in (ClientProfile, PortfolioItem, Interview):
            model_admin = admin.site._registry[model]
            form = model_admin.get_form(request)()
            assert form.fields


def test_migrations_see_a_plain_url_field():
    for model, name in ((ClientProfile, "website"), (Interview, "meeting_url")):
        _name, path, _args, _kwargs = model._meta.get_field(name).deconstruct()
        assert path == "django.db.models.URLField"
