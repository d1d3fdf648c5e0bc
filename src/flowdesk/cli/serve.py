"""`flowdesk serve` and `flowdesk run` (upgrade, load the demo when empty, serve)."""

from __future__ import annotations

import gc
from typing import TYPE_CHECKING

import click
import uvicorn
from sqlalchemy import func, select

from flowdesk.cli.context import settings
from flowdesk.config import warn_about_dev_secret
from flowdesk.storage.db import make_engine
from flowdesk.storage.migrate import upgrade
from flowdesk.storage.tables import services

if TYPE_CHECKING:
    from fastapi import FastAPI


@click.command()
@click.option("--host", default=None, help="address to listen on (default FLOWDESK_HOST)")
@click.option("--port", default=None, type=int, help="port (default FLOWDESK_PORT)")
@click.option("--workers", default=1, show_default=True, type=int,
              help="server processes: only 1 for now (live board updates stay in one process)")
def serve(host: str | None, port: int | None, workers: int) -> None:
    """Serve the web board and the API."""
    check_workers(workers)
    conf = settings()
    uvicorn.run(
        "flowdesk.cli.serve:serving_app", factory=True, host=host or conf.host,
        port=port or conf.port, workers=workers, log_level=conf.log_level,
    )


def check_workers(workers: int) -> None:
    """Refuse more than one server process: live board updates travel on an in-process bus,
    so a second process would never show the first one's changes (web/live.py, `NoticeBus`)."""
    if workers != 1:
        raise click.BadParameter(
            f"{workers} is not supported: Flowdesk serves from one process for now, because "
            "live board updates do not yet cross processes; use --workers 1",
            param_hint="'--workers'",
        )


def serving_app() -> FastAPI:
    """The app for a server process, with its start-up heap frozen.

    A full garbage collection over the ~100k objects the app holds after start-up costs
    100-150 ms on a small machine and would land in the middle of a request now and then.
    Frozen objects are never scanned again. Only a serving process does this: tests build
    many apps, and freezing there would keep them all alive.
    """
    from flowdesk.api.app import create_app

    app = create_app()
    warn_about_dev_secret(app.state.settings)
    gc.collect()
    gc.freeze()
    return app


@click.command()
@click.option("--host", default=None, help="address to listen on (default FLOWDESK_HOST)")
@click.option("--port", default=None, type=int, help="port (default FLOWDESK_PORT)")
@click.pass_context
def run(ctx: click.Context, host: str | None, port: int | None) -> None:
    """Upgrade the database, load the demo if it is empty, and serve."""
    engine = make_engine(settings().database_url)
    try:
        upgrade(engine)
        with engine.connect() as conn:
            empty = conn.execute(select(func.count()).select_from(services)).scalar() == 0
    finally:
        engine.dispose()
    if empty:
        from flowdesk.cli.demo import demo

        click.echo("the database is empty: loading the demo service centre")
        ctx.invoke(demo)
    ctx.invoke(serve, host=host, port=port)
