"""Case-insensitive text search that agrees in SQL and in Python, in every alphabet."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import GenericFunction

SQLITE_LOWER = "flowdesk_lower"  # the Python function `unicode_lower` calls on SQLite


def fold(text: str) -> str:
    """Text as search compares it: lower case in every alphabet ('Ärger' -> 'ärger').
    `str.lower`, not `casefold`, because it is what PostgreSQL's lower() does ('ß' stays)."""
    return text.lower()


class unicode_lower(GenericFunction[str]):  # lower case: named like the SQL function
    """lower() for every alphabet. PostgreSQL's lower() already is (in a UTF-8 database);
    SQLite's only lowers ASCII, so there it calls `fold` (see `use_unicode_lower`)."""

    type = String()
    name = "unicode_lower"
    inherit_cache = True


@compiles(unicode_lower)
def _lower_default(element: unicode_lower, compiler: Any, **kw: Any) -> str:
    return f"lower({compiler.process(element.clauses, **kw)})"


@compiles(unicode_lower, "sqlite")
def _lower_sqlite(element: unicode_lower, compiler: Any, **kw: Any) -> str:
    return f"{SQLITE_LOWER}({compiler.process(element.clauses, **kw)})"


def use_unicode_lower(conn: Connection) -> None:
    """Make `unicode_lower` callable on this connection (SQLite: a Python function; cheap and
    idempotent, so it is done for each read that may search)."""
    if conn.dialect.name != "sqlite":
        return
    driver = conn.connection.driver_connection
    if driver is not None:
        driver.create_function(SQLITE_LOWER, 1, _sqlite_lower, deterministic=True)


def _sqlite_lower(value: object) -> object:
    return fold(value) if isinstance(value, str) else value
