"""The analytics page and the offline report in a real browser: every chart is drawn, hovering a
dot names the item, clicking it opens the item, filters live in the URL, and the report works
with the network cut off."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from web_env import ARTIFACTS, NOW, LiveServer, Watched

from cast import ADMIN, OPERATOR, token_of
from flowdesk.reporting import chart_data, render_report
from flowdesk.services import analytics

pytestmark = pytest.mark.browser

DEMO_KEY = "CLM"  # the demo's priority-claims service, three weeks of it
SEEDED_KEY = "PRIO"  # the web tests' hand-built claims service

CHARTS = ("cfd", "scatter", "histogram", "sle", "throughput", "aging", "blockers", "efficiency",
          "how_many", "when", "demand-heatmap", "demand-inflow", "demand-mix-type",
          "demand-mix-customer")

# Per drawn canvas: how many sampled pixels are not transparent (Chart.js paints on a blank one);
# for the heat map (a table), how many of its cells show a figure.
PAINTED = """() => Array.from(document.querySelectorAll('#analytics [data-chart]')).map(card => {
  const table = card.querySelector('table.an-heatmap');
  if (table) {
    const shown = Array.from(table.querySelectorAll('td')).filter(td => td.textContent !== '');
    return [card.dataset.chart, table.hidden ? -1 : shown.length];
  }
  const box = card.querySelector('.an-box');
  if (!box || box.hidden) { return [card.dataset.chart, -1]; }
  const canvas = box.querySelector('canvas');
  const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  let painted = 0;
  for (let i = 3; i < pixels.length; i += 4 * 7) { if (pixels[i] > 0) { painted += 1; } }
  return [card.dataset.chart, painted];
})"""

# A dot of a chart that no other dot covers (or the first), in viewport pixels, with its key.
LONE_POINT = """(name) => {
  const chart = window.FlowdeskAnalytics.charts[name];
  const meta = chart.getDatasetMeta(0).data;
  const data = chart.data.datasets[0].data;
  const spot = (el) => Math.round(el.x / 4) + ':' + Math.round(el.y / 4);
  const count = {};
  meta.forEach((el) => { count[spot(el)] = (count[spot(el)] || 0) + 1; });
  let index = meta.findIndex((el) => count[spot(el)] === 1);
  if (index < 0) { index = 0; }
  const box = chart.canvas.getBoundingClientRect();
  return {x: box.left + meta[index].x, y: box.top + meta[index].y, key: data[index].key};
}"""


def page_url(server: LiveServer, query: str = "") -> str:
    return f"{server.url}/services/{DEMO_KEY}/analytics{query}"


def wait_drawn(p: Any, times: int = 1) -> None:
    # Functions, not expressions: the page's CSP forbids evaluating strings.
    p.wait_for_function(
        "(times) => Number(document.getElementById('analytics').dataset.drawn || 0) >= times",
        arg=times)


def assert_every_chart_drawn(p: Any) -> None:
    painted = dict(p.evaluate(PAINTED))
    assert set(painted) == set(CHARTS)
    blank = {name: n for name, n in painted.items() if n <= 0}
    assert blank == {}, f"charts not drawn: {blank}"


def hover_point(p: Any, chart: str) -> str:
    """Move the mouse onto a dot of `chart`; return the key of the item under it."""
    p.locator(f'[data-chart="{chart}"] canvas').scroll_into_view_if_needed()
    point = p.evaluate(LONE_POINT, chart)
    p.mouse.move(point["x"], point["y"])
    key: str = point["key"]
    return key


def test_the_analytics_page_draws_every_chart_and_hovering_a_dot_names_the_item(
        live_server: LiveServer, page: Watched) -> None:
    p = page.page
    p.goto(page_url(live_server))
    wait_drawn(p)
    assert_every_chart_drawn(p)
    assert p.text_content('[data-stat="delivered"] [data-value]').strip().isdigit()
    # In the service's zone, named: 09:00 UTC is 10:00 in Brussels.
    assert "as of 2026-03-02 10:00 (Europe/Brussels)" in p.text_content("[data-period]")
    # The customer's measures lead, before "delivered".
    for stat in ("promise", "customer_lead_time", "first_time_fix", "failure_demand"):
        assert p.text_content(f'[data-stat="{stat}"] [data-value]').strip() != "", stat
    assert p.text_content('[data-stat="customer_lead_time"] [data-value]').startswith("≤ ")
    assert "%" in p.text_content('[data-stat="first_time_fix"] [data-value]')
    order = p.evaluate("() => [...document.querySelectorAll('[data-stat]')]"
                       ".map(e => e.dataset.stat)")
    assert order[:5] == ["promise", "customer_lead_time", "first_time_fix", "failure_demand",
                         "delivered"]
    tip = p.locator("[data-tip]")
    for chart in ("scatter", "aging"):
        key = hover_point(p, chart)
        tip.wait_for(state="visible")
        p.wait_for_function("(key) => document.querySelector('[data-tip]').textContent"
                            ".includes(key)", arg=key)
        assert key.startswith(f"{DEMO_KEY}-")
        p.mouse.move(5, 5)
        tip.wait_for(state="hidden")
    p.evaluate("window.scrollTo(0, 0)")
    ARTIFACTS.mkdir(exist_ok=True)
    p.screenshot(path=str(ARTIFACTS / "analytics_page.png"), full_page=True)
    assert page.errors == []
    assert page.refused == []


def test_clicking_a_dot_opens_its_item(live_server: LiveServer, page: Watched) -> None:
    p = page.page
    p.goto(page_url(live_server))
    wait_drawn(p)
    key = hover_point(p, "scatter")
    p.mouse.down()
    p.mouse.up()
    p.wait_for_url(f"**/services/{DEMO_KEY}/items/{key}")
    assert key in p.content()
    assert page.errors == []


def test_filters_are_kept_in_the_url_and_survive_a_reload(live_server: LiveServer,
                                                          page: Watched) -> None:
    p = page.page
    p.goto(page_url(live_server))
    wait_drawn(p)
    p.select_option('select[name="class_of_service"]', "standard")
    p.wait_for_url("**class_of_service=standard**")
    wait_drawn(p, 2)
    p.fill('input[name="from"]', "2026-02-16")
    p.wait_for_url("**from=2026-02-16**")
    wait_drawn(p, 3)
    assert "class of service = standard" in p.text_content("[data-period]")
    assert p.text_content("[data-period]").startswith("16 Feb 2026 to 2 Mar 2026")
    p.reload()
    wait_drawn(p)
    assert p.input_value('select[name="class_of_service"]') == "standard"
    assert p.input_value('input[name="from"]') == "2026-02-16"
    assert "class of service = standard" in p.text_content("[data-period]")
    assert_every_chart_drawn(p)
    p.go_back()
    p.wait_for_function("() => !location.search.includes('from=')")
    wait_drawn(p, 2)
    assert p.input_value('input[name="from"]') == ""
    assert page.errors == []


def test_a_reversed_range_says_what_is_wrong_and_marks_the_field(
        live_server: LiveServer, page: Watched) -> None:
    p = page.page
    p.goto(page_url(live_server))
    wait_drawn(p)
    p.fill('input[name="to"]', "2026-02-01")
    p.fill('input[name="from"]', "2026-02-20")
    status = p.locator("[data-status]")
    p.wait_for_function("() => document.querySelector('[data-status]').textContent"
                        ".includes('from must be on or before to')")
    assert status.get_attribute("data-tone") == "error"
    assert p.get_attribute('input[name="from"]', "aria-invalid") == "true"
    assert page.errors == []


def test_the_offline_report_draws_its_charts_with_the_network_cut_off(
        live_server: LiveServer, page: Watched, tmp_path: Path) -> None:
    source = analytics.from_service(live_server.uow, OPERATOR, DEMO_KEY, NOW,
                                    with_promises=True)
    data = chart_data(source)
    served = httpx.get(f"{live_server.url}/api/v1/services/{DEMO_KEY}/metrics/charts",
                       headers={"Authorization": f"Bearer {token_of(live_server.uow, ADMIN)}"}
                       ).json()
    assert served == json.loads(json.dumps(data))  # the page and the report show one truth
    report = tmp_path / "report.html"
    report.write_text(render_report(data, NOW), encoding="utf-8")
    fetched: list[str] = []

    def refuse(route: Any) -> None:
        fetched.append(route.request.url)
        route.abort()

    p = page.page
    p.context.route("http://**/*", refuse)
    p.context.route("https://**/*", refuse)
    p.goto(report.as_uri())
    wait_drawn(p)
    assert_every_chart_drawn(p)
    assert p.text_content('[data-stat="lead_time"] [data-value]').startswith("≤ ")
    key = hover_point(p, "aging")
    p.wait_for_function("(key) => document.querySelector('[data-tip]').textContent"
                        ".includes(key)", arg=key)
    p.mouse.move(5, 5)
    p.evaluate("window.scrollTo(0, 0)")
    ARTIFACTS.mkdir(exist_ok=True)
    p.screenshot(path=str(ARTIFACTS / "flow_report.png"), full_page=True)
    assert fetched == []
    assert page.errors == []


def test_the_board_shows_flow_hints_and_links_to_its_analytics(live_server: LiveServer,
                                                                page: Watched) -> None:
    p, keys = page.page, live_server.seeded.keys
    p.goto(f"{live_server.url}/services/{SEEDED_KEY}/board")
    overdue = p.locator(f"#card-{keys['check_overdue']}")
    assert overdue.locator(".risk-flag").inner_text() == "At risk · 0% on time"
    hint = p.locator(f"#card-{keys['settle_a']} .age-hint.age-past-85")
    assert hint.is_visible()
    assert "older than 85% of the items delivered" in (hint.get_attribute("title") or "")
    assert p.locator(f"#card-{keys['ready_a']} .age-hint").count() == 0
    p.click("text=Analytics")
    p.wait_for_url(f"**/services/{SEEDED_KEY}/analytics")
    wait_drawn(p)
    assert_every_chart_drawn(p)
    assert page.errors == []
