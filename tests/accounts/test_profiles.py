"""My profile, editing it, role switch, and a VA's public page."""

from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.models import ClientProfile, User, VAProfile
from jobs.models import Skill
from tests import factories
from tests.accounts.factories import PortfolioLinkFactory

pytestmark = pytest.mark.django_db


def va_edit_data(user: User, **overrides) -> dict:
    data = {
        "account-name": user.name,
        "account-language": "en",
        "account-timezone": "Asia/Jakarta",
        "va-headline": "Bookkeeper for small shops",
        "va-bio": "I keep your books tidy.",
        "va-categories": [factories.category("bookkeeping").pk],
        "va-skills": [],
        "va-new_skills": "",
        "va-hourly_rate": "75000",
        "va-currency": "IDR",
        "va-years_experience": "4",
        "va-languages": "Indonesian, English",
        "va-country": "Indonesia",
        "va-availability": VAProfile.Availability.PART_TIME,
    }
    data.update(overrides)
    return data


# --- permissions --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url_name", ["accounts:profile", "accounts:edit", "accounts:portfolio_create"]
)
def test_anonymous_visitors_are_asked_to_sign_in(client, url_name):
    response = client.get(reverse(url_name))

    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


@pytest.mark.parametrize("persona", ["client_user", "va", "staff"])
def test_every_member_sees_their_own_profile(client, request, persona):
    user = request.getfixturevalue(persona)
    client.force_login(user)

    response = client.get(reverse("accounts:profile"))

    assert response.status_code == 200
    assert user.email in response.content.decode()


def test_the_edit_page_only_ever_edits_the_signed_in_member(client, va, other_va):
    client.force_login(va)

    # There is no id to tamper with; extra fields naming another user are ignored.
    response = client.post(
        reverse("accounts:edit"),
        va_edit_data(
            va,
            **{
                "account-name": "Vina Baru",
                "account-email": other_va.email,
                "va-user": other_va.pk,
            },
        ),
    )

    assert response.status_code == 302
    va.refresh_from_db()
    other_va.refresh_from_db()
    assert va.name == "Vina Baru"
    assert other_va.name == "Wati Other"
    assert va.email == "vina@example.com"
    assert other_va.va_profile.headline == "Reliable admin and bookkeeping assistant"


# --- editing ------------------------------------------------------------------------------


def test_a_va_saves_their_profile_with_categories_skills_and_a_rupiah_rate(client, va):
    excel = Skill.objects.create(name="Excel", slug="excel")
    va.language = "id"  # amounts are read the way the page's language writes them
    va.save(update_fields=["language"])
    client.force_login(va)

    response = client.post(
        reverse("accounts:edit"),
        va_edit_data(
            va,
            **{
                "va-skills": [excel.pk],
                "va-new_skills": "Canva, excel , Xero",
                "va-hourly_rate": "150.000",
                "account-language": "id",
            },
        ),
    )

    assert response.status_code == 302
    profile = VAProfile.objects.get(user=va)
    assert profile.hourly_rate == Decimal("150000")
    assert sorted(profile.skills.values_list("name", flat=True)) == ["Canva", "Excel", "Xero"]
    assert list(profile.categories.values_list("slug", flat=True)) == ["bookkeeping"]
    assert Skill.objects.filter(slug="excel").count() == 1
    va.refresh_from_db()
    assert va.language == "id"


def test_a_va_can_price_in_dollars(client, va):
    client.force_login(va)

    client.post(
        reverse("accounts:edit"),
        va_edit_data(va, **{"va-hourly_rate": "12.50", "va-currency": "USD"}),
    )

    profile = VAProfile.objects.get(user=va)
    assert (profile.hourly_rate, profile.currency) == (Decimal("12.50"), "USD")


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("va-hourly_rate", "0", "more than zero"),
        ("va-hourly_rate", "lots", "Enter the amount as a number"),
        ("va-hourly_rate", "75000.5", "no decimals"),
        ("va-years_experience", "-3", ""),
        ("account-name", "", "required"),
        ("account-timezone", "Mars/Olympus", "valid choice"),
    ],
)
def test_bad_profile_input_is_shown_next_to_the_field_and_nothing_is_saved(
    client, va, field, value, message
):
    client.force_login(va)
    before = VAProfile.objects.values().get(user=va)

    response = client.post(
        reverse("accounts:edit"),
        va_edit_data(va, **{"va-headline": "Changed headline", field: value}),
    )

    assert response.status_code == 200
    html = response.content.decode()
    field_id = "id_" + field
    assert f'id="{field_id}_error"' in html
    assert message in html
    assert 'value="Changed headline"' in html  # what was typed is kept
    assert VAProfile.objects.values().get(user=va) == before
    va.refresh_from_db()
    assert va.name == "Vina Assistant"


def test_a_client_edits_their_company_details(client, client_user):
    client.force_login(client_user)

    response = client.post(
        reverse("accounts:edit"),
        {
            "account-name": "Alice Client",
            "account-language": "en",
            "account-timezone": "Asia/Makassar",
            "client-display_name": "Toko Alice",
            "client-website": "https://toko-alice.example",
            "client-about": "Batik shop in Yogyakarta.",
        },
    )

    assert response.status_code == 302
    profile = ClientProfile.objects.get(user=client_user)
    assert (profile.display_name, profile.website) == ("Toko Alice", "https://toko-alice.example")
    client_user.refresh_from_db()
    assert client_user.timezone == "Asia/Makassar"


def test_a_bad_client_website_is_refused_next_to_the_field(client, client_user):
    client.force_login(client_user)

    response = client.post(
        reverse("accounts:edit"),
        {
            "account-name": "Alice Client",
            "account-language": "en",
            "account-timezone": "Asia/Jakarta",
            "client-display_name": "Toko Alice",
            "client-website": "not a website",
            "client-about": "",
        },
    )

    assert response.status_code == 200
    assert 'id="id_client-website_error"' in response.content.decode()
    assert ClientProfile.objects.get(user=client_user).display_name == "Alice Client Ltd"


def test_a_client_only_member_sees_no_va_form(client, client_user):
    client.force_login(client_user)

    html = client.get(reverse("accounts:edit")).content.decode()

    assert "va-headline" not in html and "client-display_name" in html


# --- role switch --------------------------------------------------------------------------


def test_one_click_switches_on_working_as_a_va(client, client_user):
    client.force_login(client_user)

    response = client.post(reverse("accounts:role_enable"), {"role": "va"})

    assert response.url == reverse("accounts:edit")
    client_user.refresh_from_db()
    assert client_user.is_va and client_user.is_client
    assert VAProfile.objects.filter(user=client_user).exists()


def test_switching_on_hiring_creates_an_empty_client_profile(client, va):
    client.force_login(va)

    client.post(reverse("accounts:role_enable"), {"role": "client"})
    client.post(reverse("accounts:role_enable"), {"role": "client"})  # twice changes nothing

    va.refresh_from_db()
    assert va.is_client
    assert ClientProfile.objects.filter(user=va).count() == 1


def test_role_switch_needs_post_and_a_known_role(client, va):
    client.force_login(va)

    assert client.get(reverse("accounts:role_enable")).status_code == 405
    client.post(reverse("accounts:role_enable"), {"role": "staff"})

    va.refresh_from_db()
    assert not va.is_client and not va.is_staff


# --- public VA page -----------------------------------------------------------------------


def test_the_public_va_page_shows_the_profile_but_no_email_or_private_fields(client, va):
    PortfolioLinkFactory(profile=va.va_profile, title="Drive clean-up for a bakery")

    response = client.get(reverse("accounts:va_public", args=[va.pk]))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Vina Assistant" in html and "Reliable admin and bookkeeping assistant" in html
    assert "Drive clean-up for a bakery" in html
    assert va.email not in html and "vina@" not in html
    assert "Asia/Jakarta" not in html  # account settings stay private


@pytest.mark.parametrize("persona", ["client_user", "suspended"])
def test_the_public_page_is_404_for_non_vas_and_suspended_vas(client, request, persona):
    user = request.getfixturevalue(persona)

    assert client.get(reverse("accounts:va_public", args=[user.pk])).status_code == 404


def test_the_public_page_is_404_for_a_missing_member(client):
    assert client.get(reverse("accounts:va_public", args=[999999])).status_code == 404


def test_the_public_va_page_costs_the_same_queries_for_2_or_10_portfolio_items(
    client, va, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    profile = va.va_profile
    profile.skills.set(
        [Skill.objects.create(name=f"Skill {i}", slug=f"skill-{i}") for i in range(3)]
    )
    PortfolioLinkFactory.create_batch(2, profile=profile)
    url = reverse("accounts:va_public", args=[va.pk])
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200

    PortfolioLinkFactory.create_batch(8, profile=profile)
    # Guards the portfolio, skills and categories against a query per item.
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert response.content.decode().count('class="portfolio-item"') == 10


def test_my_profile_page_costs_the_same_queries_for_2_or_10_portfolio_items(
    client, va, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    PortfolioLinkFactory.create_batch(2, profile=va.va_profile)
    client.force_login(va)
    url = reverse("accounts:profile")
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200

    PortfolioLinkFactory.create_batch(8, profile=va.va_profile)
    # Guards the portfolio list (edit/delete links per item) against a query per item.
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert response.content.decode().count('class="portfolio-item"') == 10


def test_my_profile_offers_two_factor_email_and_password_management(client, client_user):
    client.force_login(client_user)

    html = client.get(reverse("accounts:profile")).content.decode()

    for url_name in ("mfa_index", "account_email", "account_change_password"):
        assert f'href="{reverse(url_name)}"' in html
    # A client-only member is offered the other role in one click.
    assert 'name="role" value="va"' in html
