"""`flowdesk db upgrade`."""

from __future__ import annotations

import click

from flowdesk.cli.context import settings
from flowdesk.cli.database import open_engine, shown
from flowdesk.storage.migrate import upgrade


@click.group()
def db() -> None:
    """Manage the database schema."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Bring the database to the newest schema (safe to run again)."""
    conf = settings()
    engine = open_engine(conf.database_url, data_dir=conf.data_dir)
    try:
        upgrade(engine)
    finally:
        engine.dispose()
    click.echo(f"database is up to date: {shown(conf.database_url)}")
