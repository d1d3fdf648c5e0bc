"""Importing another tool's history into a service, on both databases."""

from __future__ import annotations

import gzip
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from cast import OPERATOR
from flowdesk.cli import main
from flowdesk.domain.clock import FixedClock
from flowdesk.domain.errors import InvalidInput
from flowdesk.domain.people import Actor
from flowdesk.services import analytics, queries
from flowdesk.services.imports import iana_zone, import_history
from flowdesk.storage.tables import blockers, item_events, items
from flowdesk.storage.unit_of_work import UnitOfWork

WORKFLOW = """
[columns]
item = "ticket"
timestamp = "at"
state = "status"
substate = "detail"
attributes = ["team"]

[workflow]
timezone = "+01:00"
upstream = ["New"]
committed = ["Doing"]
done = ["Closed"]
discarded = ["Rejected"]
ignore = ["Noise"]

[substates]
active = ["working"]
waiting = ["queued"]
blocked = { "waiting on vendor" = "vendor" }
"""

HISTORY = """ticket,at,status,detail,team
T1,2024-05-06T09:00:00+01:00,New,queued,red
T1,2024-05-06T10:00:00+01:00,Doing,working,red
T1,2024-05-06T12:00:00+01:00,Doing,waiting on vendor,red
T1,2024-05-07T09:00:00+01:00,Doing,working,red
T1,2024-05-07T17:00:00+01:00,Closed,,red
T2,2024-05-06T11:00:00+01:00,New,queued,blue
T2,2024-05-06T11:30:00+01:00,Noise,,blue
T2,2024-05-08T11:00:00+01:00,Rejected,,blue
T3,not a time,New,queued,blue
T3,2024-05-09T08:00:00+01:00,Doing,working,blue
T4,2024-05-09T08:00:00+01:00,Mystery,,blue
"""

IMPORTER = Actor("import", operator=True)


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    history = tmp_path / "history.csv.gz"
    history.write_bytes(gzip.compress(HISTORY.encode()))
    workflow = tmp_path / "workflow.toml"
    workflow.write_text(WORKFLOW)
    return history, workflow


def _import(uow: UnitOfWork, clock: FixedClock, files: tuple[Path, Path]) -> object:
    source = analytics.from_history(*files)
    assert source.history is not None
    return import_history(uow, clock, IMPORTER, key="TIX", name="Tickets",
                          history=source.history, workflow=source.flow.workflow)


def test_import_creates_a_service_with_one_stage_per_state(
        uow: UnitOfWork, clock: FixedClock, files: tuple[Path, Path]) -> None:
    _import(uow, clock, files)
    service = queries.get_service(uow, OPERATOR, "TIX")
    assert [(s.name, s.phase.value) for s in service.stages] == [
        ("New", "upstream"), ("Doing", "committed"), ("Closed", "done"),
        ("Rejected", "discarded")]
    assert service.timezone == "Etc/GMT-1"
    assert "vendor" in service.blocker_categories


def test_import_reports_unreadable_rows_with_their_line_and_keeps_the_rest(
        files: tuple[Path, Path]) -> None:
    source = analytics.from_history(*files)
    assert source.history is not None
    problems = {p.line: p.reason for p in source.history.problems}
    assert sorted(problems) == [10, 12]  # the bad time and the unknown state; header is line 1
    assert "time" in problems[10]
    assert "Mystery" in problems[12]
    assert source.flow.item_count == 3


def test_imported_items_carry_their_real_history(
        uow: UnitOfWork, clock: FixedClock, files: tuple[Path, Path]) -> None:
    _import(uow, clock, files)
    t1, _ = queries.get_item(uow, OPERATOR, "TIX-1")
    assert t1.delivered_at is not None and t1.committed_at is not None
    assert (t1.delivered_at - t1.committed_at).total_seconds() == 31 * 3600
    kinds = [(e.kind, e.to_stage) for e in queries.item_history(uow, OPERATOR, "TIX-1")]
    assert kinds == [("created", "New"), ("moved", "Doing"), ("blocked", None),
                     ("unblocked", None), ("moved", "Closed")]
    t2, _ = queries.get_item(uow, OPERATOR, "TIX-2")
    assert t2.discarded_at is not None and t2.committed_at is None


def test_importing_the_same_history_twice_adds_nothing(
        uow: UnitOfWork, clock: FixedClock, files: tuple[Path, Path]) -> None:
    _import(uow, clock, files)
    with uow.read() as conn:
        before = (conn.execute(select(func.count()).select_from(items)).scalar(),
                  conn.execute(select(func.count()).select_from(item_events)).scalar(),
                  conn.execute(select(func.count()).select_from(blockers)).scalar())
    again = _import(uow, clock, files)
    with uow.read() as conn:
        after = (conn.execute(select(func.count()).select_from(items)).scalar(),
                 conn.execute(select(func.count()).select_from(item_events)).scalar(),
                 conn.execute(select(func.count()).select_from(blockers)).scalar())
    assert after == before
    assert again.imported == 0 and again.skipped == 3  # type: ignore[attr-defined]


def test_metrics_of_an_imported_service_match_the_history_file(
        uow: UnitOfWork, files: tuple[Path, Path]) -> None:
    clock = FixedClock(__import__("datetime").datetime.fromisoformat("2024-05-10T00:00:00+00:00"))
    _import(uow, clock, files)
    from_file = analytics.metrics(analytics.from_history(*files))
    from_db = analytics.metrics(analytics.from_service(uow, OPERATOR, "TIX", clock.now()),
                                end=__import__("datetime").date(2024, 5, 9))
    for key in ("delivered_count", "lead_time_days", "lead_time_calendar_days",
                "customer_lead_time_days"):
        assert from_db[key] == from_file[key], key
    assert from_db["blocked_days_by_category"]["vendor"]["blocked_days"] == pytest.approx(
        21 / 24)


def test_fixed_offsets_become_etc_zones_and_odd_offsets_are_refused() -> None:
    assert iana_zone("+01:00") == "Etc/GMT-1"
    assert iana_zone("-05:00") == "Etc/GMT+5"
    assert iana_zone("Europe/Brussels") == "Europe/Brussels"
    with pytest.raises(InvalidInput):
        iana_zone("+05:30")
    with pytest.raises(InvalidInput):
        iana_zone("Mars/Olympus")


STATES_WORKFLOW = """
[columns]
item = "ticket"
timestamp = "at"
state = "status"

[workflow]
timezone = "UTC"
upstream = ["New"]
committed = ["Ready", "Doing"]
done = ["Closed"]

[states]
active = ["Doing"]
waiting = ["Ready"]
"""

# T1: 1 h waiting in Ready, 2 h in Doing, 5 h back in New (upstream), 2 h in Doing.
# T2: 3 h in Doing, 10 h in Closed, reopened for 1 h in Doing.
STATES_HISTORY = """ticket,at,status
T1,2024-05-06T08:00:00Z,New
T1,2024-05-06T09:00:00Z,Ready
T1,2024-05-06T10:00:00Z,Doing
T1,2024-05-06T12:00:00Z,New
T1,2024-05-06T17:00:00Z,Doing
T1,2024-05-06T19:00:00Z,Closed
T2,2024-05-06T08:00:00Z,Doing
T2,2024-05-06T11:00:00Z,Closed
T2,2024-05-06T21:00:00Z,Doing
T2,2024-05-06T22:00:00Z,Closed
"""


def test_an_imported_service_counts_only_committed_stages_as_active_or_waiting(
        uow: UnitOfWork, tmp_path: Path) -> None:
    history, workflow = tmp_path / "history.csv", tmp_path / "workflow.toml"
    history.write_text(STATES_HISTORY)
    workflow.write_text(STATES_WORKFLOW)
    source = analytics.from_history(history, workflow)
    assert source.history is not None
    clock = FixedClock(datetime(2024, 5, 7, 12, tzinfo=UTC))
    result = import_history(uow, clock, IMPORTER, key="ST", name="States",
                            history=source.history, workflow=source.flow.workflow)
    assert result.warnings == ()  # no substates: nothing is lost
    from_file = analytics.metrics(source)["flow_efficiency"]
    from_db = analytics.metrics(analytics.from_service(uow, OPERATOR, "ST", clock.now()),
                                end=date(2024, 5, 6))["flow_efficiency"]
    # Time back in New (upstream) and in Closed before the reopening is neither active nor
    # waiting: active 4 h + 4 h, waiting only T1's hour in Ready.
    assert from_file["overall"] == pytest.approx(8 / 9)
    assert from_db["overall"] == pytest.approx(8 / 9)
    assert from_db == from_file


def test_an_import_warns_that_active_and_waiting_substates_are_not_kept(
        uow: UnitOfWork, clock: FixedClock, files: tuple[Path, Path]) -> None:
    result = _import(uow, clock, files)
    warnings = result.warnings  # type: ignore[attr-defined]
    assert len(warnings) == 1
    assert "active/waiting substates" in warnings[0]
    assert "Doing (activity)" in warnings[0]


def test_the_import_command_prints_the_substate_warning(
        database_url: str, files: tuple[Path, Path]) -> None:
    history, workflow = files
    result = CliRunner().invoke(main, ["import", str(history), "--workflow", str(workflow),
                                       "--service", "TIX"],
                                env={"FLOWDESK_DATABASE_URL": database_url})
    assert result.exit_code == 0, result.output
    assert "warning: the service cannot keep the active/waiting substates" in result.stderr
    assert "3 items imported" in result.stdout
    # Off a terminal its progress is plain lines, the last at the end, not a silent bar.
    assert "imported 3 of 3 items (100%)" in result.stderr.splitlines()
