"""`flowdesk report`: one HTML file that works offline, with the data, the charts' code and the
words that explain them inside, for a history file and for a service in the database."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from web_env import NOW
from web_seed import Seeded

from cast import OPERATOR
from flowdesk.cli import main
from flowdesk.reporting import chart_data, render_report
from flowdesk.reporting.html import embedded_json
from flowdesk.services import analytics
from flowdesk.storage.unit_of_work import UnitOfWork

CHARTS = ("cfd", "scatter", "histogram", "sle", "throughput", "aging", "blockers", "efficiency",
          "how_many", "when", "demand-heatmap", "demand-inflow", "demand-mix-type",
          "demand-mix-customer")
DATA_BLOCK = re.compile(r'<script type="application/json" id="analytics-data">(.*?)</script>',
                        re.DOTALL)
# Anything that would make the browser fetch a file: a src or href to another place, a linked
# stylesheet; inside the styles, a url() or an @import.
FETCHING = re.compile(r"""(?:\bsrc|\bhref)\s*=\s*["']?\s*(?:https?:)?//|<link\b""", re.IGNORECASE)
STYLE = re.compile(r"<style>(.*?)</style>", re.DOTALL)
STYLE_FETCH = re.compile(r"url\(|@import", re.IGNORECASE)


def embedded(html: str) -> dict[str, Any]:
    found = DATA_BLOCK.search(html)
    assert found, "the report embeds its data"
    data: dict[str, Any] = json.loads(found.group(1))
    return data


def assert_self_contained(html: str) -> None:
    assert FETCHING.findall(html) == []
    styles = STYLE.findall(html)
    assert len(styles) == 2  # flowdesk.css and analytics.css, inlined
    assert all(STYLE_FETCH.search(css) is None for css in styles)
    scripts = re.findall(r"<script\b[^>]*>", html)
    assert all("src=" not in tag for tag in scripts), scripts
    assert "Chart.js v4" in html  # the chart library itself, inlined
    for code in ("window.FlowdeskChartKit", "window.FlowdeskCharts", "window.FlowdeskAnalytics"):
        assert code in html  # the page's own chart code, inlined


def assert_explains_every_chart(html: str) -> None:
    for name in CHARTS:
        assert f'data-chart="{name}"' in html
    assert html.count("How to read it:") == len(CHARTS)
    for words in ("85% of items took this long or less", "How the numbers are counted",
                  "ActionableAgile", "nearest-rank", "on or before", "at least"):
        assert words in html


def test_the_report_of_the_bpic_log_is_one_self_contained_file_with_its_numbers(
        bpic_files: tuple[Path, Path], tmp_path: Path) -> None:
    events, workflow = bpic_files
    out = tmp_path / "report.html"
    result = CliRunner().invoke(main, ["report", "--history", str(events), "--workflow",
                                       str(workflow), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert f"wrote {out}" in result.output
    html = out.read_text(encoding="utf-8")
    assert_self_contained(html)
    assert_explains_every_chart(html)
    data = embedded(html)
    metrics = analytics.metrics(analytics.from_history(events, workflow))
    # The same numbers as `flowdesk metrics`: the library's summary of the same period.
    for key in ("period", "delivered_count", "lead_time_calendar_days", "throughput", "wip",
                "flow_efficiency", "blocked_days_by_category", "service_level"):
        assert data["summary"][key] == metrics[key], key
    assert data["source"] == "events.csv.gz"
    assert data["period"]["timezone"] == "+01:00"
    assert len(data["lead_time"]["points"]["keys"]) == metrics["delivered_count"]
    assert sum(data["lead_time"]["histogram"]["items"]) == metrics["delivered_count"]
    categories = [bar["category"] for bar in data["blockers"]["categories"]]
    assert set(categories) == set(metrics["blocked_days_by_category"])
    assert "Flow report: events.csv.gz" in html
    assert f"{data['period']['start']} to {data['period']['end']}" in html


def test_a_date_range_narrows_the_bpic_report(bpic_files: tuple[Path, Path],
                                             tmp_path: Path) -> None:
    events, workflow = bpic_files
    out = tmp_path / "may.html"
    result = CliRunner().invoke(main, ["report", "--history", str(events), "--workflow",
                                       str(workflow), "--from", "2012-05-01", "--to",
                                       "2012-05-15", "-o", str(out), "--seed", "3"])
    assert result.exit_code == 0, result.output
    data = embedded(out.read_text(encoding="utf-8"))
    assert (data["period"]["start"], data["period"]["end"]) == ("2012-05-01", "2012-05-15")
    assert data["forecast"]["seed"] == 3
    assert all("2012-05-01" <= day <= "2012-05-15"
               for day in data["lead_time"]["points"]["delivered"])


def test_a_filter_the_history_does_not_have_is_a_clear_error(bpic_files: tuple[Path, Path],
                                                              tmp_path: Path) -> None:
    events, workflow = bpic_files
    out = tmp_path / "typed.html"
    result = CliRunner().invoke(main, ["report", "--history", str(events), "--workflow",
                                       str(workflow), "--type", "bug", "-o", str(out)])
    assert result.exit_code == 1
    assert "no attribute 'type'" in result.output
    assert "Traceback" not in result.output
    assert not out.exists()


def test_reversed_dates_are_refused_naming_the_option(bpic_files: tuple[Path, Path],
                                                      tmp_path: Path) -> None:
    events, workflow = bpic_files
    result = CliRunner().invoke(main, ["report", "--history", str(events), "--workflow",
                                       str(workflow), "--from", "2012-05-15", "--to",
                                       "2012-05-01", "-o", str(tmp_path / "r.html")])
    assert result.exit_code == 1
    assert "from must be on or before to (from)" in result.output


def test_the_report_needs_a_source(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["report", "-o", str(tmp_path / "r.html")])
    assert result.exit_code == 2
    assert "--service KEY, or --history FILE with --workflow" in result.output


def test_the_report_of_a_service_embeds_its_charts_and_names_its_items(
        uow: UnitOfWork, seeded: Seeded) -> None:
    source = analytics.from_service(uow, OPERATOR, seeded.service, NOW)
    data = chart_data(source)
    html = render_report(data, NOW)
    assert_self_contained(html)
    assert_explains_every_chart(html)
    inside = embedded(html)
    assert inside == json.loads(json.dumps(data))
    delivered = {seeded.keys[f"done_{n}"] for n in range(4)} | {
        seeded.keys["old_done_0"], seeded.keys["old_done_1"]}
    assert set(inside["lead_time"]["points"]["keys"]) == delivered
    assert seeded.keys["assess_blocked"] in inside["aging_wip"]["items"]["keys"]
    assert "Flow report: Priority claims" in html
    assert "generated 2026-03-02 09:00 (UTC)" in html  # in the service's zone, named
    assert "<dt>Customer lead time</dt>" in html and "<dt>System lead time</dt>" in html
    assert inside["summary"]["customer_lead_time"]["from"] == "arrival"
    assert inside["summary"]["headline"]["first_time_fix_rate"] is not None


def test_the_report_command_reads_a_service_from_the_database(
        uow: UnitOfWork, seeded: Seeded, database_url: str, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLOWDESK_DATABASE_URL", database_url)
    out = tmp_path / "service.html"
    result = CliRunner().invoke(main, ["report", "--service", seeded.service,
                                       "--class-of-service", "standard", "-o", str(out)])
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    assert_self_contained(html)
    data = embedded(html)
    assert data["where"] == {"class_of_service": "standard"}
    assert "class of service = standard" in html
    assert data["summary"]["delivered_count"] == 6


def test_an_unknown_service_is_a_clear_error(uow: UnitOfWork, database_url: str,
                                             tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLOWDESK_DATABASE_URL", database_url)
    result = CliRunner().invoke(main, ["report", "--service", "NOPE", "-o",
                                       str(tmp_path / "r.html")])
    assert result.exit_code == 1
    assert "no service with key 'NOPE'" in result.output


def test_embedded_data_cannot_close_its_script_element() -> None:
    data = {"source": "</script><script>alert(1)</script><!-- & -->"}
    text = str(embedded_json(data))
    assert "</script" not in text.lower() and "<!--" not in text
    assert json.loads(text) == data
