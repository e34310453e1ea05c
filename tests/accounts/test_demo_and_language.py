"""The demo_data command, and the language switch remembering people's choice."""

import io

import pytest
from allauth.account.models import EmailAddress
from django.core.management import call_command
from django.urls import reverse

from accounts.demo import DEMO_PASSWORD
from accounts.models import ClientProfile, PortfolioItem, User, VAProfile
from jobs.models import Skill

pytestmark = pytest.mark.django_db


def counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (User, EmailAddress, ClientProfile, VAProfile, PortfolioItem, Skill)
    }


def test_demo_data_loads_verified_clients_and_vas_and_prints_the_logins():
    out = io.StringIO()

    call_command("demo_data", stdout=out)

    assert User.objects.clients().count() == 3 and User.objects.vas().count() == 6
    assert User.objects.filter(is_client=True, is_va=True).count() == 1
    assert not EmailAddress.objects.filter(verified=False).exists()
    assert set(VAProfile.objects.values_list("currency", flat=True)) == {"IDR", "USD"}
    assert not VAProfile.objects.filter(headline="").exists()
    assert User.objects.get(email="siti@demo.asisten.example").check_password(DEMO_PASSWORD)
    text = out.getvalue()
    assert "siti@demo.asisten.example" in text and DEMO_PASSWORD in text


def test_demo_data_run_twice_changes_nothing():
    call_command("demo_data", stdout=io.StringIO())
    first = counts()
    names = list(User.objects.order_by("email").values_list("email", "name", "is_client", "is_va"))

    call_command("demo_data", stdout=io.StringIO())

    assert counts() == first
    assert (
        list(User.objects.order_by("email").values_list("email", "name", "is_client", "is_va"))
        == names
    )


def test_a_demo_member_can_sign_in(client):
    call_command("demo_data", stdout=io.StringIO())

    response = client.post(
        reverse("account_login"), {"login": "rina@demo.asisten.example", "password": DEMO_PASSWORD}
    )

    assert response.status_code == 302


# --- language -----------------------------------------------------------------------------


def test_a_signed_in_members_language_choice_is_saved_on_the_account(client, va):
    client.force_login(va)

    response = client.post(reverse("set_language"), {"language": "id", "next": "/profile/"})

    assert response.url == "/profile/"
    va.refresh_from_db()
    assert va.language == "id"
    # Their saved language wins over the browser's.
    page = client.get(reverse("accounts:profile"), HTTP_ACCEPT_LANGUAGE="en")
    assert '<html lang="id">' in page.content.decode()


def test_anonymous_visitors_get_their_browsers_language(client):
    response = client.get(reverse("account_login"), HTTP_ACCEPT_LANGUAGE="id,en;q=0.5")

    assert '<html lang="id">' in response.content.decode()
    assert response["Content-Language"] == "id"


def test_an_anonymous_choice_is_kept_in_a_cookie_over_the_browsers_language(client):
    client.post(reverse("set_language"), {"language": "id", "next": "/"})

    response = client.get(reverse("account_login"), HTTP_ACCEPT_LANGUAGE="en")

    assert '<html lang="id">' in response.content.decode()


def test_an_unknown_language_or_a_foreign_next_url_is_ignored(client, va):
    client.force_login(va)

    response = client.post(
        reverse("set_language"), {"language": "xx", "next": "https://evil.example/"}
    )

    assert response.url == "/"
    va.refresh_from_db()
    assert va.language == "en"
