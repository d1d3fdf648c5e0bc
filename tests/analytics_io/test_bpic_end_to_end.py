"""The real service desk log (BPI Challenge 2013) through every command: import, metrics,
forecast. The numbers are checked against a plain computation written here, by hand."""

from __future__ import annotations

import csv
import gzip
import itertools
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from bpic import EVENTS, needs_bpic
from cast import OPERATOR, enrol, token_of
from flowdesk.app import create_app
from flowdesk.cli import main
from flowdesk.config import Settings
from flowdesk.domain.clock import FixedClock
from flowdesk.domain.people import Role
from flowdesk.services import analytics
from flowdesk.storage.db import make_engine
from flowdesk.storage.unit_of_work import UnitOfWork

REPO = Path(__file__).resolve().parents[2]
HISTORY = EVENTS
WORKFLOW = REPO / "examples" / "bpic2013" / "workflow.toml"
LAST_DAY = "2012-05-23"
TODAY = FixedClock(datetime(2026, 12, 7, 9, 0, tzinfo=UTC))  # long after the log ends

pytestmark = needs_bpic


def hand_counts() -> tuple[int, int, int]:
    """(incidents, delivered incidents, reopenings), with the csv module and a dict."""
    statuses: dict[str, list[str]] = {}
    with gzip.open(HISTORY, "rt", newline="") as handle:
        for row in csv.DictReader(handle):
            if row["status"] == "Unmatched":
                continue
            seen = statuses.setdefault(row["incident"], [])
            if not seen or seen[-1] != row["status"]:
                seen.append(row["status"])
    delivered = sum(1 for s in statuses.values() if s[-1] == "Completed")
    reopened = sum(
        1 for s in statuses.values() for a, b in itertools.pairwise(s)
        if a == "Completed" and b != "Completed")
    return len(statuses), delivered, reopened


@pytest.fixture(scope="module")
def hand() -> tuple[int, int, int]:
    return hand_counts()


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A SQLite database holding the whole log, imported through `flowdesk import`."""
    db = tmp_path_factory.mktemp("bpic") / "flowdesk.db"
    env = {"FLOWDESK_DATABASE_URL": f"sqlite:///{db}"}
    result = CliRunner().invoke(main, ["import", str(HISTORY), "--workflow", str(WORKFLOW),
                                       "--service", "VOL", "--name", "Volvo IT"], env=env)
    assert result.exit_code == 0, result.output
    assert "7554 items imported" in result.output
    return env


def run(args: list[str], env: dict[str, str] | None = None) -> str:
    result = CliRunner().invoke(main, args, env=env or {})
    assert result.exit_code == 0, result.output
    return result.stdout


def test_the_whole_log_imports_and_a_second_import_adds_nothing(
        imported: dict[str, str]) -> None:
    out = run(["import", str(HISTORY), "--workflow", str(WORKFLOW), "--service", "VOL"],
              imported)
    assert "0 items imported, 7554 already there" in out


def test_metrics_from_the_file_match_a_count_by_hand(hand: tuple[int, int, int]) -> None:
    incidents, delivered, reopened = hand
    out = json.loads(run(["metrics", "--history", str(HISTORY), "--workflow", str(WORKFLOW),
                          "--format", "json"]))
    assert out["delivered_count"] == delivered == 7546
    assert out["rework"]["reopenings"] == reopened
    assert out["rework"]["backward_moves"] == 9498  # Accepted back to Queued, per the README
    assert out["wip"]["end_of_period"] == incidents - delivered
    assert set(out["blocked_days_by_category"]) == {
        "customer", "vendor", "implementation", "unspecified"}
    percentiles = [out["lead_time_days"][p] for p in ("50", "70", "85", "95")]
    assert percentiles == sorted(percentiles)


def test_metrics_of_the_imported_service_match_the_file(imported: dict[str, str]) -> None:
    from_file = json.loads(run(["metrics", "--history", str(HISTORY), "--workflow",
                                str(WORKFLOW), "--format", "json"]))
    from_db = json.loads(run(["metrics", "--service", "VOL", "--to", LAST_DAY,
                              "--format", "json"], imported))
    assert from_db["delivered_count"] == from_file["delivered_count"]
    assert from_db["lead_time_days"] == from_file["lead_time_days"]
    assert from_db["lead_time_calendar_days"] == from_file["lead_time_calendar_days"]
    assert from_db["rework"]["reopenings"] == from_file["rework"]["reopenings"]


def test_blocked_days_of_the_imported_service_match_the_file_as_of_its_last_entry(
        imported: dict[str, str]) -> None:
    # Blockers still open in the log keep counting until "now" in the service; compare both
    # as of the moment the log was taken.
    file_source = analytics.from_history(HISTORY, WORKFLOW)
    last_entry = datetime.fromtimestamp(int(file_source.flow.as_of) / 1e6, tz=UTC)
    engine = make_engine(imported["FLOWDESK_DATABASE_URL"])
    try:
        db_source = analytics.from_service(UnitOfWork(engine), OPERATOR, "VOL", last_entry)
    finally:
        engine.dispose()
    from_db = analytics.metrics(db_source)["blocked_days_by_category"]
    from_file = analytics.metrics(file_source)["blocked_days_by_category"]
    assert {k: v["blocked_days"] for k, v in from_db.items()} == pytest.approx(
        {k: v["blocked_days"] for k, v in from_file.items()})
    assert {k: v["count"] for k, v in from_db.items()} == {
        k: v["count"] for k, v in from_file.items()}


def test_items_csv_has_one_row_per_incident_with_the_promised_columns(
        tmp_path: Path, hand: tuple[int, int, int]) -> None:
    out = tmp_path / "items.csv"
    run(["metrics", "--history", str(HISTORY), "--workflow", str(WORKFLOW), "--items",
         str(out)])
    with out.open() as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == hand[0]
    for column in ("item", "arrived_at", "committed_at", "delivered_at", "lead_time_days",
                   "lead_time_calendar_days", "customer_lead_time_days", "blocked_days",
                   "state"):
        assert column in rows[0]
    first = next(r for r in rows if r["item"] == "1-364285768")
    assert first["state"] == "Completed"
    assert int(first["lead_time_calendar_days"]) == 765  # 2010-03-31 to 2012-05-03, inclusive


def test_forecast_is_repeatable_for_a_seed_and_its_percentiles_are_ordered() -> None:
    args = ["forecast", "--history", str(HISTORY), "--workflow", str(WORKFLOW), "--when",
            "500", "--window-days", "30", "--seed", "11", "--format", "json"]
    first, second = json.loads(run(args)), json.loads(run(args))
    assert first == second
    dates = [first["on_or_before"][p] for p in ("50", "70", "85", "95")]
    assert dates == sorted(dates)
    many = json.loads(run(["forecast", "--history", str(HISTORY), "--workflow", str(WORKFLOW),
                           "--how-many-by", "2012-06-30", "--seed", "3", "--format", "json"]))
    counts = [many["at_least"][p] for p in ("50", "70", "85", "95")]
    assert counts == sorted(counts, reverse=True)  # more confidence, fewer items promised


def test_forecast_table_states_the_convention(imported: dict[str, str]) -> None:
    out = run(["forecast", "--service", "VOL", "--how-many-by", "2031-01-01", "--seed", "1"],
              imported)
    assert "chance of at least" in out


def test_metrics_refuse_a_half_given_source() -> None:
    result = CliRunner().invoke(main, ["metrics", "--history", str(HISTORY)])
    assert result.exit_code == 2
    assert "--workflow" in result.output


def test_the_analytics_page_and_the_command_line_agree_by_default_on_the_import(
        imported: dict[str, str]) -> None:
    # The page asks the charts API with no dates; the command line reads the file with none.
    # Both default to the history's own span, however long ago it ended.
    from_file = json.loads(run(["metrics", "--history", str(HISTORY), "--workflow",
                                str(WORKFLOW), "--format", "json"]))
    url = imported["FLOWDESK_DATABASE_URL"]
    engine = make_engine(url)
    try:
        uow = UnitOfWork(engine)
        enrol(uow, TODAY, "VOL", ["amira"], [Role.VIEWER])
        app = create_app(Settings(database_url=url), clock=TODAY, engine=engine)
        with TestClient(app) as client:
            client.headers["Authorization"] = f"Bearer {token_of(uow, 'amira')}"
            charts = client.get("/api/v1/services/VOL/metrics/charts")
    finally:
        engine.dispose()
    assert charts.status_code == 200, charts.text
    page = charts.json()["summary"]
    span = ("start", "end", "days")
    assert [page["period"][k] for k in span] == [from_file["period"][k] for k in span]
    assert page["delivered_count"] == from_file["delivered_count"] == 7546
    assert page["throughput"]["per_day"] == from_file["throughput"]["per_day"]
    assert {k: v["count"] for k, v in page["blocked_days_by_category"].items()} == {
        k: v["count"] for k, v in from_file["blocked_days_by_category"].items()}
