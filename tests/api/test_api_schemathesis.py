"""Schemathesis against the whole OpenAPI document, in process on SQLite, signed in as Olivia
(an admin who owns the services of the bad-input world): stateless, every operation with
generated input (valid and invalid), and stateful, following the document's links
(api/openapi_links.py) from a new service to its new items, and from a new item to reading,
moving and patching it, with valid input. No answer may be a 5xx, and every answer must be one its
operation declares, in the shape it declares.

Bounded to run in a few minutes on one core: few examples per operation, derandomised so a run
is repeatable.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from bad_input_world import make_world
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import Engine

from cast import ADMIN, token_of
from flowdesk.storage.unit_of_work import UnitOfWork

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]
EXAMPLES = 25  # per operation
STATEFUL_RUNS, STEPS = 60, 10  # stateful: scenarios, and calls in each
BOUNDED = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                   suppress_health_check=list(HealthCheck))

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]


@pytest.fixture
def schema(app: FastAPI, client: TestClient, engine: Engine, database_url: str) -> Any:
    if not database_url.startswith("sqlite"):
        pytest.skip("schemathesis runs on SQLite (its scenarios restore a copy of the file)")
    make_world(client, engine)  # two services with items, people, skills, agreements
    loaded = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)
    return loaded


def copy_database(source: str, target: str) -> None:
    """SQLite's online backup: `target` becomes what `source` holds, page for page."""
    with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(target)) as dst:
        src.backup(dst)


def signed_in(uow: UnitOfWork) -> dict[str, str]:
    """Olivia's headers with a new token: a generated call may revoke the one before."""
    return {"Authorization": f"Bearer {token_of(uow, ADMIN)}"}


def exercise(operation: Any, uow: UnitOfWork, statuses: Counter[int],
             failures: list[str]) -> None:
    """Call one operation with generated input; count the statuses, keep every failure."""

    @BOUNDED
    @given(case=operation.as_strategy())
    def run(case: Any) -> None:
        headers = signed_in(uow)
        response = case.call(headers=headers)
        statuses[response.status_code] += 1
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
        except (Exception, BaseExceptionGroup) as error:  # collected: one report in all
            failures.append(f"{operation.label}: {str(error)[:800]}")

    run()


def test_every_operation_answers_as_declared_and_never_5xx(schema: Any,
                                                           uow: UnitOfWork) -> None:
    statuses: Counter[int] = Counter()
    failures: list[str] = []
    for result in schema.get_all_operations():
        exercise(result.ok(), uow, statuses, failures)
    assert not failures, "\n\n".join(failures[:20])
    assert sum(statuses.values()) >= 200
    assert not [code for code in statuses if code >= 500], statuses


ITEM_LIFE = r"^/api/v1/(services(/\{key\}/items)?|items/\{item_key\}(/move)?)$"
LINKED = {"POST /api/v1/services/{key}/items", "GET /api/v1/items/{item_key}",
          "POST /api/v1/items/{item_key}/move", "PATCH /api/v1/items/{item_key}"}


def test_following_links_from_create_to_read_move_and_patch(
        schema: Any, uow: UnitOfWork, engine: Engine, tmp_path: Path) -> None:
    # The item lifecycle: services and their items, and what is done to an item, with valid
    # input (the stateless test sends the invalid kind too).
    schema.config.generation.update(modes=[GenerationMode.POSITIVE])
    machine = schema.include(path_regex=ITEM_LIFE).as_state_machine()
    answered: Counter[str] = Counter()  # operation: how many 2xx answers
    statuses: Counter[int] = Counter()

    # Every scenario starts from the same world: what a scenario can draw next (an item key
    # a create answered) must not depend on what the scenarios before it left behind.
    live = engine.url.database
    assert live is not None
    saved = str(tmp_path / "world.db")
    copy_database(live, saved)

    class Signed(machine):  # type: ignore[misc, valid-type]
        def setup(self) -> None:
            copy_database(saved, live)

        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            return {"headers": signed_in(uow)}

        def validate_response(self, response: Any, case: Any,
                              additional_checks: Any = (), **kwargs: Any) -> None:
            statuses[response.status_code] += 1
            if response.status_code < 300:
                answered[case.operation.label] += 1
            case.validate_response(response, checks=CHECKS)

    Signed.run(settings=settings(max_examples=STATEFUL_RUNS, stateful_step_count=STEPS,
                                 deadline=None, derandomize=True, database=None,
                                 suppress_health_check=list(HealthCheck)))
    assert not [code for code in statuses if code >= 500], statuses
    assert set(answered) >= LINKED, answered
