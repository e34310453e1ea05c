"""Headers and configuration (issue 9): CSP, framing, sniffing, referrer, errors."""

import pytest
from django.test import Client, override_settings

from tests.factories import JobFactory

pytestmark = pytest.mark.django_db


def test_every_html_page_carries_a_strict_content_security_policy(client, client_user):
    job = JobFactory(client=client_user)
    for path in ["/", "/jobs/", f"/jobs/{job.pk}/", "/accounts/login/", "/accounts/signup/"]:
        response = client.get(path)
        assert response.status_code == 200, path
        csp = response.headers["Content-Security-Policy"]
        for directive in (
            "default-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "frame-ancestors 'none'",
        ):
            assert directive in csp, (path, directive)
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["Referrer-Policy"] == "same-origin"
        assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"


def test_pages_use_no_inline_script(client, client_user):
    client.force_login(client_user)
    for path in ["/", "/jobs/", "/jobs/new/", "/profile/", "/notifications/"]:
        html = client.get(path).content.decode()
        for chunk in html.split("<script")[1:]:
            assert chunk.lstrip().startswith("src="), f"inline script on {path}"
        assert " onclick=" not in html and " onload=" not in html


@override_settings(DEBUG=False, SECURE_SSL_REDIRECT=True, SECURE_HSTS_SECONDS=31536000)
def test_production_redirects_to_https_and_sends_hsts():
    client = Client()
    assert client.get("/").status_code == 301
    secure = client.get("/", secure=True)
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_a_bad_host_header_is_refused_with_400():
    response = Client(HTTP_HOST="evil.example").get("/")
    assert response.status_code == 400
    assert b"Traceback" not in response.content


def test_not_found_is_our_own_page(client):
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert "We could not find that page" in response.content.decode()


@override_settings(DEBUG=False)
def test_a_server_error_shows_our_page_and_never_a_traceback(settings):
    from django.urls import path

    from marketplace import urls

    def boom(request):
        raise RuntimeError("secret internals")

    settings.ROOT_URLCONF = type("U", (), {"urlpatterns": [path("boom/", boom), *urls.urlpatterns]})
    client = Client(raise_request_exception=False)
    response = client.get("/boom/")
    assert response.status_code == 500
    body = response.content.decode()
    assert "Something went wrong on our side" in body
    assert "secret internals" not in body and "Traceback" not in body


@override_settings(DEBUG=False, SESSION_COOKIE_SECURE=True, CSRF_COOKIE_SECURE=True)
def test_session_and_csrf_cookies_are_secure_httponly_and_lax(client, client_user):
    from tests.factories import PASSWORD

    client.get("/accounts/login/", secure=True)
    response = client.post(
        "/accounts/login/", {"login": client_user.email, "password": PASSWORD}, secure=True
    )
    session = response.cookies["sessionid"]
    assert session["secure"] and session["httponly"] and session["samesite"] == "Lax"
    assert client.cookies["csrftoken"]["secure"]
