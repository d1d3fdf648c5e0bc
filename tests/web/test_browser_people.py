"""People in a real browser: signing in through the form, a team member's drag and drop, a
viewer's board that offers nothing to change (and a forced request refused), and the account
pages on a phone."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from browser_helpers import board_url, card, cell, drag, wip_text
from web_env import ARTIFACTS, BROWSER_KEY, LiveServer, Watched, watch

from cast import OPERATOR
from flowdesk.domain.people import Actor
from flowdesk.services import accounts, members, queries
from flowdesk.services import items as uc
from flowdesk.services.accounts import NewUser
from flowdesk.services.commands import MoveItem

pytestmark = pytest.mark.browser

PASSWORD = "a long enough password"


def person(server: LiveServer, username: str, name: str, role: str) -> None:
    """An account with a password and one role in the seeded service."""
    accounts.create_user(server.uow, server.clock, OPERATOR,
                         NewUser(username, name, password=PASSWORD))
    members.put_member(server.uow, server.clock, OPERATOR, BROWSER_KEY, username, [role])


@pytest.fixture
def stranger(browser: Any, request: pytest.FixtureRequest) -> Iterator[Watched]:
    """A page in a browser nobody has signed in to yet."""
    context = browser.new_context(viewport={"width": 1440, "height": 1200}, bypass_csp=True)
    context.set_default_timeout(5_000)
    watched = watch(context.new_page())
    yield watched
    ARTIFACTS.mkdir(exist_ok=True)
    watched.page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"))
    context.close()


def sign_in_through_the_form(page: Any, server: LiveServer, username: str) -> None:
    """Ask for the board, get sent to sign in, and come back to the board."""
    page.goto(board_url(server))
    page.wait_for_url(lambda url: "/login?next=" in url)
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click(".account-form button[type=submit]")
    page.wait_for_url(board_url(server))
    page.wait_for_selector('#live[data-state="live"]')


def test_a_team_member_signs_in_through_the_form_and_drags_a_card_to_another_stage(
        live_server: LiveServer, stranger: Watched) -> None:
    person(live_server, "tess", "Tess Member", "team_member")
    p, st, key = stranger.page, live_server.seeded.stages, live_server.seeded.keys["ready_a"]
    sign_in_through_the_form(p, live_server, "tess")
    assert p.inner_text(".account-name") == "Tess Member"
    assert p.get_attribute("#board", "data-read-only") is None
    assert wip_text(p, st["Assess"]) == "2 / 4"
    drag(p, card(key), cell(st["Assess"]))
    p.wait_for_selector(f'{cell(st["Assess"])} {card(key)}:not(.is-pending)')
    p.wait_for_function(f'document.querySelector("#head-{st["Assess"]} [data-wip]")'
                        '.textContent === "3 / 4"')
    moved = queries.get_item(live_server.uow, OPERATOR, key)[0]
    assert moved.stage_id == st["Assess"]
    history = queries.item_history(live_server.uow, OPERATOR, key)
    assert history[-1].actor == "tess"  # the move is Tess's, from her session
    assert stranger.errors == []


def test_a_viewer_sees_no_drag_handles_or_forms_and_a_forced_move_is_refused(
        live_server: LiveServer, stranger: Watched) -> None:
    person(live_server, "vic", "Vic Viewer", "viewer")
    p, st, key = stranger.page, live_server.seeded.stages, live_server.seeded.keys["ready_a"]
    sign_in_through_the_form(p, live_server, "vic")
    assert p.get_attribute("#board", "data-read-only") == ""
    assert p.locator(".card").count() > 0
    assert p.locator(".move-btn, [data-move]").count() == 0
    assert p.locator("text=New request").count() == 0
    assert p.locator("main form:not(#board-filters)").count() == 0
    # Dragging does nothing: no handle to take, no request sent.
    requests: list[str] = []
    p.on("request", lambda r: requests.append(r.url) if r.method == "POST" else None)
    drag(p, card(key), cell(st["Assess"]))
    p.wait_for_timeout(300)
    assert p.locator(f'{cell(st["Ready"])} {card(key)}').count() == 1 and requests == []
    # The item panel reads, and offers nothing to change.
    p.click(f"{card(key)} .card-title")
    p.wait_for_selector("#panel .timeline")
    assert p.locator("#panel form").count() == 0
    # A move forced past the page, with the page's own security token, is refused.
    status, body = p.evaluate(
        """async ([key, stage]) => {
             const response = await fetch('/items/' + key + '/move', {
               method: 'POST', credentials: 'same-origin',
               headers: {'X-CSRF-Token': document.querySelector('meta[name=csrf-token]').content},
               body: new URLSearchParams({to_stage: String(stage)})});
             return [response.status, await response.json()];
           }""", [key, st["Assess"]])
    assert status == 403 and body["error"] == "forbidden"
    assert "Team member" in body["message"]
    assert queries.get_item(live_server.uow, OPERATOR, key)[0].stage_id == st["Ready"]
    # Someone else's move arrives live, still without a Move to… button.
    uc.move_item(live_server.uow, live_server.clock, Actor("ben", operator=True),
                 MoveItem(key, st["Assess"]))
    p.wait_for_selector(f'{cell(st["Assess"])} {card(key)}')
    assert p.locator(".move-btn, [data-move]").count() == 0
    assert stranger.errors == []


@pytest.mark.parametrize("path", ["/", "/services/PRIO/board", "/services/PRIO/people",
                                  "/my-work", "/admin/users", "/account/tokens"])
def test_the_top_bar_and_the_account_pages_fit_a_phone(live_server: LiveServer,
                                                        page: Watched, path: str) -> None:
    p = page.page
    p.set_viewport_size({"width": 390, "height": 844})
    p.goto(f"{live_server.url}{path}")
    assert p.locator(".account-nav").is_visible()
    fits = p.evaluate("""() => {
        const bar = document.querySelector('.topbar');
        return [bar.scrollWidth, bar.clientWidth, document.documentElement.scrollWidth];
    }""")
    assert fits[0] <= fits[1], f"the top bar overflows on {path}: {fits}"
    assert fits[2] <= 390, f"{path} is wider than the phone: {fits}"
    assert page.errors == []
