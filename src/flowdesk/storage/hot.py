"""The statements of the hottest paths, run on PostgreSQL's driver cursor directly.

A move runs four statements and signing its request in one more. Through SQLAlchemy's
`Connection.execute` each of them costs about 130 µs of CPU beyond what psycopg itself takes
(the cache key of the construct, the execution context, the result's metadata and `Row`
objects): 182 µs for the locked read of an item against 51 µs on the cursor. That was a
quarter of a move's CPU on a 2-core server.

`execute` takes the SQLAlchemy construct (so the SQL is still written, typed and checked in
one place) and compiles it once per dialect and set of parameter names; on PostgreSQL it then
runs the SQL on the connection's psycopg cursor, inside the transaction SQLAlchemy began,
with the same bind and result processing the types would get (`UtcDateTime`, JSON), errors
wrapped as SQLAlchemy wraps them (so `IntegrityError` and the rest still mean the same), and a
lost connection invalidated. Anywhere else (SQLite; a connection with no transaction begun;
an engine someone listens to statement by statement, as `db.statements_run` does) it is
plain `conn.execute`, so the statement counts tests rely on see every statement.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import Connection, exc
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.dml import UpdateBase
from sqlalchemy.sql.selectable import Select

Processor = Callable[[Any], Any]
_CURSOR = "flowdesk_hot_cursor"  # the pooled connection's own cursor, in its `info`


class Rows(Protocol):
    """What callers read from a result: the same methods on SQLAlchemy's result and ours."""

    def all(self) -> Sequence[Any]: ...

    def one_or_none(self) -> Any: ...

    def scalar(self) -> Any: ...

    def scalar_one(self) -> Any: ...


# Compiled statements by (id of the construct, dialect, parameter names); each entry holds
# its construct, so an id is never taken for another while its entry is kept.
_COMPILED: dict[tuple[int, str, tuple[str, ...]], _Compiled] = {}


def execute(conn: Connection, statement: Select[Any] | UpdateBase,
            params: Mapping[str, Any]) -> Rows:
    """Run `statement` as `conn.execute` would, on psycopg's cursor where it can (see the
    module's doc). Meant for the module-level statements of the hottest paths."""
    if not _runs_on_cursor(conn):
        return conn.execute(statement, dict(params))
    compiled = _compiled(statement, conn.dialect, params)
    values = compiled.values(params)
    dbapi_connection = conn.connection.dbapi_connection
    info = conn.connection.info
    cursor = info.get(_CURSOR)
    if cursor is None or cursor.connection is not dbapi_connection or cursor.closed:
        cursor = info[_CURSOR] = dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(compiled.sql, values)
        if compiled.returns_rows is None:  # its first run: learn the shape of its rows
            compiled.learn(cursor.description)
        raw = cursor.fetchall() if compiled.returns_rows else []
    except conn.dialect.loaded_dbapi.Error as error:
        raise _wrapped(conn, compiled.sql, values, error, cursor) from error
    return _Result(compiled.rows(raw))


def _compiled(statement: Select[Any] | UpdateBase, dialect: Dialect,
              params: Mapping[str, Any]) -> _Compiled:
    key = (id(statement), dialect.name, tuple(sorted(params)))
    compiled = _COMPILED.get(key)
    if compiled is None or compiled.statement is not statement:
        compiled = _COMPILED[key] = _Compiled.of(statement, dialect, key[2])
    return compiled


def _runs_on_cursor(conn: Connection) -> bool:
    """On psycopg, inside SQLAlchemy's transaction or in autocommit (never opening a
    transaction SQLAlchemy would not know to end), and with no one listening statement by
    statement."""
    return (conn.dialect.driver == "psycopg"
            and (conn.in_transaction()
                 or getattr(conn.connection.dbapi_connection, "autocommit", False))
            and not conn.dispatch.before_cursor_execute
            and not conn.dispatch.after_cursor_execute)


@dataclass
class _Compiled:
    statement: Select[Any] | UpdateBase
    compiler: SQLCompiler
    sql: str
    binds: tuple[tuple[str, Processor], ...]  # bind name -> its type's processor, where any
    results: tuple[Processor | None, ...] | None  # by column; None: no processing at all
    returns_rows: bool | None = None  # None: not run yet (see `learn`)
    row_type: Any = None  # a namedtuple of the columns' names, for the rows it returns

    @classmethod
    def of(cls, statement: Select[Any] | UpdateBase, dialect: Dialect,
           names: tuple[str, ...]) -> _Compiled:
        compiler = statement.compile(dialect=dialect, column_keys=list(names))
        assert isinstance(compiler, SQLCompiler)
        binds: dict[str, Processor] = {}  # one name may stand for several binds of a type
        for bind, name in compiler.bind_names.items():
            processor = bind.type.dialect_impl(dialect).bind_processor(dialect)
            if processor is not None:
                binds[name] = processor
        processors = [column_type.dialect_impl(dialect).result_processor(dialect, None)
                      for column_type in _result_types(statement)]
        results = tuple(processors) if any(p is not None for p in processors) else None
        return cls(statement, compiler, compiler.string, tuple(binds.items()), results)

    def values(self, params: Mapping[str, Any]) -> MutableMapping[str, Any]:
        """Every bound value the SQL names (those the construct holds, such as the 1 of
        `last_seq + 1`, too), each as its type sends it."""
        values = self.compiler.construct_params(dict(params))
        for name, processor in self.binds:
            values[name] = processor(values[name])
        return values

    def learn(self, description: Sequence[Any] | None) -> None:
        """Whether the SQL returns rows, and their names. Asking the cursor for its
        `description` builds an object per column, each time: for a 40-column item, that
        cost more than the rest of the statement's Python."""
        if description is not None:
            names = tuple(column.name for column in description)
            self.row_type = type("HotRow", (namedtuple("HotRow", names), _Mapped),
                                 {"__slots__": ()})
        self.returns_rows = description is not None

    def rows(self, raw: Sequence[Any]) -> list[Any]:
        if not raw:
            return []
        row_type = self.row_type
        if self.results is not None:
            processors = self.results
            raw = [tuple(value if p is None else p(value) for p, value in zip(processors, row,
                                                                              strict=True))
                   for row in raw]
        return [row_type._make(row) for row in raw]


def _result_types(statement: Select[Any] | UpdateBase) -> list[Any]:
    if isinstance(statement, Select):
        return [column.type for column in statement.selected_columns]
    return [column["type"] for column in statement.returning_column_descriptions]


class _Mapped:
    """`row._mapping`, as SQLAlchemy's rows have it (a column read when present)."""

    __slots__ = ()

    @property
    def _mapping(self) -> dict[str, Any]:
        return self._asdict()  # type: ignore[attr-defined, no-any-return]


class _Result:
    """Rows already fetched, read as a SQLAlchemy result is."""

    def __init__(self, rows: list[Any]) -> None:
        self._rows = rows

    def all(self) -> list[Any]:
        return self._rows

    def one_or_none(self) -> Any:
        if len(self._rows) > 1:
            raise exc.MultipleResultsFound("Multiple rows were found when one or none "
                                           "was required")
        return self._rows[0] if self._rows else None

    def scalar(self) -> Any:
        return self._rows[0][0] if self._rows else None

    def scalar_one(self) -> Any:
        if len(self._rows) != 1:
            raise (exc.NoResultFound("No row was found when one was required")
                   if not self._rows else
                   exc.MultipleResultsFound("Multiple rows were found when exactly one "
                                            "was required"))
        return self._rows[0][0]


def _wrapped(conn: Connection, sql: str, values: MutableMapping[str, Any], error: Any,
             cursor: Any) -> exc.StatementError:
    """The error as SQLAlchemy would have raised it; a connection the error shows lost is
    invalidated, so the pool never hands it out again."""
    dialect = conn.dialect
    lost = dialect.is_disconnect(error, conn.connection.dbapi_connection, cursor)
    if lost:
        conn.invalidate(error)
    wrapped: exc.StatementError = exc.DBAPIError.instance(
        sql, values, error, dialect.loaded_dbapi.Error, connection_invalidated=lost,
        dialect=dialect)
    return wrapped
