"""`flowdesk db upgrade`."""

from __future__ import annotations

import click

from flowdesk.cli.context import settings
from flowdesk.storage.db import make_engine
from flowdesk.storage.migrate import upgrade


@click.group()
def db() -> None:
    """Manage the database schema."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Bring the database to the newest schema (safe to run again)."""
    url = settings().database_url
    engine = make_engine(url)
    try:
        upgrade(engine)
    finally:
        engine.dispose()
    click.echo(f"database is up to date: {engine.url.render_as_string(hide_password=True)}")
