"""Errors: JSON with a stable code, a message in the caller's language, fields named;
an hourly limit per token answered with 429 and Retry-After."""

import pytest

from tests import factories
from tests.api.conftest import api_as

pytestmark = pytest.mark.django_db


def test_a_missing_object_is_a_json_404_in_the_callers_language(va):
    english = api_as(va, HTTP_ACCEPT_LANGUAGE="en").get("/api/v1/jobs/999999/")
    assert english.status_code == 404
    assert english.json() == {"code": "not_found", "message": "Not found."}
    indonesian = api_as(va, HTTP_ACCEPT_LANGUAGE="id-ID,id;q=0.9").get("/api/v1/jobs/999999/")
    assert indonesian.json()["code"] == "not_found"
    assert indonesian.json()["message"] == "Tidak ditemukan."
    assert indonesian.headers["Content-Language"] == "id"


def test_an_unknown_api_path_is_a_json_404_too(va):
    response = api_as(va).post("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_no_credentials_is_a_401_with_a_code():
    response = api_as(None).get("/api/v1/me/")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_bad_input_names_each_field_in_the_callers_language(client_user):
    response = api_as(client_user, HTTP_ACCEPT_LANGUAGE="id").post(
        "/api/v1/my/jobs/", {"title": "short"}, format="json"
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert body["message"] == "Sebagian masukan tidak valid; lihat kolomnya."
    assert {"title", "description", "category", "pay_type", "currency"} <= set(body["fields"])
    assert all(isinstance(m, str) for msgs in body["fields"].values() for m in msgs)
    english = api_as(client_user, HTTP_ACCEPT_LANGUAGE="en").post(
        "/api/v1/my/jobs/", {"title": "short"}, format="json"
    )
    assert english.json()["fields"]["description"] == ["This field is required."]
    assert body["fields"]["description"] != english.json()["fields"]["description"]


def test_a_rule_a_service_refuses_is_a_409_with_its_own_words(client_user):
    job = factories.JobFactory(client=client_user)  # already open
    response = api_as(client_user).post(f"/api/v1/my/jobs/{job.pk}/publish/")
    assert response.status_code == 409
    assert response.json()["code"] == "refused"
    assert "draft" in response.json()["message"]


def test_over_the_hourly_limit_a_token_gets_429_with_retry_after(settings, va, other_va):
    settings.ACTION_RATE_LIMITS = {**settings.ACTION_RATE_LIMITS, "api": 3}
    client = api_as(va, HTTP_ACCEPT_LANGUAGE="id")
    for _ in range(3):
        assert client.get("/api/v1/me/").status_code == 200
    limited = client.get("/api/v1/me/")
    assert limited.status_code == 429
    assert limited.json()["code"] == "throttled"
    assert limited.json()["message"] == "Terlalu banyak permintaan. Coba lagi nanti."
    assert 1 <= int(limited.headers["Retry-After"]) <= 3600
    # Per token: another token (even the same person's) has its own count.
    assert api_as(va).get("/api/v1/me/").status_code == 200
    assert api_as(other_va).get("/api/v1/me/").status_code == 200


def test_the_pages_limit_on_bids_holds_for_the_api_too(settings, client_user, va):
    settings.ACTION_RATE_LIMITS = {**settings.ACTION_RATE_LIMITS, "job_create": 0}
    response = api_as(client_user).post("/api/v1/my/jobs/", {}, format="json")
    assert response.status_code == 429
    assert "Retry-After" in response.headers


def test_without_accept_language_a_token_speaks_its_persons_language(va):
    va.language = "id"
    va.save(update_fields=["language"])
    response = api_as(va).get("/api/v1/jobs/999999/")
    assert response.json()["message"] == "Tidak ditemukan."
    assert (
        api_as(va, HTTP_ACCEPT_LANGUAGE="en").get("/api/v1/jobs/999999/").json()["message"]
        == "Not found."
    )
