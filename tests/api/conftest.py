"""Fixtures of the API tests: token clients, and rate-limit counters that start at zero."""

import pytest
from django.core.cache import cache
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient


@pytest.fixture(autouse=True)
def fresh_throttle_counters():
    """Rate-limit counters live in the cache; one test's requests must not count in the next."""
    cache.clear()
    yield
    cache.clear()


def token_client(user) -> APIClient:
    """A client that authenticates as a pushing system does: ``Authorization: Token <key>``."""
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def errors(response) -> list[dict]:
    """The ``errors`` list of an error response, checking the shared format on the way."""
    body = response.json()
    assert list(body) == ["errors"]
    for item in body["errors"]:
        assert set(item) == {"field", "code", "message"}
    return body["errors"]


NOT_FOUND = [{"field": None, "code": "not_found", "message": "未找到。"}]
