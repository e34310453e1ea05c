"""Which language a page is in: saved preference, else the browser, else English.

The header switcher saves the choice on the account (and in a cookie for visitors); URLs
never carry the language.
"""

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from accounts.models import User
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

INDONESIAN_BROWSER = "id-ID,id;q=0.9,en-US;q=0.8,en;q=0.7"
ENGLISH_BROWSER = "en-US,en;q=0.9"


def _language_of(response) -> str:
    assert response.status_code == 200
    return response.headers["Content-Language"]


def test_a_visitor_with_an_indonesian_browser_gets_indonesian(client):
    response = client.get("/", headers={"accept-language": INDONESIAN_BROWSER})
    assert _language_of(response) == "id"
    assert '<html lang="id">' in response.text
    assert "Masuk" in response.text
    assert "Sign in" not in response.text


def test_a_page_in_indonesian_leaves_the_threads_language_as_it_was(client, va):
    # The language is the request's own: code that runs in this thread afterwards (the
    # next request, a test, an eager task) must not speak the last viewer's language.
    _speaks(va, "id")
    client.force_login(va)
    with translation.override("en"):
        assert _language_of(client.get("/")) == "id"
        assert translation.get_language() == "en"
    assert _language_of(client.get("/", headers={"accept-language": INDONESIAN_BROWSER})) == "id"
    assert translation.get_language() == settings.LANGUAGE_CODE


def test_a_visitor_with_a_plain_id_header_gets_indonesian(client):
    response = client.get("/", headers={"accept-language": "id"})
    assert _language_of(response) == "id"


def test_a_visitor_without_a_language_header_gets_english(client):
    response = client.get("/")
    assert _language_of(response) == "en"
    assert "Sign in" in response.text


def test_a_visitor_whose_browser_asks_for_a_language_we_lack_gets_english(client):
    response = client.get("/", headers={"accept-language": "fr-FR,fr;q=0.9,de;q=0.5"})
    assert _language_of(response) == "en"


def test_a_visitor_whose_browser_prefers_english_over_indonesian_gets_english(client):
    response = client.get("/", headers={"accept-language": "en-GB,en;q=0.9,id;q=0.5"})
    assert _language_of(response) == "en"


def test_the_saved_preference_beats_the_browser(client, va):
    _speaks(va, "id")
    client.force_login(va)
    response = client.get("/", headers={"accept-language": ENGLISH_BROWSER})
    assert _language_of(response) == "id"
    assert "Keluar" in response.text


def test_an_english_preference_beats_an_indonesian_browser(client, client_user):
    assert client_user.language == "en"
    client.force_login(client_user)
    response = client.get("/", headers={"accept-language": INDONESIAN_BROWSER})
    assert _language_of(response) == "en"
    assert "Sign out" in response.text


def test_the_switcher_saves_the_choice_on_the_account(client, client_user):
    client.force_login(client_user)
    response = client.post(reverse("set_language"), {"language": "id", "next": "/jobs/"})
    assert response.status_code == 302
    assert response["Location"] == "/jobs/"
    client_user.refresh_from_db()
    assert client_user.language == "id"
    # Even a fresh session on another device, with an English browser, is now Indonesian.
    other_device = type(client)()
    other_device.force_login(client_user)
    assert _language_of(other_device.get("/", headers={"accept-language": ENGLISH_BROWSER})) == "id"


def test_the_switcher_remembers_a_visitors_choice_in_a_cookie(client):
    response = client.post(reverse("set_language"), {"language": "id", "next": "/"})
    assert response.status_code == 302
    cookie = response.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie.value == "id"
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"
    assert _language_of(client.get("/", headers={"accept-language": ENGLISH_BROWSER})) == "id"


def test_the_switcher_ignores_languages_we_do_not_offer(client, client_user):
    client.force_login(client_user)
    response = client.post(reverse("set_language"), {"language": "fr", "next": "/"})
    assert response.status_code == 302
    client_user.refresh_from_db()
    assert client_user.language == "en"
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies


def test_the_switcher_never_redirects_to_another_site(client):
    response = client.post(
        reverse("set_language"), {"language": "id", "next": "https://evil.example/phish"}
    )
    assert response["Location"] == "/"


def test_the_switcher_only_accepts_post(client):
    assert client.get(reverse("set_language"), {"language": "id"}).status_code == 405


def test_the_header_offers_both_languages_with_the_current_one_selected(client):
    response = client.get("/", headers={"accept-language": INDONESIAN_BROWSER})
    assert f'action="{reverse("set_language")}"' in response.text
    assert '<option value="id" selected>Bahasa Indonesia</option>' in response.text
    assert '<option value="en">English</option>' in response.text


@pytest.mark.parametrize("language", ["en", "id"])
def test_urls_are_the_same_in_every_language(client, language):
    with translation.override(language):
        assert reverse("jobs:board") == "/jobs/"
        assert reverse("set_language") == "/language/"
    response = client.get("/jobs/", headers={"accept-language": f"{language}"})
    assert response.status_code == 200
    assert response.headers["Content-Language"] == language


def test_there_are_no_language_prefixed_urls(client):
    assert client.get("/id/", headers={"accept-language": INDONESIAN_BROWSER}).status_code == 404
    assert client.get("/en/jobs/").status_code == 404


def test_responses_vary_on_the_language_inputs(client):
    response = client.get("/")
    vary = {v.strip().lower() for v in response.headers["Vary"].split(",")}
    assert {"accept-language", "cookie"} <= vary


def test_a_new_account_starts_in_the_language_it_signed_up_in(client):
    response = client.post(
        reverse("account_signup"),
        {
            "name": "Sari Wulandari",
            "email": "sari@example.com",
            "password1": "kopi-susu-gula-aren-42",
            "password2": "kopi-susu-gula-aren-42",
            "role": "va",
        },
        headers={"accept-language": INDONESIAN_BROWSER},
    )
    assert response.status_code == 302, response.content[:2000]
    assert User.objects.get(email="sari@example.com").language == "id"


def test_the_not_found_page_speaks_the_visitors_language(client):
    response = client.get("/no-such-page/", headers={"accept-language": INDONESIAN_BROWSER})
    assert response.status_code == 404
    assert "Halaman tidak ditemukan" in response.text
    response = client.get("/no-such-page/", headers={"accept-language": ENGLISH_BROWSER})
    assert "Page not found" in response.text


# --- flash messages: in the member's saved language, whatever the browser asks for -------


def _messages_on(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def _sign_in(client, user, *, browser: str, password: str = PASSWORD):
    """Sign in through the real form from a browser asking for `browser`'s languages."""
    return client.post(
        reverse("account_login"),
        {"login": user.email, "password": password},
        headers={"accept-language": browser},
        follow=True,
    )


def _speaks(user, language: str) -> None:
    user.language = language
    user.save(update_fields=["language"])


def test_an_indonesian_demo_member_is_told_they_signed_in_in_indonesian(client):
    import io

    from django.core.management import call_command

    from accounts.demo import DEMO_PASSWORD

    call_command("demo_data", stdout=io.StringIO())
    rina = User.objects.get(email="rina@demo.asisten.example")
    assert rina.language == "id"

    response = _sign_in(client, rina, browser=ENGLISH_BROWSER, password=DEMO_PASSWORD)

    assert _messages_on(response) == [f"Berhasil masuk sebagai {rina.name}."]
    assert "Successfully signed in" not in response.text


def test_an_english_member_with_an_indonesian_browser_is_told_in_english(client, va):
    _speaks(va, "en")

    response = _sign_in(client, va, browser=INDONESIAN_BROWSER)

    assert _messages_on(response) == [f"Successfully signed in as {va.name}."]


def test_an_indonesian_member_who_is_suspended_is_told_why_in_indonesian(client, suspended):
    _speaks(suspended, "id")

    response = _sign_in(client, suspended, browser=ENGLISH_BROWSER)

    assert _messages_on(response) == [
        "Akun Anda ditangguhkan sehingga Anda tidak bisa masuk. Hubungi tim dukungan jika "
        "menurut Anda ini keliru."
    ]


def test_an_indonesian_member_suspended_while_signed_in_is_told_in_indonesian(client, va):
    _speaks(va, "id")
    client.force_login(va)
    va.suspended_at = va.date_joined
    va.save(update_fields=["suspended_at"])

    response = client.get(
        reverse("accounts:profile"), headers={"accept-language": ENGLISH_BROWSER}, follow=True
    )

    assert _messages_on(response) == [
        "Akun Anda ditangguhkan. Hubungi tim dukungan jika menurut Anda ini keliru."
    ]


def test_signing_out_says_so_in_the_members_language(client, va):
    _speaks(va, "id")
    client.force_login(va)

    response = client.post(
        reverse("account_logout"), headers={"accept-language": ENGLISH_BROWSER}, follow=True
    )

    assert _messages_on(response) == ["Anda telah keluar."]
