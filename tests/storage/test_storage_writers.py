"""A server bounds how many write transactions one process runs at once."""

from __future__ import annotations

import threading

from sqlalchemy import Engine, text

from flowdesk.storage.unit_of_work import UnitOfWork


def most_writers_at_once(uow: UnitOfWork, threads: int) -> int:
    inside, most = 0, 0
    guard = threading.Lock()
    all_started = threading.Barrier(threads)

    def write() -> None:
        nonlocal inside, most
        all_started.wait()
        with uow.write() as conn:
            with guard:
                inside += 1
                most = max(most, inside)
            conn.execute(text("SELECT 1"))
            threading.Event().wait(0.2)  # hold the transaction while others try to start
            with guard:
                inside -= 1

    workers = [threading.Thread(target=write) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=30)
    return most


def test_writers_beyond_the_bound_wait_for_a_turn(engine: Engine) -> None:
    bounded = most_writers_at_once(UnitOfWork(engine, max_writers=2), threads=8)
    unbounded = most_writers_at_once(UnitOfWork(engine), threads=8)
    if engine.dialect.name == "sqlite":  # one writer at a time, bound or not
        assert (bounded, unbounded) == (1, 1)
    else:
        assert bounded == 2 and unbounded > 2
