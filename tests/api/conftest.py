"""API fixtures: an empty claims service, and a second service to cross ids with."""

from __future__ import annotations

import pytest
from api_helpers import Claims, create_service
from fastapi.testclient import TestClient


@pytest.fixture
def claims(client: TestClient) -> Claims:
    """The priority-claims service, empty."""
    return create_service(client)


@pytest.fixture
def settlements(client: TestClient) -> Claims:
    """A second service (international settlements) with its own stages."""
    return create_service(client, key="INT", name="International settlements")
