"""A service's life after its creation: archive it, restore it, delete it.

An archived service is read-only (every write to it is refused, 409) and left out of the
services list; its board, history and analytics stay readable. Deleting removes the service
and every row of it (`storage.service_rows`) in one transaction: only an organisation admin
may, after typing the service's key.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection

from flowdesk.domain.clock import Clock
from flowdesk.domain.errors import InvalidInput, NotFound
from flowdesk.domain.people import Actor
from flowdesk.domain.policy import Action, authorize
from flowdesk.domain.workflow import Service
from flowdesk.storage import repository as repo
from flowdesk.storage import service_rows, workflow_rows
from flowdesk.storage.unit_of_work import UnitOfWork


def archive_service(uow: UnitOfWork, clock: Clock, actor: Actor, key: str) -> Service:
    """Archive the service: read-only and out of the services list, its history kept.
    Archiving an archived service changes nothing (a retry is safe).

    On PostgreSQL a move locks no service row, so the archive takes what a workflow change
    takes: every stage `FOR UPDATE` and a new workflow token. A move under way waits at its
    target stage, then finds the workflow it read replaced, decides again and is refused."""
    with uow.write() as conn:
        service = _service(uow, conn, actor, key, Action.ARCHIVE_SERVICE)
        if service.archived:
            return service
        now = clock.now()
        if uow.locks_rows:
            workflow_rows.lock_stages(conn, service.id)
        service_rows.set_archived_at(conn, service.id, now)
        repo.touch_workflow(conn, service.id)
        repo.append_event(conn, service_id=service.id, item_id=None, kind="service_archived",
                          at=now, actor=actor.username, payload={"key": service.key})
        return repo.load_service(conn, service.id, archived_ok=True)


def restore_service(uow: UnitOfWork, clock: Clock, actor: Actor, key: str) -> Service:
    """Restore an archived service: it is listed and may be changed again. Restoring a
    service that is not archived changes nothing."""
    with uow.write() as conn:
        service = _service(uow, conn, actor, key, Action.ARCHIVE_SERVICE)
        if not service.archived:
            return service
        service_rows.set_archived_at(conn, service.id, None)
        repo.append_event(conn, service_id=service.id, item_id=None, kind="service_restored",
                          at=clock.now(), actor=actor.username,
                          payload={"key": service.key, "archived_at":
                                   service.archived_at.isoformat() if service.archived_at
                                   else None})
        return repo.load_service(conn, service.id)


@dataclass(frozen=True)
class Deleted:
    key: str
    rows: dict[str, int]  # rows removed, by table

    @property
    def items(self) -> int:
        return self.rows.get("items", 0)

    @property
    def events(self) -> int:
        return self.rows.get("item_events", 0)


def delete_service(uow: UnitOfWork, actor: Actor, key: str, confirm: str) -> Deleted:
    """Delete the service and everything of it, in one transaction: only an admin, who
    types the service's key in `confirm` (anything else: 422 on `confirm`, nothing deleted)."""
    authorize(actor, Action.DELETE_SERVICE)
    with uow.write() as conn:
        try:
            service_id = repo.service_id_for_key(conn, key, archived_ok=True)
        except NotFound:
            raise repo.no_service(key) from None
        service = repo.load_service(conn, service_id, lock=uow.locks_rows, archived_ok=True)
        if confirm.strip().upper() != service.key:
            raise InvalidInput(f"type the service's key, {service.key}, to delete it",
                               field="confirm")
        return Deleted(service.key, service_rows.delete_rows(conn, service.id))


def deletion_preview(uow: UnitOfWork, actor: Actor, key: str) -> Deleted:
    """What deleting the service would remove (for an admin about to delete it)."""
    authorize(actor, Action.DELETE_SERVICE)
    with uow.read() as conn:
        try:
            service_id = repo.service_id_for_key(conn, key)
        except NotFound:
            raise repo.no_service(key) from None
        service = repo.load_service(conn, service_id)
        return Deleted(service.key, service_rows.count_rows(conn, service.id))


def delete_demo(uow: UnitOfWork, actor: Actor) -> list[Deleted]:
    """Delete every service the demo loaded (`services.demo`), each in its transaction."""
    authorize(actor, Action.DELETE_SERVICE)
    return [delete_service(uow, actor, key, key) for key in demo_keys(uow)]


def demo_keys(uow: UnitOfWork) -> list[str]:
    """The keys of the services the demo loaded, archived or not."""
    with uow.read() as conn:
        return service_rows.demo_keys(conn)


def _service(uow: UnitOfWork, conn: Connection, actor: Actor, key: str,
             action: Action) -> Service:
    """The service, archived or not, row-locked on PostgreSQL, once the actor may take
    `action`; a non-member is told there is no such service."""
    hidden = repo.no_service(key)
    try:
        service_id = repo.service_id_for_key(conn, key, archived_ok=True)
    except NotFound:
        raise hidden from None
    authorize(actor, action, service_id, hidden=hidden)
    return repo.load_service(conn, service_id, lock=uow.locks_rows, archived_ok=True)
