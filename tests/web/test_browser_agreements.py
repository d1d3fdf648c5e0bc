"""Service levels in a real browser: the card shows its entitlement in the service's zone and
the working time left; the item detail names the agreement, its version and why it applies."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from browser_env import BROWSER_USER
from web_env import LiveServer, Watched

from cast import OPERATOR
from flowdesk.domain.people import Role
from flowdesk.services import admin, agreements, members
from flowdesk.services import items as uc
from flowdesk.services.commands import CreateItem, CreateService

pytestmark = pytest.mark.browser

AGREEMENT = {"name": "Brussels standard", "cut_off": "12:00", "calendar": {
    "timezone": "Europe/Brussels", "working_days": ["mon", "tue", "wed", "thu", "fri"],
    "working_hours": ["09:00", "17:00"], "holidays": ["2026-12-25"]},
    "target": {"value": 1, "unit": "working_days", "share": 0.85}}


def test_the_card_shows_its_entitlement_in_the_service_s_zone_and_the_detail_names_the_agreement(
        live_server: LiveServer, page: Watched) -> None:
    uow, clock = live_server.uow, live_server.clock
    admin.create_service(uow, clock, OPERATOR, CreateService(
        key="BRU", name="Brussels desk", timezone="Europe/Brussels"))
    members.put_member(uow, clock, OPERATOR, "BRU", BROWSER_USER,
                       [Role.SERVICE_DELIVERY_MANAGER.value, Role.TEAM_MEMBER.value])
    made = agreements.create_agreement(uow, clock, OPERATOR, "BRU", AGREEMENT)
    clock.set(datetime(2026, 3, 3, 10, 40, tzinfo=UTC))  # Tuesday 11:40 in Brussels
    item = uc.create_item(uow, clock, OPERATOR, CreateItem("BRU", "Refund for Nordlys"))
    clock.set(datetime(2026, 3, 3, 14, 0, tzinfo=UTC))  # 15:00 in Brussels: 2 hours left
    p = page.page
    p.goto(f"{live_server.url}/services/BRU/board")
    sla = p.locator(f"#card-{item.key} .sla")
    sla.wait_for()
    shown = sla.inner_text()
    assert "same day" in shown and "2h 00m left" in shown
    assert "due Tue 3 Mar 17:00 (Europe/Brussels)" in shown
    assert sla.get_attribute("title") == (
        "same day: received Tue 11:40, before the 12:00 cut-off; due Tue 17:00 "
        "(Europe/Brussels)")
    p.click(f"#card-{item.key} .card-title")
    level = p.locator("#panel .service-level")
    level.wait_for()
    text = level.inner_text()
    assert f"“Brussels standard”, version {made.version}" in text
    assert "85% within 1 working day" in text
    assert "It covers the whole service" in text
    assert "received Tue 11:40, before the 12:00 cut-off" in text
    assert page.errors == []
