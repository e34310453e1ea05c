import pytest
from rest_framework.test import APIClient

from api.services import token_create

ALL_SCOPES = ["read", "jobs:write", "bids:write", "contracts:write", "payments:write"]


def token_for(user, scopes=ALL_SCOPES, name="Test program") -> str:
    return token_create(user=user, name=name, scopes=scopes)[1]


def api_as(user=None, scopes=ALL_SCOPES, **headers) -> APIClient:
    """A client that sends `user`'s token (none: anonymous)."""
    client = APIClient()
    if user is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_for(user, scopes)}", **headers)
    elif headers:
        client.credentials(**headers)
    return client


@pytest.fixture
def api():
    return api_as
