"""Sign-up, email verification, sign-in and sign-out (allauth with our adapter and forms)."""

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user
from django.core import mail
from django.urls import reverse

from accounts.models import ClientProfile, User, VAProfile
from tests.accounts.helpers import last_email_to, link_path_in
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "plum-orchard-lantern-77"


def signup(client, *, email="nina@example.com", role="client", name="Nina Baru", **extra):
    data = {
        "name": name,
        "email": email,
        "password1": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
        "role": role,
    }
    data.update(extra)
    return client.post(reverse("account_signup"), data)


@pytest.mark.parametrize(
    ("role", "is_client", "is_va"),
    [("client", True, False), ("va", False, True), ("both", True, True)],
)
def test_signing_up_sets_the_chosen_roles_and_creates_their_profiles(
    client, role, is_client, is_va
):
    response = signup(client, role=role)

    assert response.status_code == 302
    user = User.objects.get(email="nina@example.com")
    assert (user.name, user.is_client, user.is_va) == ("Nina Baru", is_client, is_va)
    assert ClientProfile.objects.filter(user=user).exists() is is_client
    assert VAProfile.objects.filter(user=user).exists() is is_va


def test_signing_up_asks_for_name_and_role_with_errors_next_to_the_fields(client):
    response = client.post(
        reverse("account_signup"),
        {"email": "nina@example.com", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="id_name_error"' in html and 'id="id_role_error"' in html
    assert 'value="nina@example.com"' in html  # what was typed is kept
    assert not User.objects.filter(email="nina@example.com").exists()


def test_a_new_account_must_verify_its_email_before_it_is_signed_in(client):
    response = signup(client)

    assert response.status_code == 302
    assert response.url == reverse("account_email_verification_sent")
    assert not get_user(client).is_authenticated
    assert not EmailAddress.objects.get(email="nina@example.com").verified


def test_signing_in_before_verifying_shows_the_verification_page_and_does_not_sign_in(client):
    signup(client)
    client.logout()
    mail.outbox.clear()

    response = client.post(
        reverse("account_login"), {"login": "nina@example.com", "password": NEW_PASSWORD}
    )

    assert response.status_code == 302
    assert response.url == reverse("account_email_verification_sent")
    assert not get_user(client).is_authenticated
    assert client.get(response.url).status_code == 200


def test_the_verification_link_in_the_email_confirms_the_address_and_signs_in(client):
    signup(client, role="va")
    message = last_email_to("nina@example.com")
    path = link_path_in(message, "/accounts/confirm-email/")

    page = client.get(path)
    assert page.status_code == 200
    response = client.post(path)

    assert EmailAddress.objects.get(email="nina@example.com").verified
    assert get_user(client).is_authenticated
    # A new member lands on completing their profile.
    assert response.url == reverse("accounts:edit")


def test_after_verifying_elsewhere_the_person_can_sign_in(client):
    signup(client)
    path = link_path_in(last_email_to("nina@example.com"), "/accounts/confirm-email/")
    client.post(path)
    client.logout()

    response = client.post(
        reverse("account_login"), {"login": "nina@example.com", "password": NEW_PASSWORD}
    )

    assert response.status_code == 302
    assert get_user(client).email == "nina@example.com"


def test_the_verification_email_is_in_the_language_of_the_sign_up(client):
    client.cookies["django_language"] = "id"
    signup(client)

    user = User.objects.get(email="nina@example.com")
    message = last_email_to("nina@example.com")
    assert user.language == "id"
    assert "Konfirmasi" in message.subject or "konfirmasi" in message.body.lower()


def test_account_emails_use_the_recipients_language_not_the_pages(client, va):
    va.language = "id"
    va.save(update_fields=["language"])

    client.post(reverse("account_reset_password"), {"email": va.email}, HTTP_ACCEPT_LANGUAGE="en")

    message = last_email_to(va.email)
    assert "Kata Sandi" in message.subject or "kata sandi" in message.body.lower()


def test_a_verified_member_signs_in_and_out(client, client_user):
    response = client.post(
        reverse("account_login"), {"login": client_user.email, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert get_user(client) == client_user

    response = client.post(reverse("account_logout"))
    assert response.status_code == 302
    assert not get_user(client).is_authenticated


def test_a_wrong_password_is_refused_with_a_message_and_the_email_kept(client, client_user):
    response = client.post(
        reverse("account_login"), {"login": client_user.email, "password": "nope-nope-nope"}
    )

    assert response.status_code == 200
    assert not get_user(client).is_authenticated
    html = response.content.decode()
    assert 'role="alert"' in html
    assert f'value="{client_user.email}"' in html


def test_a_suspended_member_cannot_sign_in_and_is_told_why(client, suspended):
    response = client.post(
        reverse("account_login"), {"login": suspended.email, "password": PASSWORD}, follow=True
    )

    assert not get_user(client).is_authenticated
    assert "Your account is suspended" in response.content.decode()


def test_an_already_signed_in_member_is_signed_out_once_suspended(client, va):
    client.force_login(va)
    va.suspended_at = va.date_joined
    va.save(update_fields=["suspended_at"])

    response = client.get(reverse("accounts:profile"), follow=True)

    assert response.redirect_chain[0] == (reverse("account_login"), 302)
    assert not get_user(client).is_authenticated
    assert "Your account is suspended" in response.content.decode()
