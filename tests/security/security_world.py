"""What the security tests share: two services built through the use cases, people who hold
one role each, and signing in through the real sign-in form."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import httpx
from fastapi.testclient import TestClient

from cast import OPERATOR, ensure_users
from flowdesk.domain.clock import Clock
from flowdesk.domain.people import Role
from flowdesk.domain.workflow import Phase, Service, StageKind, StageSpec
from flowdesk.services import admin, members, passwords
from flowdesk.services.commands import CreateService
from flowdesk.storage import accounts as store
from flowdesk.storage.unit_of_work import UnitOfWork

PASSWORD = "correct horse battery staple"
_HASH: list[str] = []  # Argon2 costs a fifth of a second: one hash serves every test account

# No WIP limits anywhere: an allowed request must succeed, not meet a limit.
WORKFLOW = [
    StageSpec("Options", Phase.UPSTREAM, StageKind.QUEUE),
    StageSpec("Ready", Phase.UPSTREAM, StageKind.QUEUE),
    StageSpec("In progress", Phase.COMMITTED, StageKind.ACTIVITY),
    StageSpec("Review", Phase.COMMITTED, StageKind.QUEUE),
    StageSpec("Done", Phase.DONE, StageKind.QUEUE),
    StageSpec("Discarded", Phase.DISCARDED, StageKind.QUEUE),
]


@dataclass(frozen=True)
class Svc:
    """A service as the tests address it: its key, id and stages by name."""

    key: str
    id: int
    service: Service

    def stage(self, name: str) -> int:
        return next(s.id for s in self.service.stages if s.name == name)


def make_service(uow: UnitOfWork, clock: Clock, key: str, name: str) -> Svc:
    """A service made by the local operator: nobody is a member of it yet."""
    # Delivering from any stage: the matrix asks about every kind of move, delivering
    # straight from upstream too (the default rule is tested in tests/api/test_api_workflow.py).
    service = admin.create_service(uow, clock, OPERATOR, CreateService(
        key=key, name=name, stages=WORKFLOW, deliver_from_any_stage=True))
    return Svc(service.key, service.id, service)


def give_roles(uow: UnitOfWork, clock: Clock, key: str, username: str,
               roles: Iterable[Role]) -> None:
    members.put_member(uow, clock, OPERATOR, key, username, [r.value for r in roles])


def set_password(uow: UnitOfWork, usernames: Iterable[str]) -> None:
    """Give these accounts (made as needed) the test password, hashed once for all."""
    names = list(usernames)
    ensure_users(uow, names)
    if not _HASH:
        _HASH.append(passwords.hash_password(PASSWORD))
    with uow.write() as conn:
        for name in names:
            user = store.find_user(conn, name)
            assert user is not None
            store.update_user(conn, user.id, password_hash=_HASH[0])


CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


def login_form_token(client: TestClient) -> str:
    """Open the sign-in page, as a browser does first, and read its CSRF token from the form."""
    page = client.get("/login")
    assert page.status_code == 200, page.text[:300]
    found = CSRF_FIELD.search(page.text)
    assert found is not None, "the sign-in form carries no CSRF token"
    assert found.group(1) == client.cookies.get("flowdesk_csrf")
    return found.group(1)


def post_login(client: TestClient, username: str, password: str = PASSWORD,
               token: str | None = None) -> httpx.Response:
    """Post the sign-in form (its token read from the page first, unless given)."""
    token = token if token is not None else login_form_token(client)
    return client.post("/login", data={"username": username, "password": password,
                                       "csrf_token": token}, follow_redirects=False)


def signed_in_client(app: object, username: str) -> TestClient:
    """A browser of its own (its own cookies) signed in as this user through /login."""
    client = TestClient(app)  # type: ignore[arg-type]
    response = post_login(client, username)
    assert response.status_code == 303, (username, response.status_code, response.text[:300])
    return client


def anonymous_client(app: object) -> TestClient:
    """A browser nobody signed in with, holding the CSRF cookie a page gave it."""
    client = TestClient(app)  # type: ignore[arg-type]
    login_form_token(client)
    return client


def web_form(client: TestClient, url: str, data: dict[str, object] | None = None
             ) -> httpx.Response:
    """POST a form the way a page does: with the CSRF token of the browser's cookie."""
    fields = {k: [str(x) for x in v] if isinstance(v, list) else str(v)
              for k, v in (data or {}).items()}  # a list: a field sent once per value
    fields.setdefault("csrf_token", client.cookies.get("flowdesk_csrf", ""))
    return client.post(url, data=fields, follow_redirects=False)
