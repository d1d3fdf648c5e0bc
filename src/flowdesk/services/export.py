"""A service's event log as CSV or JSON lines: `flowdesk export` and the web's download, the
one offered before a service is deleted."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Any

from flowdesk.domain.errors import InvalidInput, NotFound
from flowdesk.domain.people import LOCAL_USER, Actor
from flowdesk.domain.policy import Action, may
from flowdesk.services import queries
from flowdesk.services.queries import EventView
from flowdesk.storage.unit_of_work import UnitOfWork

COLUMNS = ["id", "seq", "item", "kind", "from_stage", "to_stage", "at", "actor", "reason",
           "payload"]
FORMATS = ("csv", "jsonl")
PAGE = 1_000


def event_row(e: EventView) -> dict[str, Any]:
    return {
        "id": e.id, "seq": e.seq, "item": e.item_key, "kind": e.kind,
        "from_stage": e.from_stage, "to_stage": e.to_stage, "at": e.at.isoformat(),
        "actor": e.actor, "reason": e.reason, "payload": e.payload,
    }


def check_format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise InvalidInput("format must be csv or jsonl", field="format")
    return fmt


def export_lines(uow: UnitOfWork, actor: Actor, key: str, fmt: str) -> Iterator[str]:
    """The service's event log, oldest first, a page of events at a time (each page one read
    transaction, paged by `seq`, so nothing is skipped while others write). The first page is
    read at once: a service the actor may not read is refused before anything is sent.

    Whoever may read the service may export it; so may an admin, who may delete it and is
    offered its export first."""
    check_format(fmt)
    try:
        first = queries.service_feed(uow, actor, key, 0, PAGE)
    except NotFound:
        if not may(actor, Action.DELETE_SERVICE):
            raise
        actor = LOCAL_USER  # an admin reads what they may delete: the whole log
        first = queries.service_feed(uow, actor, key, 0, PAGE)
    return _lines(uow, actor, key, fmt, first)


def _lines(uow: UnitOfWork, actor: Actor, key: str, fmt: str,
           page: list[EventView]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, COLUMNS) if fmt == "csv" else None
    if writer:
        writer.writeheader()
    while page:
        for event in page:
            row = event_row(event)
            if writer:
                row["payload"] = json.dumps(row["payload"], sort_keys=True)
                writer.writerow(row)
            else:
                buffer.write(json.dumps(row, sort_keys=True) + "\n")
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        page = queries.service_feed(uow, actor, key, page[-1].seq, PAGE)
    if buffer.tell():
        yield buffer.getvalue()
