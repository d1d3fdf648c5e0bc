"""The workflow editor in a real browser: add a stage and drag a card into it, rename a stage
and find it under its new name on the board."""

from __future__ import annotations

import pytest
from browser_helpers import card, cell, drag, open_board
from web_env import BROWSER_KEY, LiveServer, Watched

from cast import OPERATOR
from flowdesk.services import queries

pytestmark = pytest.mark.browser


def editor_url(server: LiveServer) -> str:
    return f"{server.url}/services/{BROWSER_KEY}/workflow"


def stage_ids(server: LiveServer) -> dict[str, int]:
    service = queries.get_service(server.uow, OPERATOR, BROWSER_KEY)
    return {s.name: s.id for s in service.stages}


def test_add_a_stage_and_drag_a_card_into_it(live_server: LiveServer, page: Watched) -> None:
    p = page.page
    open_board(p, live_server)
    with p.expect_navigation():
        p.click('a.button[href$="/workflow"]')
    p.click("[data-add-stage]")
    new_row = p.locator("tr.is-new").last
    new_row.locator("[data-name]").fill("Approval")
    new_row.locator("[data-phase]").select_option("committed")
    new_row.locator("[data-kind]").select_option("queue")
    new_row.locator("[data-policy]").fill("A manager approves payouts above €1,000.")
    new_row.locator("[data-up]").click()  # before Check, after Settle
    with p.expect_navigation():
        p.click("button:has-text('Save the workflow')")
    assert "Workflow saved." in p.inner_text("main")
    assert "added stage 'Approval'" in p.inner_text(".workflow-history")
    st = stage_ids(live_server)
    assert list(st)[4:6] == ["Approval", "Check"]
    key = live_server.seeded.keys["settle_a"]
    open_board(p, live_server)
    assert p.get_attribute(f'#head-{st["Approval"]}', "data-name") == "Approval"
    drag(p, card(key), cell(st["Approval"]))
    p.wait_for_selector(f'{cell(st["Approval"])} {card(key)}:not(.is-pending)')
    p.reload()
    p.wait_for_selector(f'{cell(st["Approval"])} {card(key)}')
    assert page.errors == []


def test_rename_a_stage(live_server: LiveServer, page: Watched) -> None:
    p = page.page
    check = live_server.seeded.stages["Check"]
    p.goto(editor_url(live_server))
    name = p.locator('tr[data-stage-row] [data-name][value="Check"]')
    name.fill("Four eyes")
    with p.expect_navigation():
        p.click("button:has-text('Save the workflow')")
    assert "renamed 'Check' to 'Four eyes'" in p.inner_text(".workflow-history")
    open_board(p, live_server)
    assert p.get_attribute(f"#head-{check}", "data-name") == "Four eyes"
    assert "Four eyes" in p.inner_text(f"#head-{check}")
    # The card that was in it is still there, in the same stage.
    key = live_server.seeded.keys["check_overdue"]
    p.wait_for_selector(f"{cell(check, 'fixed_date')} {card(key)}")
    assert page.errors == []
