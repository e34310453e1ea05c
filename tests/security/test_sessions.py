"""Authentication and sessions (issue 9, ASVS V6/V7)."""

import pytest
from django.test import Client

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def _login(client, user, password=PASSWORD):
    response = client.post("/accounts/login/", {"login": user.email, "password": password})
    assert response.status_code == 302, response.content[:500]
    return response


def test_the_session_key_rotates_at_login(client, client_user):
    client.get("/accounts/login/")
    client.session["probe"] = 1  # an anonymous session exists before login
    before = client.session.session_key
    _login(client, client_user)
    assert client.session.session_key != before


def test_logout_kills_the_session_on_the_server(client, client_user):
    _login(client, client_user)
    stolen = Client()
    stolen.cookies["sessionid"] = client.cookies["sessionid"].value
    assert stolen.get("/profile/").status_code == 200
    client.post("/accounts/logout/")
    assert stolen.get("/profile/").status_code == 302


def test_changing_the_password_ends_other_sessions_but_keeps_this_one(client_user):
    laptop, phone = Client(), Client()
    _login(laptop, client_user)
    _login(phone, client_user)
    response = laptop.post(
        "/accounts/password/change/",
        {
            "oldpassword": PASSWORD,
            "password1": "a-new-long-passphrase-9",
            "password2": "a-new-long-passphrase-9",
        },
    )
    assert response.status_code == 302
    assert laptop.get("/profile/").status_code == 200
    assert phone.get("/profile/").status_code == 302


def test_a_suspended_user_is_signed_out_on_the_next_request(client, va):
    _login(client, va)
    from django.utils import timezone

    va.suspended_at = timezone.now()
    va.save(update_fields=["suspended_at"])
    response = client.get("/bids/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert client.get("/bids/").status_code == 302
    assert "_auth_user_id" not in client.session
