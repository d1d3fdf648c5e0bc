"""A process that pulls items when told to: several of these write to one SQLite file at once.

Run as `python pull_worker.py DATABASE_URL`. It prints `ready`, then reads one order per line,
`{"keys": [...], "to_stage": id, "at": unix time, "now": iso time}`: at `at` it moves every key
to the stage, one thread per key, and prints one line, a JSON list with each key's outcome:
`landed`, `refused` (a WIP limit) or `error: ...` (anything else, which the test refuses).
"""

from __future__ import annotations

import json
import sys
import threading
import time
from datetime import datetime

from flowdesk.domain.clock import FixedClock
from flowdesk.domain.errors import WipLimitExceeded
from flowdesk.domain.people import Actor
from flowdesk.services import items as uc
from flowdesk.services.commands import MoveItem
from flowdesk.storage.db import make_engine
from flowdesk.storage.unit_of_work import UnitOfWork

ACTOR = Actor("amira", "Amira, a team member", operator=True)


def pull_all(uow: UnitOfWork, keys: list[str], to_stage: int, at: float,
             now: datetime) -> list[str]:
    clock = FixedClock(now)
    outcomes = ["error: did not run"] * len(keys)

    def pull(i: int) -> None:
        time.sleep(max(0.0, at - time.time()))
        try:
            uc.move_item(uow, clock, ACTOR, MoveItem(keys[i], to_stage))
            outcomes[i] = "landed"
        except WipLimitExceeded:
            outcomes[i] = "refused"
        except Exception as exc:  # reported to the test, which fails on it
            outcomes[i] = f"error: {type(exc).__name__}: {exc}"

    threads = [threading.Thread(target=pull, args=(i,)) for i in range(len(keys))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def main() -> None:
    engine = make_engine(sys.argv[1])
    uow = UnitOfWork(engine)
    print("ready", flush=True)
    for line in sys.stdin:
        order = json.loads(line)
        outcomes = pull_all(uow, order["keys"], order["to_stage"], order["at"],
                            datetime.fromisoformat(order["now"]))
        print(json.dumps(outcomes), flush=True)
    engine.dispose()


if __name__ == "__main__":
    main()
