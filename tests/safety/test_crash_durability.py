"""Crash durability: a real `flowdesk serve`, killed with SIGKILL at random moments while
clients create and move items, loses no answered write and leaves no half-written one.

After every kill the server is started again and the clients carry on. Then, read straight
from the database: every request answered with a 2xx is there with its event; each item's
events number its versions 1, 2, 3, ... with no gap and the last one says where it is now (no
change without its event, no event without its change); the service's events are numbered
without gaps; WIP limits hold; a create retried after a crash made one item; and on SQLite
`PRAGMA integrity_check` says ok.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from pathlib import Path

import pytest
from crash_helpers import Ack, Clients, Server, flowdesk, flowdesk_env
from log_checks import check_items_and_events_agree, state_events
from sqlalchemy import Engine, select

from cast import ADMIN, OPERATOR, enrol_owner, token_of
from flowdesk.domain.clock import FixedClock
from flowdesk.domain.workflow import Phase, Service, StageKind, StageSpec
from flowdesk.services import admin
from flowdesk.services.commands import CreateService
from flowdesk.storage.db import make_engine
from flowdesk.storage.tables import idempotency_keys, item_events, items
from flowdesk.storage.unit_of_work import UnitOfWork

KILLS = 10
CLIENTS = 4
SEED = 20261
LIMITS = {"In progress": 3, "Review": 2}


def workflow() -> list[StageSpec]:
    return [
        StageSpec("Options", Phase.UPSTREAM, StageKind.QUEUE),
        StageSpec("Ready", Phase.UPSTREAM, StageKind.QUEUE),
        StageSpec("In progress", Phase.COMMITTED, StageKind.ACTIVITY,
                  wip_limit=LIMITS["In progress"]),
        StageSpec("Review", Phase.COMMITTED, StageKind.QUEUE, wip_limit=LIMITS["Review"]),
        StageSpec("Done", Phase.DONE, StageKind.QUEUE),
        StageSpec("Discarded", Phase.DISCARDED, StageKind.QUEUE),
    ]


def set_up(database_url: str, clock: FixedClock) -> tuple[Service, str]:
    """The service with its limits and its owner's write token, made through the use cases."""
    engine = make_engine(database_url)
    try:
        uow = UnitOfWork(engine)
        service = admin.create_service(uow, clock, OPERATOR, CreateService(
            "CRASH", "Claims under fire", stages=workflow(),
            deliver_from_any_stage=True))  # the test delivers straight from any stage
        enrol_owner(uow, clock, "CRASH")
        return service, token_of(uow, ADMIN)
    finally:
        engine.dispose()


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_a_server_killed_ten_times_mid_traffic_keeps_every_answered_write_whole(
        database_url: str, clock: FixedClock, tmp_path: Path) -> None:
    env = flowdesk_env(database_url, tmp_path / "data")
    upgraded = flowdesk(env, "db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    service, token = set_up(database_url, clock)
    targets = [s.id for s in service.stages if s.phase is not Phase.DISCARDED]
    server = Server(env, tmp_path / "server.log")
    rng = random.Random(SEED)
    server.start()
    try:
        with Clients(server.base, token, "CRASH", targets, CLIENTS, SEED) as clients:
            for _ in range(KILLS):
                time.sleep(rng.uniform(0.2, 1.0))  # traffic, then a kill at a random moment
                server.kill()
                server.start()
            time.sleep(0.5)
        acks = list(clients.acks)
    finally:
        server.kill()
    assert server.starts == KILLS + 1
    kinds = Counter(a.kind for a in acks)
    assert kinds["create"] >= 10 and kinds["move"] >= 10, kinds
    # The kills came mid-traffic: requests were cut off with no answer.
    assert clients.cut >= KILLS // 2, clients.cut
    engine = make_engine(database_url)
    try:
        check_every_answer_is_stored(engine, acks)
        check_items_and_events_agree(engine, service.id)
        check_limits_and_retries(engine, service)
        if engine.dialect.name == "sqlite":
            with engine.connect() as conn:
                assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
                assert conn.exec_driver_sql("PRAGMA foreign_key_check").all() == []
    finally:
        engine.dispose()


def check_every_answer_is_stored(engine: Engine, acks: list[Ack]) -> None:
    with engine.connect() as conn:
        ids = {row.key: row.id for row in conn.execute(select(items.c.key, items.c.id))}
    events = state_events(engine)
    for ack in acks:
        assert ack.key in ids, f"{ack} was answered but its item is gone"
        kinds = ("created",) if ack.kind == "create" else ("moved", "reordered")
        assert any(e.kind in kinds and e.payload["version"] == ack.version
                   and e.to_stage_id == ack.stage_id for e in events[ids[ack.key]]), (
            f"{ack} was answered but its event is gone")


def check_limits_and_retries(engine: Engine, service: Service) -> None:
    with engine.connect() as conn:
        stored = conn.execute(select(items.c.title, items.c.stage_id)).all()
        keys = conn.execute(select(idempotency_keys.c.key)).scalars().all()
        overrides = conn.execute(select(item_events.c.id).where(
            item_events.c.kind == "wip_override")).all()
    in_stage = Counter(row.stage_id for row in stored)
    for stage in service.stages:
        if stage.name in LIMITS:
            assert in_stage[stage.id] <= LIMITS[stage.name], stage.name
    assert overrides == []
    titles = Counter(row.title for row in stored)
    assert titles.most_common(1)[0][1] == 1, "a retried create made a second item"
    assert sorted(keys) == sorted(titles)
