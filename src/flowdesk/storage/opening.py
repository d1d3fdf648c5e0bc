"""Opening a database and saying, in one line, why it cannot be opened.

`open_checked` connects once up front, so a server that is down, a wrong password, a missing
driver or a SQLite file in a folder that does not exist is found before any work starts, as a
`DatabaseUnreachable` naming the URL without its password and the driver's first line.
"""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, SQLAlchemyError

from flowdesk.storage.db import make_engine, normalise_url

_PASSWORD = re.compile(r"(://[^:/@]*:)[^@]*@")
REASON_LENGTH = 240


def shown(url: str) -> str:
    """The URL without its password (`postgresql://ann:***@db/flowdesk`); a URL without
    one as it was written (SQLAlchemy would escape a SQLite path's colons)."""
    try:
        parsed = make_url(url)
        return url if parsed.password is None else parsed.render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        return _PASSWORD.sub(r"\1***@", url)


class DatabaseUnreachable(Exception):
    """The database cannot be opened: `message` says which (without its password) and why."""

    def __init__(self, url: str, reason: str) -> None:
        self.url, self.reason = url, reason
        self.message = f"cannot open the database {shown(url)}: {reason}"
        super().__init__(self.message)


def reason_of(exc: BaseException) -> str:
    """The first line of what the driver said, without SQLAlchemy's own framing."""
    cause = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
    text = str(cause).strip() or type(cause).__name__
    line = next((part.strip() for part in text.splitlines() if part.strip()), text)
    return line if len(line) <= REASON_LENGTH else line[:REASON_LENGTH - 1] + "…"


def missing_folder(url: str, data_dir: Path | None) -> Path | None:
    """The folder of a SQLite file that does not exist, else None. The data folder (the
    default database's) is made when needed; any other folder must exist: a mistyped path
    would otherwise become a new, empty database."""
    try:
        parsed = make_url(normalise_url(url))
    except ArgumentError:
        return None
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return None
    folder = Path(parsed.database).expanduser().parent
    if folder.is_dir():
        return None
    if data_dir is not None and folder.resolve() == data_dir.expanduser().resolve():
        return None
    return folder


def open_checked(url: str, *, data_dir: Path | None = None,
                 synchronous: str = "normal") -> Engine:
    """An engine on `url` that has connected once. Raises DatabaseUnreachable when it
    cannot: a bad URL, a missing driver, a server that refuses, a missing folder."""
    folder = missing_folder(url, data_dir)
    if folder is not None:
        raise DatabaseUnreachable(url, f"the folder {folder} does not exist")
    try:
        engine = make_engine(url, synchronous=synchronous)
    except (ArgumentError, NoSuchModuleError, ValueError) as exc:
        raise DatabaseUnreachable(url, reason_of(exc)) from None
    try:
        with engine.connect():
            pass
    except (SQLAlchemyError, OSError) as exc:
        engine.dispose()
        raise DatabaseUnreachable(url, reason_of(exc)) from None
    return engine
