"""Password reset and change, email change, rate limits, enumeration safety."""

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user
from django.urls import reverse

from accounts.models import User
from tests.accounts.helpers import last_email_to, link_path_in
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "violet-harbour-kettle-19"


def test_a_password_reset_email_carries_a_link_that_sets_a_new_password(client, va):
    response = client.post(reverse("account_reset_password"), {"email": va.email})
    assert response.url == reverse("account_reset_password_done")

    path = link_path_in(last_email_to(va.email), "/accounts/password/reset/key/")
    form_page = client.get(path, follow=True)
    assert form_page.status_code == 200
    set_url = form_page.redirect_chain[-1][0] if form_page.redirect_chain else path
    response = client.post(set_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})

    assert response.status_code == 302
    va.refresh_from_db()
    assert va.check_password(NEW_PASSWORD)
    assert (
        client.post(
            reverse("account_login"), {"login": va.email, "password": NEW_PASSWORD}
        ).status_code
        == 302
    )
    assert get_user(client) == va


def test_a_used_reset_link_does_not_work_twice(client, va):
    client.post(reverse("account_reset_password"), {"email": va.email})
    path = link_path_in(last_email_to(va.email), "/accounts/password/reset/key/")
    page = client.get(path, follow=True)
    set_url = page.redirect_chain[-1][0] if page.redirect_chain else path
    client.post(set_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})

    again = client.get(path, follow=True)

    assert "Bad Token" in again.content.decode()


def test_a_reset_for_an_unknown_address_looks_the_same_as_for_a_known_one(client, va):
    known = client.post(reverse("account_reset_password"), {"email": va.email})
    unknown = client.post(reverse("account_reset_password"), {"email": "nobody@example.com"})

    assert (known.status_code, known.url) == (unknown.status_code, unknown.url)
    # Both addresses get an email, so the inbox is the only place the difference shows.
    assert last_email_to("nobody@example.com")


def test_signing_up_with_a_taken_address_does_not_reveal_it(client, va):
    fresh = client.post(
        reverse("account_signup"),
        {
            "name": "New",
            "email": "new@example.com",
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
            "role": "va",
        },
    )
    client.logout()
    taken = client.post(
        reverse("account_signup"),
        {
            "name": "Imposter",
            "email": va.email,
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
            "role": "va",
        },
    )

    assert (taken.status_code, taken.url) == (fresh.status_code, fresh.url)
    assert User.objects.filter(email=va.email).count() == 1
    va.refresh_from_db()
    assert va.name == "Vina Assistant"
    # The real owner is told someone tried to sign up with their address.
    assert last_email_to(va.email)


def test_repeated_failed_sign_ins_are_rate_limited_even_with_the_right_password_after(client, va):
    for _attempt in range(5):
        response = client.post(
            reverse("account_login"), {"login": va.email, "password": "wrong-password-1"}
        )
        assert response.status_code == 200

    response = client.post(reverse("account_login"), {"login": va.email, "password": PASSWORD})

    assert response.status_code == 200
    assert "Too many failed login attempts" in response.content.decode()
    assert not get_user(client).is_authenticated


def test_changing_the_password_needs_the_current_one(client, va):
    client.force_login(va)

    refused = client.post(
        reverse("account_change_password"),
        {"oldpassword": "not-my-password", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert refused.status_code == 200
    assert 'id="id_oldpassword_error"' in refused.content.decode()
    va.refresh_from_db()
    assert va.check_password(PASSWORD)

    response = client.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    va.refresh_from_db()
    assert va.check_password(NEW_PASSWORD)
    assert get_user(client) == va  # still signed in (ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE off)


def test_changing_email_takes_effect_once_the_new_address_is_verified(client, va):
    client.force_login(va)

    response = client.post(
        reverse("account_email"), {"action_add": "", "email": "vina.new@example.com"}
    )

    assert response.status_code == 302
    va.refresh_from_db()
    assert va.email == "vina@example.com"  # not yet
    path = link_path_in(last_email_to("vina.new@example.com"), "/accounts/confirm-email/")
    client.post(path)
    va.refresh_from_db()
    assert va.email == "vina.new@example.com"
    assert list(EmailAddress.objects.filter(user=va).values_list("email", flat=True)) == [
        "vina.new@example.com"
    ]


def test_changing_to_another_members_address_is_refused(client, va, other_va):
    client.force_login(va)

    response = client.post(reverse("account_email"), {"action_add": "", "email": other_va.email})

    # Enumeration-safe: no error reveals the address is taken, and nothing changes for either account.
    va.refresh_from_db()
    assert va.email == "vina@example.com"
    assert not EmailAddress.objects.filter(user=va, email=other_va.email, verified=True).exists()
    assert response.status_code == 302


@pytest.mark.parametrize(
    "url_name",
    [
        "account_login",
        "account_signup",
        "account_reset_password",
        "account_reset_password_done",
        "account_email_verification_sent",
    ],
)
def test_entrance_pages_use_our_layout(client, url_name):
    response = client.get(reverse(url_name))

    html = response.content.decode()
    assert response.status_code == 200
    assert 'class="skip-link"' in html and 'id="main"' in html
    assert "css/accounts.css" in html


@pytest.mark.parametrize(
    "url_name",
    [
        "account_email",
        "account_change_password",
        "account_logout",
        "mfa_index",
        "mfa_activate_totp",
    ],
)
def test_account_management_pages_use_our_layout(client, va, url_name):
    client.force_login(va)

    response = client.get(reverse(url_name), follow=True)

    html = response.content.decode()
    assert response.status_code == 200
    assert 'class="skip-link"' in html and "css/accounts.css" in html
    assert "<h1>" in html
