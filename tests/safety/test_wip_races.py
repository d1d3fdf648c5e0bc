"""WIP limits hold under concurrent pulls, whichever lock guards them.

The default expedite class has a service-wide limit, which makes every pull into the committed
phase take the service lock on PostgreSQL; these tests lift it, so a stage limit is guarded by
the stage lock alone, and a class or CONWIP limit by the service lock alone. On SQLite several
processes also pull into one file: only BEGIN IMMEDIATE keeps their counts exact there (the
in-process writer queue serialises the threads of one process, not the processes).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
from safety_helpers import SOURCE_ROOT, count_in, open_claims, run_together, stage_id
from sqlalchemy import Engine

from cast import OPERATOR
from flowdesk.domain.classes import ClassOfService
from flowdesk.domain.clock import FixedClock
from flowdesk.domain.errors import WipLimitExceeded
from flowdesk.domain.items import WorkItem
from flowdesk.domain.workflow import Service
from flowdesk.services import admin
from flowdesk.services import items as uc
from flowdesk.services.commands import CreateItem, MoveItem
from flowdesk.storage.db import make_engine, statements_run
from flowdesk.storage.migrate import upgrade
from flowdesk.storage.unit_of_work import UnitOfWork

LIMIT = 5
PULLERS = 24
ROUNDS = 6
WORKER = Path(__file__).with_name("pull_worker.py")


def create(uow: UnitOfWork, clock: FixedClock, count: int, label: str) -> list[str]:
    return [uc.create_item(uow, clock, OPERATOR, CreateItem("CLM", f"claim {label}.{n}")).key
            for n in range(count)]


def pull_rounds(uow: UnitOfWork, clock: FixedClock, engine: Engine, service: Service,
                target: Callable[[int], int], counted: list[int]) -> None:
    """ROUNDS times: PULLERS threads pull at once (puller i into `target(i)`); exactly LIMIT
    land, the rest are refused by the limit, and `counted` stages hold LIMIT items."""
    done = stage_id(service, "Done")
    waiting = create(uow, clock, PULLERS, "first")
    for round_no in range(ROUNDS):
        clock.advance(timedelta(minutes=1))
        outcomes = run_together(PULLERS, lambda i, keys=waiting: uc.move_item(
            uow, clock, OPERATOR, MoveItem(keys[i], target(i))))
        landed = [o for o in outcomes if isinstance(o, WorkItem)]
        others = [o for o in outcomes if not isinstance(o, WorkItem | WipLimitExceeded)]
        assert others == [], f"round {round_no}: {others[:3]}"
        assert len(landed) == LIMIT, f"round {round_no}: {len(landed)} pulls landed"
        assert count_in(engine, counted) == LIMIT, f"round {round_no}"
        for item in landed:
            uc.move_item(uow, clock, OPERATOR, MoveItem(item.key, done))
        delivered = {item.key for item in landed}
        waiting = [k for k in waiting if k not in delivered] + create(uow, clock, LIMIT,
                                                                      str(round_no))


@pytest.mark.slow
def test_pulls_into_a_stage_with_limit_five_land_exactly_five_with_no_service_wide_limit(
        uow: UnitOfWork, clock: FixedClock, engine: Engine) -> None:
    service = open_claims(uow, clock, doing_limit=LIMIT)
    doing = stage_id(service, "In progress")
    pull_rounds(uow, clock, engine, service, lambda _: doing, [doing])


@pytest.mark.parametrize("database_url", [pytest.param("postgres", marks=pytest.mark.postgres)],
                         indirect=True)  # row locks are PostgreSQL's
def test_a_pull_into_a_limited_stage_locks_that_stage_and_not_the_service(
        uow: UnitOfWork, clock: FixedClock, engine: Engine) -> None:
    service = open_claims(uow, clock, doing_limit=LIMIT)
    [key] = create(uow, clock, 1, "probe")
    with statements_run(engine) as seen:
        uc.move_item(uow, clock, OPERATOR, MoveItem(key, stage_id(service, "In progress")))
    locking = [s.split("FROM", 1)[1].split()[0] for s in seen if "FOR NO KEY UPDATE" in s]
    assert "stages" in locking and "services" not in locking, locking


@pytest.mark.slow
def test_pulls_under_a_class_of_service_limit_of_five_land_exactly_five(
        uow: UnitOfWork, clock: FixedClock, engine: Engine) -> None:
    # No stage limit: only the service lock keeps the committed count of the class exact.
    service = open_claims(uow, clock, doing_limit=None)
    admin.set_class_policy(uow, clock, OPERATOR, "CLM", ClassOfService.STANDARD,
                           {"wip_limit": LIMIT})
    doing, review = stage_id(service, "In progress"), stage_id(service, "Review")
    pull_rounds(uow, clock, engine, service, lambda _: doing, [doing, review])


@pytest.mark.slow
def test_pulls_into_two_stages_under_a_conwip_limit_of_five_land_exactly_five(
        uow: UnitOfWork, clock: FixedClock, engine: Engine) -> None:
    # Half the pullers aim at each stage of the group: the two stage locks differ, so only the
    # service lock keeps the group's count exact.
    service = open_claims(uow, clock, doing_limit=None)
    doing, review = stage_id(service, "In progress"), stage_id(service, "Review")
    service = admin.create_stage_group(uow, clock, OPERATOR, "CLM", "Doing and review",
                                       [doing, review], LIMIT)
    pull_rounds(uow, clock, engine, service, lambda i: (doing, review)[i % 2], [doing, review])


# --- several processes, one SQLite file ----------------------------------------------------

PROCESSES = 4
PULLS_PER_PROCESS = 6
PROCESS_ROUNDS = 5


@contextmanager
def pull_workers(url: str, count: int) -> Iterator[list[subprocess.Popen[str]]]:
    """`count` worker processes on the database, each ready for orders."""
    env = {**os.environ, "PYTHONPATH": SOURCE_ROOT}
    workers = [subprocess.Popen([sys.executable, str(WORKER), url], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, text=True, env=env)
               for _ in range(count)]
    try:
        for worker in workers:
            assert worker.stdout is not None
            assert worker.stdout.readline().strip() == "ready"
        yield workers
    finally:
        for worker in workers:
            assert worker.stdin is not None
            worker.stdin.close()
        for worker in workers:
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()


def pull_in_processes(workers: list[subprocess.Popen[str]], keys: list[str], to_stage: int,
                      clock: FixedClock) -> dict[str, str]:
    """Every worker pulls its share of `keys` at the same moment; each key's outcome."""
    at = time.time() + 0.3
    shares = [keys[i::len(workers)] for i in range(len(workers))]
    for worker, share in zip(workers, shares, strict=True):
        assert worker.stdin is not None
        worker.stdin.write(json.dumps({"keys": share, "to_stage": to_stage, "at": at,
                                       "now": clock.now().isoformat()}) + "\n")
        worker.stdin.flush()
    outcomes: dict[str, str] = {}
    for worker, share in zip(workers, shares, strict=True):
        assert worker.stdout is not None
        outcomes.update(zip(share, json.loads(worker.stdout.readline()), strict=True))
    return outcomes


@pytest.mark.slow
def test_pulls_from_several_processes_into_one_sqlite_file_land_exactly_five(
        tmp_path: Path, clock: FixedClock) -> None:
    url = f"sqlite:///{tmp_path / 'flowdesk.db'}"
    engine = make_engine(url)
    try:
        upgrade(engine)
        uow = UnitOfWork(engine)
        service = open_claims(uow, clock, doing_limit=LIMIT)
        doing, done = stage_id(service, "In progress"), stage_id(service, "Done")
        pulls = PROCESSES * PULLS_PER_PROCESS
        waiting = create(uow, clock, pulls, "first")
        with pull_workers(url, PROCESSES) as workers:
            for round_no in range(PROCESS_ROUNDS):
                clock.advance(timedelta(minutes=1))
                outcomes = pull_in_processes(workers, waiting, doing, clock)
                errors = [o for o in outcomes.values() if o not in ("landed", "refused")]
                assert errors == [], f"round {round_no}: {errors[:3]}"
                landed = [k for k, o in outcomes.items() if o == "landed"]
                assert len(landed) == LIMIT, f"round {round_no}: {len(landed)} landed"
                assert count_in(engine, [doing]) == LIMIT, f"round {round_no}"
                for key in landed:
                    uc.move_item(uow, clock, OPERATOR, MoveItem(key, done))
                waiting = [k for k in waiting if k not in landed] + create(
                    uow, clock, LIMIT, str(round_no))
    finally:
        engine.dispose()

