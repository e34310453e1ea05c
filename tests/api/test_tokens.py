"""Personal access tokens: hashed, scoped, revocable, last-used; the profile's token page."""

import hashlib
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from api.models import PersonalAccessToken
from api.services import token_create, token_revoke
from tests.api.conftest import api_as

pytestmark = pytest.mark.django_db


def _bearer(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def test_only_a_hash_of_the_token_is_stored(client_user):
    row, text = token_create(user=client_user, name="Sync", scopes=["read"])
    secret = text.split("_", 2)[2]
    assert text.startswith(f"asn_{row.prefix}_")
    assert row.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM api_personalaccesstoken")
        stored = repr(cursor.fetchall())
    assert secret not in stored and text not in stored


def test_a_token_authenticates_its_user(client_user):
    _row, text = token_create(user=client_user, name="Sync", scopes=["read"])
    response = _bearer(text).get("/api/v1/me/")
    assert response.status_code == 200
    assert response.json()["email"] == client_user.email


@pytest.mark.parametrize(
    "mangle",
    [
        lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),  # right prefix, wrong secret
        lambda t: "asn_000000000000_" + t.split("_", 2)[2],  # unknown prefix
        lambda t: t.replace("asn_", "xyz_"),
        lambda t: "",
    ],
)
def test_a_wrong_token_is_refused_with_401(client_user, mangle):
    _row, text = token_create(user=client_user, name="Sync", scopes=["read"])
    response = _bearer(mangle(text)).get("/api/v1/me/")
    assert response.status_code == 401
    assert response.json()["code"] in ("authentication_failed", "not_authenticated")
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_a_revoked_token_stops_working_at_once(client_user):
    row, text = token_create(user=client_user, name="Sync", scopes=["read"])
    client = _bearer(text)
    assert client.get("/api/v1/me/").status_code == 200
    token_revoke(token=row, user=client_user)
    response = client.get("/api/v1/me/")
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


def test_a_suspended_users_token_is_refused(client_user):
    _row, text = token_create(user=client_user, name="Sync", scopes=["read"])
    client_user.suspended_at = timezone.now()
    client_user.save(update_fields=["suspended_at"])
    assert _bearer(text).get("/api/v1/me/").status_code == 401


def test_last_used_is_recorded_but_written_at_most_once_a_minute(client_user):
    row, text = token_create(user=client_user, name="Sync", scopes=["read"])
    assert row.last_used_at is None
    client = _bearer(text)
    client.get("/api/v1/me/")
    row.refresh_from_db()
    first = row.last_used_at
    assert first is not None
    with CaptureQueriesContext(connection) as calls:
        client.get("/api/v1/me/")
    assert not [q for q in calls.captured_queries if q["sql"].startswith("UPDATE")]
    PersonalAccessToken.objects.filter(pk=row.pk).update(last_used_at=first - timedelta(minutes=2))
    client.get("/api/v1/me/")
    row.refresh_from_db()
    assert row.last_used_at > first - timedelta(minutes=2)


def test_a_read_token_can_read_but_not_write(client_user):
    client = api_as(client_user, scopes=["read"])
    assert client.get("/api/v1/my/jobs/").status_code == 200
    response = client.post("/api/v1/my/jobs/", {"title": "x"}, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "insufficient_scope"


def test_a_write_scope_does_not_open_other_writes(client_user, va):
    from tests import factories

    job = factories.JobFactory(client=client_user)
    bid = factories.BidFactory(job=job, va=va)
    client = api_as(client_user, scopes=["read", "bids:write"])
    response = client.post(f"/api/v1/bids/{bid.pk}/shortlist/")
    assert response.status_code == 403
    assert response.json()["code"] == "insufficient_scope"
    bid.refresh_from_db()
    assert bid.status == "submitted"


def test_a_token_without_read_cannot_read(va):
    response = api_as(va, scopes=["bids:write"]).get("/api/v1/my/bids/")
    assert response.status_code == 403


def test_a_person_cannot_revoke_someone_elses_token(client_user, other_client):
    row, _text = token_create(user=client_user, name="Sync", scopes=["read"])
    with pytest.raises(Exception, match="not your token"):
        token_revoke(token=row, user=other_client)
    row.refresh_from_db()
    assert row.revoked_at is None


# --- the profile's page -------------------------------------------------------------------


def test_the_page_shows_a_new_token_once_and_lists_it_after(client, client_user):
    client.force_login(client_user)
    response = client.post(reverse("api:tokens"), {"name": "Inventory sync", "scopes": ["read"]})
    assert response.status_code == 200
    text = response.context["created"]
    assert text.startswith("asn_") and text in response.content.decode()
    assert _bearer(text).get("/api/v1/me/").status_code == 200
    again = client.get(reverse("api:tokens")).content.decode()
    assert "Inventory sync" in again and text not in again
    assert "Never" not in again  # it was just used


@pytest.mark.parametrize(
    "data, field",
    [
        ({"name": "", "scopes": ["read"]}, "name"),
        ({"name": "Sync"}, "scopes"),
        ({"name": "Sync", "scopes": ["admin"]}, "scopes"),
    ],
)
def test_the_page_refuses_bad_input_and_saves_nothing(client, client_user, data, field):
    client.force_login(client_user)
    response = client.post(reverse("api:tokens"), data)
    assert response.status_code == 400
    assert response.context["form"].errors[field]
    assert response.context["created"] is None
    assert not PersonalAccessToken.objects.exists()


def test_revoking_on_the_page(client, client_user, other_client):
    row, text = token_create(user=client_user, name="Sync", scopes=["read"])
    client.force_login(other_client)
    assert client.post(reverse("api:token_revoke", args=[row.pk])).status_code == 404
    client.force_login(client_user)
    response = client.post(reverse("api:token_revoke", args=[row.pk]))
    assert response.status_code == 302
    assert _bearer(text).get("/api/v1/me/").status_code == 401
    assert "Revoked" in client.get(reverse("api:tokens")).content.decode()


def test_the_token_list_makes_the_same_queries_for_one_token_and_for_ten(
    client, client_user, django_assert_num_queries
):
    client.force_login(client_user)
    token_create(user=client_user, name="One", scopes=["read"])
    client.get(reverse("api:tokens"))
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("api:tokens"))
    for i in range(9):
        token_create(user=client_user, name=f"T{i}", scopes=["read"])
    with django_assert_num_queries(len(one)):
        assert client.get(reverse("api:tokens")).context["tokens"].count() == 10


# --- session auth -------------------------------------------------------------------------


def test_the_session_works_for_same_origin_calls_with_csrf(client_user):
    from tests import factories

    job = factories.JobFactory(client=client_user, status="draft", published_at=None)
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(client_user)
    assert client.get("/api/v1/me/").status_code == 200
    refused = client.post(f"/api/v1/my/jobs/{job.pk}/publish/")
    assert refused.status_code == 403
    assert refused.json()["code"] == "permission_denied"
    job.refresh_from_db()
    assert job.status == "draft"
    page = client.get(reverse("api:tokens"))
    csrf = page.cookies["csrftoken"].value
    done = client.post(f"/api/v1/my/jobs/{job.pk}/publish/", HTTP_X_CSRFTOKEN=csrf)
    assert done.status_code == 200, done.json()
    job.refresh_from_db()
    assert job.status == "open"
