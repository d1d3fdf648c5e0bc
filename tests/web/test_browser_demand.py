"""Demand alerts in a real browser: on the demo's outage morning the claims board shows the
inflow drop in a banner, and acknowledging it with a note settles it where everyone sees it."""

from __future__ import annotations

import pytest
from web_env import LiveServer, Watched

pytestmark = pytest.mark.browser


def test_the_demand_banner_appears_on_the_board_and_can_be_acknowledged(
        live_server: LiveServer, page: Watched) -> None:
    # The demo's period ends on its outage day, the claims' intake down until 11:00: at 11:40
    # in Brussels nothing came in before 11:00.
    live_server.clock.set(live_server.clock.now().replace(hour=10, minute=40))
    p = page.page
    p.goto(f"{live_server.url}/services/CLM/board")
    p.wait_for_selector('#live[data-state="live"]')
    drop = p.locator('#alert-CLM-inflow_drop')
    assert drop.is_visible()
    assert "Inflow by 11:00 is 0% of a usual Monday" in drop.inner_text()
    assert "CRITICAL" in drop.inner_text()  # upper case by its style

    drop.locator("summary", has_text="Acknowledge").click()
    note = "The agencies' data hub is down; they resend at 11:00. Triage ready for the surge."
    drop.locator("textarea[name=note]").fill(note)
    with p.expect_navigation():
        drop.locator("button", has_text="Acknowledge").click()
    assert p.url.endswith("/services/CLM/board#alerts-CLM")

    banner = p.locator("#alerts-CLM")
    assert p.locator("#alerts-CLM .alert-line.alert-critical").count() == 0  # no longer nags
    settled = banner.locator("details[data-settled]")
    assert "1 acknowledged alert today" in settled.locator("summary").inner_text()
    assert not settled.locator(".ack-by").is_visible()  # collapsed
    settled.locator("summary").click()
    said = settled.locator(".ack-by").inner_text()
    assert "Acknowledged by olivia at 11:40" in said and note in said

    p.goto(f"{live_server.url}/")  # the services page tells the same, collapsed too
    assert "1 acknowledged alert today" in p.locator("#alerts-CLM").inner_text()
    assert note in (p.locator("#alerts-CLM").text_content() or "")
    assert page.errors == []


def test_an_acknowledgement_made_elsewhere_settles_the_banner_of_an_open_board(
        live_server: LiveServer, page: Watched, context: object) -> None:
    live_server.clock.set(live_server.clock.now().replace(hour=10, minute=40))
    watching = page.page
    watching.goto(f"{live_server.url}/services/CLM/board")
    watching.wait_for_selector('#live[data-state="live"]')
    assert watching.locator("#alerts-CLM .alert-line.alert-critical").count() == 1

    other = context.new_page()  # type: ignore[attr-defined]
    other.goto(f"{live_server.url}/services/CLM/demand")
    drop = other.locator("#alert-CLM-inflow_drop")
    drop.locator("summary", has_text="Acknowledge").click()
    drop.locator("textarea[name=note]").fill("Data hub down; the surge comes at 11:00.")
    with other.expect_navigation():
        drop.locator("button", has_text="Acknowledge").click()

    # The open board is not reloaded: its live stream resyncs and fetches the banner again.
    watching.wait_for_selector("#alerts-CLM details[data-settled]", timeout=10_000)
    assert watching.locator("#alerts-CLM .alert-line.alert-critical").count() == 0
    assert "1 acknowledged alert today" in watching.locator("#alerts-CLM").inner_text()
    assert page.errors == []
