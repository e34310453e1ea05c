"""/healthz reports PostgreSQL, Redis and the channel layer, and answers quickly when Redis
is gone."""

import time

import pytest

from tests.ops.helpers import free_port


@pytest.mark.django_db
def test_healthz_is_ok_when_postgres_and_redis_answer(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json()["postgres"] == "ok"
    assert response.json()["redis"] == "ok"
    assert response.json()["channel_layer"] == "ok"


@pytest.mark.django_db
def test_healthz_is_503_and_says_channel_layer_when_its_redis_is_down(client, settings):
    settings.CHANNEL_LAYERS = {
        "default": {
            **settings.CHANNEL_LAYERS["default"],
            "CONFIG": {"hosts": [f"redis://127.0.0.1:{free_port()}/0"]},
        }
    }
    started = time.monotonic()
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["channel_layer"] == "error"
    assert response.json()["redis"] == "ok"
    assert time.monotonic() - started < 3 * settings.REDIS_SOCKET_TIMEOUT


@pytest.mark.django_db
def test_healthz_is_503_and_says_redis_when_redis_is_down(client, settings):
    settings.REDIS_URL = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    started = time.monotonic()
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["redis"] == "error"
    assert response.json()["postgres"] == "ok"
    assert time.monotonic() - started < 3 * settings.REDIS_SOCKET_TIMEOUT


@pytest.mark.django_db
def test_healthz_is_never_cached(client):
    response = client.get("/healthz")
    assert "no-cache" in response["Cache-Control"]
