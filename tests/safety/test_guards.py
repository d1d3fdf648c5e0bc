"""The guards a single request relies on: an If-Match version that is no longer current refuses
the move, and an Idempotency-Key sent again makes nothing new."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from safety_helpers import open_claims, stage_id
from sqlalchemy import Engine, func, select

from cast import OPERATOR, enrol_owner
from flowdesk.domain.clock import FixedClock
from flowdesk.domain.errors import StaleVersion
from flowdesk.services import items as uc
from flowdesk.services.commands import CreateItem, MoveItem
from flowdesk.storage.tables import idempotency_keys, item_events, items
from flowdesk.storage.unit_of_work import UnitOfWork


def counts(engine: Engine) -> list[int]:
    """Items, events and idempotency keys stored."""
    with engine.connect() as conn:
        return [int(conn.execute(select(func.count()).select_from(t)).scalar_one())
                for t in (items, item_events, idempotency_keys)]


def test_a_move_sent_with_an_old_version_is_refused_as_stale_and_changes_nothing(
        uow: UnitOfWork, clock: FixedClock, engine: Engine) -> None:
    service = open_claims(uow, clock, doing_limit=None)
    ready, doing = stage_id(service, "Ready"), stage_id(service, "In progress")
    item = uc.create_item(uow, clock, OPERATOR, CreateItem("CLM", "Refund"))
    moved = uc.move_item(uow, clock, OPERATOR, MoveItem(item.key, ready,
                                                        expected_version=item.version))
    before = counts(engine)
    with pytest.raises(StaleVersion) as refused:
        uc.move_item(uow, clock, OPERATOR, MoveItem(item.key, doing,
                                                    expected_version=item.version))
    assert (refused.value.expected, refused.value.actual) == (item.version, moved.version)
    assert counts(engine) == before
    with engine.connect() as conn:
        assert conn.execute(select(items.c.stage_id)).scalar_one() == ready


def test_a_move_through_the_api_with_an_old_if_match_gets_412(
        client: TestClient, uow: UnitOfWork, clock: FixedClock) -> None:
    service = open_claims(uow, clock, doing_limit=None)
    enrol_owner(uow, clock, "CLM")
    ready, doing = stage_id(service, "Ready"), stage_id(service, "In progress")
    assert client.post("/api/v1/services/CLM/items", json={"title": "Refund"}).status_code == 201
    first = client.post("/api/v1/items/CLM-1/move", json={"to_stage": ready},
                        headers={"If-Match": '"1"'})
    assert first.status_code == 200
    second = client.post("/api/v1/items/CLM-1/move", json={"to_stage": doing},
                         headers={"If-Match": '"1"'})
    assert second.status_code == 412
    assert client.get("/api/v1/items/CLM-1").json()["stage_id"] == ready


def test_a_create_sent_again_with_its_idempotency_key_returns_the_first_item_and_writes_nothing(
        uow: UnitOfWork, clock: FixedClock, engine: Engine) -> None:
    open_claims(uow, clock, doing_limit=None)
    cmd = CreateItem("CLM", "Refund", idempotency_key="mail-4711")
    first, replayed = uc.create_item_once(uow, clock, OPERATOR, cmd)
    assert not replayed
    before = counts(engine)
    for _ in range(3):
        again, replayed = uc.create_item_once(uow, clock, OPERATOR, cmd)
        assert replayed and again == first
    assert counts(engine) == before == [1, before[1], 1]
