"""`flowdesk serve` and `flowdesk run` (upgrade, load the demo when empty, serve)."""

from __future__ import annotations

import gc
from typing import TYPE_CHECKING

import click
import uvicorn

from flowdesk.cli.context import settings
from flowdesk.cli.database import check_reachable, open_engine
from flowdesk.config import Settings, warn_about_dev_secret
from flowdesk.storage.counts import service_count
from flowdesk.storage.migrate import upgrade

if TYPE_CHECKING:
    from fastapi import FastAPI

MAX_WORKERS = 32
# On SIGTERM the server stops taking requests and gives those under way this long to finish;
# then it cancels them (a board's live stream never ends by itself; a forecast stops at its
# next checkpoint) and exits: within 10 s of the signal, whatever was running.
SHUTDOWN_SECONDS = 5


@click.command()
@click.option("--host", default=None, help="address to listen on (default FLOWDESK_HOST)")
@click.option("--port", default=None, type=int, help="port (default FLOWDESK_PORT)")
@click.option("--workers", default=1, show_default=True, type=int,
              help=f"server processes, 1 to {MAX_WORKERS} on PostgreSQL (live board updates "
                   "cross processes by LISTEN/NOTIFY); always 1 on SQLite")
def serve(host: str | None, port: int | None, workers: int) -> None:
    """Serve the web board and the API."""
    conf = settings()
    check_workers(workers, conf)
    check_reachable(conf.database_url, data_dir=conf.data_dir)
    uvicorn.run(
        "flowdesk.cli.serve:serving_app", factory=True, host=host or conf.host,
        port=port or conf.port, workers=workers, log_level=conf.log_level,
        timeout_graceful_shutdown=SHUTDOWN_SECONDS,
    )


def check_workers(workers: int, conf: Settings) -> None:
    """Refuse a number of server processes the database cannot serve. On PostgreSQL live board
    updates cross processes (web/pgbus.py), so 1 to MAX_WORKERS; SQLite has one writer and an
    in-process bus (web/live.py, `NoticeBus`), so exactly one."""
    if not 1 <= workers <= MAX_WORKERS:
        raise click.BadParameter(f"{workers} is not between 1 and {MAX_WORKERS}",
                                 param_hint="'--workers'")
    if workers > 1 and conf.is_sqlite:
        raise click.BadParameter(
            f"{workers} is not supported: SQLite serves from one process; use PostgreSQL for "
            "several workers",
            param_hint="'--workers'",
        )


def serving_app() -> FastAPI:
    """The app for a server process, with its start-up heap frozen.

    A full garbage collection over the ~100k objects the app holds after start-up costs
    100-150 ms on a small machine and would land in the middle of a request now and then.
    Frozen objects are never scanned again. Only a serving process does this: tests build
    many apps, and freezing there would keep them all alive.
    """
    from flowdesk.app import create_app

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
    conf = settings()
    engine = open_engine(conf.database_url, data_dir=conf.data_dir)
    try:
        upgrade(engine)
        with engine.connect() as conn:
            empty = service_count(conn) == 0
    finally:
        engine.dispose()
    if empty:
        from flowdesk.cli.demo import demo

        click.echo("the database is empty: loading the demo service centre")
        ctx.invoke(demo)
    ctx.invoke(serve, host=host, port=port)
