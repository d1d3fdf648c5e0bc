"""The analytics page, rendered on the server: the filters from the URL, the charts' places and
their explanations, local scripts only, and clear errors for bad addresses."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from web_seed import Seeded

PAGE = "/services/CLM/analytics"


def test_the_page_names_the_service_and_points_its_script_at_the_charts_api(
        client: TestClient, seeded: Seeded) -> None:
    response = client.get(PAGE)
    assert response.status_code == 200
    html = response.text
    assert "Priority claims" in html
    assert 'data-api="/api/v1/services/CLM/metrics/charts"' in html
    assert 'data-item-url="/services/CLM/items/{key}"' in html
    charts = ("cfd", "scatter", "histogram", "throughput", "aging", "blockers", "efficiency",
              "sle", "how_many", "when", "demand-heatmap", "demand-inflow", "demand-mix-type",
              "demand-mix-customer")
    for name in charts:
        assert f'data-chart="{name}"' in html
    assert html.count("How to read it:") == len(charts)
    assert 'href="/services/CLM/board"' in html


def test_scripts_and_styles_are_served_by_flowdesk_with_nothing_inline(
        client: TestClient, seeded: Seeded) -> None:
    html = client.get(PAGE).text
    sources = re.findall(r'<script src="([^"]+)"', html)
    assert [s.split("?")[0] for s in sources][-5:] == [
        "/static/vendor/chartjs/chart.umd.min.js", "/static/js/chartkit.js",
        "/static/js/flowcharts.js", "/static/js/demandcharts.js", "/static/js/analytics.js"]
    assert re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html) is None  # the CSP forbids inline
    assert "/static/css/analytics.css" in html
    for path in ("/static/js/chartkit.js", "/static/js/flowcharts.js", "/static/js/analytics.js",
                 "/static/js/demandcharts.js",
                 "/static/css/analytics.css", "/static/vendor/chartjs/chart.umd.min.js"):
        assert client.get(path).status_code == 200


def test_the_filters_in_the_url_are_shown_in_the_form(client: TestClient,
                                                      seeded: Seeded) -> None:
    html = client.get(PAGE, params={"from": "2026-02-01", "to": "2026-02-28", "type": "claim",
                                    "class_of_service": "fixed_date",
                                    "customer": "Contoso Travel"}).text
    assert 'name="from" value="2026-02-01"' in html
    assert 'name="to" value="2026-02-28"' in html
    assert "<option selected>claim</option>" in html
    assert '<option value="fixed_date" selected>' in html
    assert "<option selected>Contoso Travel</option>" in html


def test_a_bad_date_in_the_address_is_a_422_page_naming_it(client: TestClient,
                                                           seeded: Seeded) -> None:
    response = client.get(PAGE, params={"from": "2026-02-30"})
    assert response.status_code == 422
    assert "from must be a date like 2026-03-31" in response.text
    reversed_range = client.get(PAGE, params={"from": "2026-03-01", "to": "2026-02-01"})
    assert reversed_range.status_code == 422
    assert "from must be on or before to" in reversed_range.text
    bad_class = client.get(PAGE, params={"class_of_service": "urgent"})
    assert bad_class.status_code == 422
    assert "class of service must be one of" in bad_class.text


def test_an_unknown_service_has_no_analytics_page(client: TestClient) -> None:
    response = client.get("/services/NOPE/analytics")
    assert response.status_code == 404
    assert "text/html" in response.headers["content-type"]
