"""/api/v1/webhooks/: list, create (secret once), read and delete, under the token's scopes."""

import pytest

from tests.api.conftest import api_as
from tests.webhooks.conftest import endpoint_for
from webhooks.models import Endpoint

pytestmark = pytest.mark.django_db

URL = "http://127.0.0.1:8765/hooks"
BODY = {"url": URL, "events": ["bid.created", "contract.created"], "description": "CRM"}


def test_create_list_read_delete(client_user):
    api = api_as(client_user, scopes=["read", "webhooks:write"])
    created = api.post("/api/v1/webhooks/", BODY, format="json")
    assert created.status_code == 201, created.content
    endpoint = Endpoint.objects.get(user=client_user)
    assert created.json()["secret"] == endpoint.secret
    assert created.json()["events"] == ["bid.created", "contract.created"]
    listed = api.get("/api/v1/webhooks/").json()["results"]
    assert [e["id"] for e in listed] == [endpoint.pk] and "secret" not in listed[0]
    one = api.get(f"/api/v1/webhooks/{endpoint.pk}/").json()
    assert one["url"] == URL and "secret" not in one
    assert api.delete(f"/api/v1/webhooks/{endpoint.pk}/").status_code == 204
    endpoint.refresh_from_db()
    assert endpoint.deleted_at is not None
    assert api.get(f"/api/v1/webhooks/{endpoint.pk}/").status_code == 404
    assert api.get("/api/v1/webhooks/").json()["results"] == []


def test_a_read_token_may_list_but_not_create_or_delete(client_user):
    endpoint = endpoint_for(client_user, URL)
    api = api_as(client_user, scopes=["read"])
    assert api.get("/api/v1/webhooks/").status_code == 200
    refused = api.post("/api/v1/webhooks/", BODY, format="json")
    assert refused.status_code == 403
    assert refused.json()["code"] == "insufficient_scope"
    assert api.delete(f"/api/v1/webhooks/{endpoint.pk}/").status_code == 403
    assert Endpoint.objects.get(pk=endpoint.pk).deleted_at is None
    assert Endpoint.objects.count() == 1


def test_someone_elses_endpoint_is_404(client_user, other_client):
    endpoint = endpoint_for(client_user, URL)
    api = api_as(other_client, scopes=["read", "webhooks:write"])
    assert api.get(f"/api/v1/webhooks/{endpoint.pk}/").status_code == 404
    assert api.delete(f"/api/v1/webhooks/{endpoint.pk}/").status_code == 404
    assert api.get("/api/v1/webhooks/").json()["results"] == []
    assert Endpoint.objects.get(pk=endpoint.pk).deleted_at is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**BODY, "url": "http://example.com/h"}, "url"),
        ({**BODY, "url": "https://192.168.0.9/h"}, "url"),
        ({**BODY, "events": []}, "events"),
        ({**BODY, "events": ["bid.deleted"]}, "events"),
    ],
)
def test_bad_input_names_the_field_and_saves_nothing(client_user, body, field):
    api = api_as(client_user, scopes=["read", "webhooks:write"])
    response = api.post("/api/v1/webhooks/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()["fields"]
    assert not Endpoint.objects.exists()


def test_the_list_queries_do_not_grow(client_user, django_assert_num_queries):
    api = api_as(client_user, scopes=["read"])
    endpoint_for(client_user, URL)
    api.get("/api/v1/webhooks/")
    with django_assert_num_queries(2) as one:
        assert api.get("/api/v1/webhooks/").status_code == 200
    for _ in range(5):
        endpoint_for(client_user, URL)
    with django_assert_num_queries(len(one.captured_queries)):
        assert len(api.get("/api/v1/webhooks/").json()["results"]) == 6
