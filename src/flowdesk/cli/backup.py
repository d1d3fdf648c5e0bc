"""`flowdesk backup`, `flowdesk restore` and `flowdesk migrate-db`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from flowdesk.cli.context import check_database, friendly_errors, in_existing_folder, settings
from flowdesk.cli.database import check_reachable, shown

if TYPE_CHECKING:
    from flowdesk.storage.tablecopy import Summary


def echo_summary(summary: Summary | None) -> None:
    if summary is None:
        click.echo("  the schema is older than this Flowdesk's: rows not counted")
        return
    for name, count in summary.counts.items():
        click.echo(f"  {name:<20} {count:>9} rows")
    click.echo(f"  event log: {summary.events} events, SHA-256 {summary.event_checksum}")


@click.command("backup")
@click.argument("out", type=click.Path(dir_okay=False, writable=True, path_type=Path),
                callback=in_existing_folder)
@click.option("--logical", is_flag=True,
              help="write every table as JSON lines in a zip, even where SQLite's backup or "
                   "pg_dump could be used (it restores into either database)")
@friendly_errors
def backup(out: Path, logical: bool) -> None:
    """Copy the database to OUT; the server may keep running.

    SQLite: the online backup API. PostgreSQL: pg_dump when it is installed, else a logical
    export of every table."""
    from flowdesk.storage import backup as store

    check_database()
    url = settings().database_url
    outcome = store.backup(url, out, logical=logical)
    click.echo(f"backed up {shown(url)} to {out} ({outcome.method})")
    echo_summary(outcome.summary)


@click.command("restore")
@click.argument("source", metavar="IN",
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="replace a database that already holds data")
@friendly_errors
def restore(source: Path, force: bool) -> None:
    """Replace the database with the backup IN (stop the server first).

    A database that holds any rows is refused unless --force is given."""
    from flowdesk.storage import backup as store

    check_database()
    url = settings().database_url
    outcome = store.restore(url, source, force=force)
    click.echo(f"restored {source} into {shown(url)} ({outcome.method})")
    echo_summary(outcome.summary)


@click.command("migrate-db")
@click.option("--to", "target", required=True, metavar="URL",
              help="the database to copy into: a postgresql:// URL, or sqlite:///FILE")
@click.option("--force", is_flag=True, help="replace a target database that holds data")
@friendly_errors
def migrate_db(target: str, force: bool) -> None:
    """Copy this database (FLOWDESK_DATABASE_URL) into another, SQLite to PostgreSQL or
    back, ids kept; then check every table's row count and checksum, the event log's too."""
    from flowdesk.storage import backup as store

    check_database()
    url = settings().database_url
    check_reachable(target)
    _, copied = store.migrate(url, target, force=force)
    click.echo(f"copied {shown(url)} to {shown(target)}; row counts and checksums match:")
    echo_summary(copied)
