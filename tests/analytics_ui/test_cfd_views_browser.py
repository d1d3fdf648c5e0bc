"""The cumulative flow diagram's "work in progress only" view, on the analytics page and in
the offline report: the done bands leave, the open ones keep their order and rebase on the
items delivered, and the switch says which view is shown."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from web_env import NOW, LiveServer, Watched

from cast import OPERATOR
from flowdesk.reporting import chart_data, render_report
from flowdesk.services import analytics

pytestmark = pytest.mark.browser

DEMO_KEY = "CLM"

SHOWN = """() => {
  const chart = window.FlowdeskAnalytics.charts.cfd;
  return {labels: chart.data.datasets.map((d) => d.label),
          lines: chart.data.datasets.map((d) => d.data),
          pressed: Array.from(document.querySelectorAll('[data-chart="cfd"] [data-cfd]'))
            .filter((b) => b.getAttribute('aria-pressed') === 'true').map((b) => b.dataset.cfd)};
}"""

VIEW_IS = "(view) => document.querySelector('[data-chart=cfd]').dataset.view === view"


def wait_drawn(p: Any, times: int = 1) -> None:
    p.wait_for_function(
        "(times) => Number(document.getElementById('analytics').dataset.drawn || 0) >= times",
        arg=times)


def switch_views(p: Any, data: dict[str, Any]) -> None:
    """Check the view the payload opens on, switch to work in progress only and back."""
    cfd = data["cumulative_flow"]
    done = [s["name"] for s in data["states"] if s["phase"] == "done"]
    first = p.evaluate(SHOWN)
    opened = cfd["view"]
    assert first["pressed"] == [opened]
    assert first["labels"] == (cfd["states"] if opened == "all" else cfd["wip_only"]["states"])
    p.click('[data-chart="cfd"] [data-cfd="wip"]')
    p.wait_for_function(VIEW_IS, arg="wip")
    wip = p.evaluate(SHOWN)
    assert wip["pressed"] == ["wip"]
    assert done and not set(done) & set(wip["labels"])
    assert wip["labels"] == cfd["wip_only"]["states"]
    assert wip["lines"] == cfd["wip_only"]["lines"]
    # The top edge on the last day: everything that arrived less what was delivered.
    assert wip["lines"][0][-1] == cfd["lines"][0][-1] - cfd["lines"][len(wip["labels"])][-1]
    p.click('[data-chart="cfd"] [data-cfd="all"]')
    p.wait_for_function(VIEW_IS, arg="all")
    whole = p.evaluate(SHOWN)
    assert whole["labels"] == cfd["states"] and whole["pressed"] == ["all"]
    assert whole["lines"] == cfd["lines"]


def test_the_analytics_page_offers_work_in_progress_only(live_server: LiveServer,
                                                          page: Watched) -> None:
    p = page.page
    p.goto(f"{live_server.url}/services/{DEMO_KEY}/analytics")
    wait_drawn(p)
    data = chart_data(analytics.from_service(live_server.uow, OPERATOR, DEMO_KEY, NOW))
    switch_views(p, data)
    assert page.errors == []


def test_the_report_offers_work_in_progress_only(live_server: LiveServer, page: Watched,
                                                 tmp_path: Path) -> None:
    data = chart_data(analytics.from_service(live_server.uow, OPERATOR, DEMO_KEY, NOW))
    report = tmp_path / "report.html"
    report.write_text(render_report(data, NOW), encoding="utf-8")
    p = page.page
    p.goto(report.as_uri())
    wait_drawn(p)
    switch_views(p, data)
    assert page.errors == []
