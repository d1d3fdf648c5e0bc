"""Idempotency keys: the first creation a key made in a service, and its request's hash."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from sqlalchemy import Connection, bindparam, insert, select

from flowdesk.storage.tables import idempotency_keys

_FIND = select(idempotency_keys.c.item_id, idempotency_keys.c.body_hash).where(
    idempotency_keys.c.service_id == bindparam("b_service"),
    idempotency_keys.c.key == bindparam("b_key"),
)
_RECORD = insert(idempotency_keys)


class FirstCreation(NamedTuple):
    """What a key made the first time it was sent."""

    item_id: int
    body_hash: str


def find_key(conn: Connection, service_id: int, key: str) -> FirstCreation | None:
    """The creation this key already made in the service, or None for a new key."""
    row = conn.execute(_FIND, {"b_service": service_id, "b_key": key}).one_or_none()
    return None if row is None else FirstCreation(int(row.item_id), str(row.body_hash))


def record_key(conn: Connection, service_id: int, key: str, item_id: int, body_hash: str,
               now: datetime) -> None:
    """Remember that this key made this item (in the creating transaction)."""
    conn.execute(_RECORD, {"service_id": service_id, "key": key, "item_id": item_id,
                           "body_hash": body_hash, "created_at": now})
