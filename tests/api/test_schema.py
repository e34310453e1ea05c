"""Schemathesis against the live schema: every operation, as a client's token and as a
VA's, a bounded number of generated requests each. No 5xx, and every response (status,
content type, body) is one the schema describes."""

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api.conftest import token_for
from tests.security.world import build_world

EXAMPLES_PER_OPERATION = 10
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def world(client_user, other_client, va, other_va, staff, suspended):
    return build_world(
        client_user=client_user,
        other_client=other_client,
        va=va,
        other_va=other_va,
        staff=staff,
        suspended=suspended,
    )


@pytest.fixture
def live_schema(world):
    # As Django's test client does: the test's transaction must outlive each request.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def tokens(world):
    return {persona: token_for(world.users[persona]) for persona in ("owner", "bidding_va")}


schema = schemathesis.pytest.from_fixture("live_schema")


HYPOTHESIS = settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)


def _call(case, token: str) -> None:
    case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)


@pytest.mark.django_db
@schema.parametrize()
@HYPOTHESIS
def test_every_operation_as_a_clients_token(case, tokens):
    _call(case, tokens["owner"])


@pytest.mark.django_db
@schema.parametrize()
@HYPOTHESIS
def test_every_operation_as_a_vas_token(case, tokens):
    _call(case, tokens["bidding_va"])
