"""`flowdesk export`: the event log of a service, as CSV or JSON lines."""

from __future__ import annotations

import csv
import json
import sys
from typing import IO, Any

import click

from flowdesk.cli.context import friendly_errors, unit_of_work
from flowdesk.domain.people import LOCAL_USER
from flowdesk.services import queries
from flowdesk.services.queries import EventView
from flowdesk.storage import counts
from flowdesk.storage import repository as repo

COLUMNS = ["id", "seq", "item", "kind", "from_stage", "to_stage", "at", "actor", "reason",
           "payload"]
PAGE = 1_000


def event_row(e: EventView) -> dict[str, Any]:
    return {
        "id": e.id, "seq": e.seq, "item": e.item_key, "kind": e.kind,
        "from_stage": e.from_stage, "to_stage": e.to_stage, "at": e.at.isoformat(),
        "actor": e.actor, "reason": e.reason, "payload": e.payload,
    }


@click.command()
@click.option("--service", "service_key", required=True, help="service key, like CLM")
@click.option("--format", "fmt", type=click.Choice(["csv", "jsonl"]), default="csv",
              show_default=True)
@click.option("-o", "--output", type=click.File("w", encoding="utf-8"), default="-",
              help="file to write (default: standard output)")
@friendly_errors
def export(service_key: str, fmt: str, output: IO[str]) -> None:
    """Write a service's event log, oldest first."""
    with unit_of_work() as uow:
        with uow.read() as conn:
            service_id = repo.service_id_for_key(conn, service_key)
            total = counts.event_count(conn, service_id)
        writer = csv.DictWriter(output, COLUMNS) if fmt == "csv" else None
        if writer:
            writer.writeheader()
        after = 0
        with click.progressbar(length=total, label="exporting events", file=sys.stderr) as bar:
            while True:
                page = queries.service_feed(uow, LOCAL_USER, service_key, after, PAGE)
                if not page:
                    break
                for event in page:
                    row = event_row(event)
                    if writer:
                        row["payload"] = json.dumps(row["payload"], sort_keys=True)
                        writer.writerow(row)
                    else:
                        output.write(json.dumps(row, sort_keys=True) + "\n")
                after = page[-1].seq
                bar.update(len(page))
