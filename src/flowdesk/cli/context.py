"""What every command needs: settings, an engine, a unit of work. Errors become messages."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, ParamSpec, TypeVar

import click

from flowdesk.config import Settings, SettingsError, load_settings
from flowdesk.domain.errors import FlowdeskError

if TYPE_CHECKING:  # SQLAlchemy and Alembic load only for the commands that open a database
    from flowdesk.storage.unit_of_work import UnitOfWork

P = ParamSpec("P")
R = TypeVar("R")


def settings() -> Settings:
    try:
        return load_settings()
    except SettingsError as exc:
        raise click.UsageError(str(exc)) from None


@contextmanager
def unit_of_work(*, migrate: bool = True) -> Iterator[UnitOfWork]:
    """A unit of work on the configured database, upgraded to the newest schema first."""
    from flowdesk.storage.db import make_engine
    from flowdesk.storage.migrate import upgrade
    from flowdesk.storage.unit_of_work import UnitOfWork

    conf = settings()
    engine = make_engine(conf.database_url, synchronous=conf.sqlite_synchronous)
    try:
        if migrate:
            upgrade(engine)
        yield UnitOfWork(engine)
    finally:
        engine.dispose()


def in_existing_folder(ctx: click.Context, param: click.Parameter,
                       value: Path | None) -> Path | None:
    """Click callback for a file to write: refuse it up front, naming the option, when its
    folder does not exist (rather than failing after the work is done)."""
    if value is not None and not value.parent.is_dir():
        raise click.BadParameter(f"the folder {str(value.parent)!r} does not exist",
                                 ctx=ctx, param=param)
    return value


def friendly_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Show domain errors, and files that cannot be read or written, as one clear line
    instead of a traceback."""
    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except FlowdeskError as exc:
            where = f" ({exc.field})" if exc.field else ""
            raise click.ClickException(f"{exc.message}{where}") from None
        except OSError as exc:
            name = f"{exc.filename}: " if exc.filename else ""
            raise click.ClickException(f"{name}{exc.strerror or exc}") from None
    return wrapper
