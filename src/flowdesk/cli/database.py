"""Opening a command's database: one clear line, not a traceback, when it cannot be reached.

Every command that opens the database goes through :func:`open_engine`
(`flowdesk.storage.opening` connects once up front), so a server that is down, a wrong
password or a SQLite file in a folder that does not exist stops the command with
`Error: cannot open the database URL: reason` (the URL without its password) and exit
status 1, before anything is printed or written.
"""

from __future__ import annotations

from pathlib import Path

import click
from sqlalchemy import Engine

from flowdesk.storage import opening
from flowdesk.storage.opening import reason_of, shown

__all__ = ["DatabaseUnreachable", "check_reachable", "open_engine", "reason_of", "shown"]


class DatabaseUnreachable(click.ClickException):
    """The command's database cannot be opened; click prints the message and exits with 1."""


def open_engine(url: str, *, data_dir: Path | None = None,
                synchronous: str = "normal") -> Engine:
    """An engine on `url` that has connected once, or DatabaseUnreachable (one line)."""
    try:
        return opening.open_checked(url, data_dir=data_dir, synchronous=synchronous)
    except opening.DatabaseUnreachable as exc:
        raise DatabaseUnreachable(exc.message) from None


def check_reachable(url: str, *, data_dir: Path | None = None) -> None:
    """Raise DatabaseUnreachable unless `url` can be opened (for commands that open it later,
    in a library call, or in another process)."""
    open_engine(url, data_dir=data_dir).dispose()
