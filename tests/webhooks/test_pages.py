"""The profile's webhook pages: create (secret once), bad input, the log, resend, queries."""

import pytest
from django.urls import reverse

from tests.webhooks.conftest import endpoint_for
from webhooks import services
from webhooks.models import Attempt, Delivery, Endpoint

pytestmark = pytest.mark.django_db

URL = "http://127.0.0.1:8765/hooks"


def test_creating_an_endpoint_shows_its_secret_once(client, client_user):
    client.force_login(client_user)
    response = client.post(
        reverse("webhooks:endpoints"),
        {"url": URL, "events": ["bid.created", "message.created"], "description": "Our CRM"},
    )
    assert response.status_code == 200
    endpoint = Endpoint.objects.get(user=client_user)
    assert endpoint.events == ["bid.created", "message.created"]
    assert endpoint.secret.startswith("whsec_")
    assert endpoint.secret in response.content.decode()
    again = client.get(reverse("webhooks:endpoints")).content.decode()
    assert endpoint.secret not in again and URL in again
    detail = client.get(reverse("webhooks:endpoint", args=[endpoint.pk])).content.decode()
    assert endpoint.secret not in detail and endpoint.masked_secret in detail


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"url": "http://example.com/h", "events": ["bid.created"]}, "url", "https://"),
        ({"url": "https://10.1.2.3/h", "events": ["bid.created"]}, "url", "private or local"),
        ({"url": "https://hooks.example.com/h"}, "events", "Choose at least one"),
        ({"url": "https://hooks.example.com/h", "events": ["bid.deleted"]}, "events", ""),
        ({"url": "", "events": ["bid.created"]}, "url", "required"),
    ],
)
def test_bad_input_says_why_and_saves_nothing(client, client_user, data, field, message):
    client.force_login(client_user)
    response = client.post(reverse("webhooks:endpoints"), {"description": "kept", **data})
    assert response.status_code == 400
    form = response.context["form"]
    assert field in form.errors
    assert message in " ".join(form.errors[field])
    assert not Endpoint.objects.exists()
    # Nothing the user typed is lost.
    assert 'value="kept"' in response.content.decode()
    if data.get("url"):
        assert data["url"] in response.content.decode()


def test_localhost_is_refused_when_the_setting_is_off(client, client_user, settings):
    settings.WEBHOOKS_ALLOW_HTTP_LOCALHOST = False
    client.force_login(client_user)
    response = client.post(reverse("webhooks:endpoints"), {"url": URL, "events": ["bid.created"]})
    assert response.status_code == 400
    assert "own addresses" in " ".join(response.context["form"].errors["url"])
    assert not Endpoint.objects.exists()


def test_the_endpoint_limit(client, client_user):
    for _ in range(services.MAX_ENDPOINTS):
        endpoint_for(client_user, URL)
    client.force_login(client_user)
    response = client.post(reverse("webhooks:endpoints"), {"url": URL, "events": ["bid.created"]})
    assert response.status_code == 400
    assert "at most" in response.content.decode()
    assert Endpoint.objects.count() == services.MAX_ENDPOINTS


def test_test_event_resend_and_delete_from_the_page(client, client_user):
    endpoint = endpoint_for(client_user, URL)
    client.force_login(client_user)
    response = client.post(reverse("webhooks:endpoint_test", args=[endpoint.pk]))
    assert response.status_code == 302
    sent = Delivery.objects.get(endpoint=endpoint)
    assert sent.event.type == "webhook.test"
    Delivery.objects.filter(pk=sent.pk).update(status="failed", attempts=6)
    client.post(reverse("webhooks:delivery_resend", args=[endpoint.pk, sent.pk]))
    sent.refresh_from_db()
    assert (sent.status, sent.attempts) == ("pending", 0)
    client.post(reverse("webhooks:endpoint_delete", args=[endpoint.pk]))
    endpoint.refresh_from_db()
    assert endpoint.deleted_at is not None
    sent.refresh_from_db()
    assert sent.status == "cancelled"
    assert client.get(reverse("webhooks:endpoint", args=[endpoint.pk])).status_code == 404
    assert URL not in client.get(reverse("webhooks:endpoints")).content.decode()


def test_someone_elses_endpoint_and_delivery_are_404_and_unchanged(
    client, client_user, other_client
):
    endpoint = endpoint_for(client_user, URL)
    sent = services.test_event_send(endpoint=endpoint, user=client_user)
    Delivery.objects.filter(pk=sent.pk).update(status="failed")
    client.force_login(other_client)
    mine = endpoint_for(other_client, URL)
    for path in [
        reverse("webhooks:endpoint_delete", args=[endpoint.pk]),
        reverse("webhooks:endpoint_test", args=[endpoint.pk]),
        reverse("webhooks:endpoint_enable", args=[endpoint.pk]),
        reverse("webhooks:delivery_resend", args=[endpoint.pk, sent.pk]),
        # Their own endpoint's URL with my delivery: still not theirs.
        reverse("webhooks:delivery_resend", args=[mine.pk, sent.pk]),
    ]:
        assert client.post(path).status_code == 404
    endpoint.refresh_from_db()
    assert endpoint.is_live
    assert Delivery.objects.get(pk=sent.pk).status == "failed"
    assert Delivery.objects.filter(endpoint=endpoint).count() == 1


def _endpoints(user, n):
    for _ in range(n):
        endpoint_for(user, URL, "bid.created", "job.published")


def test_endpoint_list_queries_do_not_grow(client, client_user, django_assert_num_queries):
    client.force_login(client_user)
    _endpoints(client_user, 1)
    client.get(reverse("webhooks:endpoints"))
    with django_assert_num_queries(2) as one:
        assert client.get(reverse("webhooks:endpoints")).status_code == 200
    _endpoints(client_user, 6)
    with django_assert_num_queries(len(one.captured_queries)):
        response = client.get(reverse("webhooks:endpoints"))
    assert response.content.decode().count(URL) == 7


def _log(endpoint, user, n):
    for i in range(n):
        sent = services.test_event_send(endpoint=endpoint, user=user)
        for number in (1, 2):
            Attempt.objects.create(
                delivery=sent,
                number=number,
                at=sent.created_at,
                status_code=500 + i,
                response_excerpt="nope",
            )
        Delivery.objects.filter(pk=sent.pk).update(status="failed", attempts=2)


def test_delivery_log_queries_do_not_grow(client, client_user, django_assert_num_queries):
    endpoint = endpoint_for(client_user, URL)
    client.force_login(client_user)
    _log(endpoint, client_user, 1)
    path = reverse("webhooks:endpoint", args=[endpoint.pk])
    client.get(path)
    with django_assert_num_queries(4) as one:
        assert client.get(path).status_code == 200
    _log(endpoint, client_user, 5)
    with django_assert_num_queries(len(one.captured_queries)):
        response = client.get(path)
    body = response.content.decode()
    assert body.count("webhook.test") == 6 and "HTTP 504 in" in body and "Resend" in body
