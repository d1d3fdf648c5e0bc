"""Which days a forecast samples: never before the history starts (zeros that never
happened), never the as-of day (still under way), and the window used is reported."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from click.testing import CliRunner
from fastapi.testclient import TestClient

from flowdesk.cli import main
from flowdesk.domain.clock import FixedClock

from .test_cli_bad_input import HISTORY, WORKFLOW
from .test_metrics_api import claims, stage_ids  # noqa: F401  (a fixture and a helper)


def test_a_history_forecast_samples_from_the_first_arrival_not_before(
        tmp_path: Path) -> None:
    history, workflow = tmp_path / "history.csv", tmp_path / "workflow.toml"
    history.write_text(HISTORY)
    workflow.write_text(WORKFLOW)
    result = CliRunner().invoke(main, [
        "forecast", "--history", str(history), "--workflow", str(workflow), "--when", "2",
        "--seed", "5", "--format", "json"])
    assert result.exit_code == 0, result.output
    forecast = json.loads(result.stdout)
    # First arrival 1 March; the last entry (the as-of day) is 5 March, left out. Of the
    # deliveries (4 and 5 March) only the 4th is inside.
    assert forecast["window"] == {"start": "2024-03-01", "end": "2024-03-04", "days": 4,
                                  "days_asked": 90, "delivered": 1}
    assert forecast["start"] == "2024-03-06"
    table = CliRunner().invoke(main, [
        "forecast", "--history", str(history), "--workflow", str(workflow), "--when", "2",
        "--seed", "5"])
    assert "sampled 1 deliveries over 4 days (2024-03-01 to 2024-03-04)" in table.stdout
    assert "asked for 90 days" in table.stdout


def test_a_service_forecast_leaves_out_today_and_the_days_before_the_service(
        claims: TestClient, clock: FixedClock) -> None:  # noqa: F811
    # Items arrived on Monday 2 March; CLM-1 and CLM-2 were delivered on the 4th and 5th.
    # Now CLM-3 is delivered on Friday the 6th, today: a partial day, not sampled.
    stages = stage_ids(claims, "CLM")
    assert claims.post("/api/v1/items/CLM-3/move",
                       json={"to_stage": stages["Done"]}).is_success
    clock.set(clock.now() + timedelta(hours=3))
    body = claims.get("/api/v1/services/CLM/forecast?when=3&seed=7&window_days=7").json()
    assert body["window"] == {"start": "2026-03-02", "end": "2026-03-05", "days": 4,
                              "days_asked": 7, "delivered": 2}
    assert body["start"] == "2026-03-07"
    charts = claims.get("/api/v1/services/CLM/metrics/charts").json()
    assert charts["forecast"]["window"]["end"] == "2026-03-05"
    assert charts["forecast"]["window"]["delivered"] == 2
