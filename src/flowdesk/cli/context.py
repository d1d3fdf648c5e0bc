"""What every command needs: settings, an engine, a unit of work. Errors become messages."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, ParamSpec, TypeVar

import click

from flowdesk.domain.errors import FlowdeskError

if TYPE_CHECKING:  # SQLAlchemy and Alembic load only for the commands that open a database
    from flowdesk.config import Settings
    from flowdesk.storage.unit_of_work import UnitOfWork

P = ParamSpec("P")
R = TypeVar("R")


def settings() -> Settings:
    # Imported here: the settings module loads logging, secrets and platformdirs (about
    # 15 ms), which `flowdesk metrics --history` never needs.
    from flowdesk.config import SettingsError, load_settings

    try:
        return load_settings()
    except SettingsError as exc:
        raise click.UsageError(str(exc)) from None


@contextmanager
def unit_of_work(*, migrate: bool = True) -> Iterator[UnitOfWork]:
    """A unit of work on the configured database, upgraded to the newest schema first."""
    from flowdesk.cli.database import open_engine
    from flowdesk.storage.migrate import upgrade
    from flowdesk.storage.unit_of_work import UnitOfWork

    conf = settings()
    engine = open_engine(conf.database_url, data_dir=conf.data_dir,
                         synchronous=conf.sqlite_synchronous)
    try:
        if migrate:
            upgrade(engine)
        yield UnitOfWork(engine)
    finally:
        engine.dispose()


def check_database() -> None:
    """Stop with one line (DatabaseUnreachable) unless the configured database opens: for
    commands that print or read something before they open it."""
    from flowdesk.cli.database import check_reachable

    conf = settings()
    check_reachable(conf.database_url, data_dir=conf.data_dir)


def in_existing_folder(ctx: click.Context, param: click.Parameter,
                       value: Path | None) -> Path | None:
    """Click callback for a file to write: refuse it up front, naming the option, when its
    folder does not exist (rather than failing after the work is done)."""
    if value is not None and not value.parent.is_dir():
        raise click.BadParameter(f"the folder {str(value.parent)!r} does not exist",
                                 ctx=ctx, param=param)
    return value


def friendly_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Show domain errors, files that cannot be read or written, and a database lost during
    the command as one clear line instead of a traceback."""
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
        except Exception as exc:
            if not _database_failure(exc):
                raise
            from flowdesk.cli.database import reason_of, shown
            raise click.ClickException(
                f"the database {shown(settings().database_url)} failed: {reason_of(exc)}"
            ) from None
    return wrapper


def _database_failure(exc: Exception) -> bool:
    """A database lost during the command (SQLAlchemy's OperationalError). A command that
    never loaded SQLAlchemy cannot have met one, so it is not imported to ask."""
    errors = sys.modules.get("sqlalchemy.exc")
    return errors is not None and isinstance(exc, errors.OperationalError)
