"""The board in a real browser: drag and drop, WIP refusals and overrides, blockers, live
updates between two browsers, the keyboard menu, and descriptions that must not run."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import pytest
from browser_env import sign_in
from browser_helpers import board_url, card, cell, drag, drag_to_top, open_board, wip_text
from web_env import ARTIFACTS, BROWSER_KEY, LiveServer, Watched, watch

from flowdesk.domain.people import Actor
from flowdesk.http import csrf
from flowdesk.services import items as uc
from flowdesk.services.commands import CreateItem, MoveItem
from flowdesk.web import board_page

pytestmark = pytest.mark.browser

REFUSAL = "WIP limit reached for stage 'Settle': 3 of 3 (all items in stage 'Settle')"


def test_dragging_a_card_into_a_stage_with_room_moves_it_and_it_stays_after_reload(
        live_server: LiveServer, page: Watched) -> None:
    p, st, key = page.page, live_server.seeded.stages, live_server.seeded.keys["ready_a"]
    open_board(p, live_server)
    assert wip_text(p, st["Assess"]) == "2 / 4"
    drag(p, card(key), cell(st["Assess"]))
    p.wait_for_selector(f'{cell(st["Assess"])} {card(key)}:not(.is-pending)')
    p.wait_for_function(f'document.querySelector("#head-{st["Assess"]} [data-wip]")'
                        '.textContent === "3 / 4"')
    p.reload()
    p.wait_for_selector(f'{cell(st["Assess"])} {card(key)}')
    assert wip_text(p, st["Assess"]) == "3 / 4"
    assert wip_text(p, st["Ready"]) == "3 / 6"
    assert page.errors == []


def test_dragging_into_a_full_stage_is_refused_with_the_limit_count_and_scope(
        live_server: LiveServer, page: Watched) -> None:
    p, st, key = page.page, live_server.seeded.stages, live_server.seeded.keys["assess"]
    open_board(p, live_server)
    assert wip_text(p, st["Settle"]) == "3 / 3"
    assert p.text_content(f'#head-{st["Settle"]} [data-flag]') == "At limit"
    drag(p, card(key), cell(st["Settle"]))
    dialog = p.locator("#refusal")
    dialog.wait_for(state="visible")
    assert REFUSAL in dialog.inner_text()
    assert dialog.locator("[data-pull-anyway]").is_visible()
    p.screenshot(path=str(_artifact("refusal_dialog")))
    # The card went back where it was, and nothing changed on the server.
    p.wait_for_selector(f'{cell(st["Assess"])} {card(key)}:not(.is-pending)')
    assert wip_text(p, st["Settle"]) == "3 / 3"
    dialog.locator("[data-close-dialog]").click()
    p.reload()
    p.wait_for_selector(f'{cell(st["Assess"])} {card(key)}')


def test_pull_anyway_with_a_reason_moves_the_card_and_the_override_is_in_its_history(
        live_server: LiveServer, page: Watched) -> None:
    p, st, key = page.page, live_server.seeded.stages, live_server.seeded.keys["assess"]
    open_board(p, live_server)
    drag(p, card(key), cell(st["Settle"]))
    dialog = p.locator("#refusal")
    dialog.locator("[data-pull-anyway]").click()
    dialog.locator("[data-confirm]").click()  # no reason yet: it asks for one
    assert dialog.locator("[data-reason-error]").is_visible()
    dialog.locator("[data-reason]").fill("Client is a hospital; payment runs today")
    dialog.locator("[data-confirm]").click()
    p.wait_for_selector(f'{cell(st["Settle"])} {card(key)}:not(.is-pending)')
    p.wait_for_function(f'document.querySelector("#head-{st["Settle"]} [data-wip]")'
                        '.textContent === "4 / 3"')
    assert p.text_content(f'#head-{st["Settle"]} [data-flag]') == "Over limit"
    p.click(f"{card(key)} .card-title")
    history = p.locator("#panel .timeline")
    history.wait_for()
    text = history.inner_text()
    assert "Pulled past a WIP limit" in text
    assert "Client is a hospital; payment runs today" in text
    assert REFUSAL in text
    assert p.url.endswith(f"/services/{BROWSER_KEY}/items/{key}")
    assert page.errors == []


def test_blocking_a_card_shows_its_badge_and_unblocking_removes_it(
        live_server: LiveServer, page: Watched) -> None:
    p, key = page.page, live_server.seeded.keys["ready_b"]
    open_board(p, live_server)
    assert p.locator(f"{card(key)} .blocker").count() == 0
    p.click(f"{card(key)} .card-title")
    panel = p.locator("#panel")
    panel.locator("summary", has_text="Block").click()
    panel.locator("#block-category").select_option("customer")
    panel.locator("#block-reason").fill("Waiting for the police report")
    panel.locator("button", has_text="Block").last.click()
    badge = p.locator(f"{card(key)} .blocker")
    badge.wait_for()
    assert "customer" in badge.inner_text()
    assert "Waiting for the police report" in badge.inner_text()
    panel.locator("button", has_text="Unblock").click()
    badge.wait_for(state="detached")
    assert "Unblocked (customer)" in panel.locator(".timeline").inner_text()
    assert page.errors == []


def test_a_move_in_one_browser_appears_in_another_within_a_second(
        live_server: LiveServer, page: Watched, browser: Any) -> None:
    st, keys = live_server.seeded.stages, live_server.seeded.keys
    other_context = browser.new_context(viewport={"width": 1440, "height": 1200},
                                        bypass_csp=True)
    try:
        sign_in(other_context, live_server)
        other = watch(other_context.new_page())
        open_board(page.page, live_server)
        open_board(other.page, live_server)
        with page.page.expect_response("**/move") as moved:
            drag(page.page, card(keys["ready_a"]), cell(st["Assess"]))
        assert moved.value.ok
        started = time.monotonic()
        other.page.wait_for_selector(f'{cell(st["Assess"])} {card(keys["ready_a"])}',
                                     timeout=1_000)
        other.page.wait_for_function(
            f'document.querySelector("#head-{st["Assess"]} [data-wip]").textContent === "3 / 4"',
            timeout=1_000)
        assert time.monotonic() - started < 1.0
        # An edit made elsewhere (here, straight through the use case) arrives too.
        uc.create_item(live_server.uow, live_server.clock, Actor("ben", operator=True), CreateItem(
            service_key=BROWSER_KEY, title="Delayed baggage, Oslo", customer="Tailspin Tours"))
        other.page.wait_for_selector("text=Delayed baggage, Oslo", timeout=1_000)
        page.page.wait_for_selector("text=Delayed baggage, Oslo", timeout=1_000)
        other.page.screenshot(path=str(_artifact("second_browser_after_live_update")))
        assert other.errors == []
    finally:
        other_context.close()


def test_the_keyboard_move_to_menu_moves_a_card(live_server: LiveServer,
                                                page: Watched) -> None:
    p, st, key = page.page, live_server.seeded.stages, live_server.seeded.keys["ready_a"]
    open_board(p, live_server)
    p.focus(f"{card(key)} [data-move]")
    p.keyboard.press("Enter")
    menu = p.locator("#move-menu")
    menu.wait_for(state="visible")
    for _ in range(12):
        focused = p.evaluate("document.activeElement.textContent")
        if focused.startswith("Assess"):
            break
        p.keyboard.press("ArrowDown")
    assert p.evaluate("document.activeElement.textContent").startswith("Assess")
    p.keyboard.press("Enter")
    p.wait_for_selector(f'{cell(st["Assess"])} {card(key)}:not(.is-pending)')
    p.wait_for_function(f'document.querySelector("#head-{st["Assess"]} [data-wip]")'
                        '.textContent === "3 / 4"')
    assert p.evaluate("document.activeElement.closest('.card')?.id") == f"card-{key}"
    p.reload()
    p.wait_for_selector(f'{cell(st["Assess"])} {card(key)}')


def test_a_description_with_script_or_onerror_does_not_run(live_server: LiveServer,
                                                           page: Watched) -> None:
    hostile = ('<script>alert("script ran")</script>\n\n<img src=x onerror="alert(\'img\')">\n\n'
               '[click me](javascript:alert("link")) <a href="#" onclick="alert(1)">a</a>')
    mallory = Actor("mallory", operator=True)
    item = uc.create_item(live_server.uow, live_server.clock, mallory, CreateItem(
        service_key=BROWSER_KEY, title='<img src=x onerror="alert(\'title\')">Refund',
        description=hostile))
    p = page.page
    open_board(p, live_server)
    p.click(f"{card(item.key)} .card-title")
    description = p.locator("#panel .description")
    description.wait_for()
    assert '<script>alert("script ran")</script>' in description.inner_text()
    assert description.locator("script, img, a[href^=javascript], [onclick]").count() == 0
    p.wait_for_timeout(300)  # give anything that might run the time to run
    assert page.dialogs == []
    assert page.errors == []
    assert page.refused == []


def test_the_demo_board_renders_without_errors(live_server: LiveServer,
                                               page: Watched) -> None:
    p = page.page
    p.goto(f"{live_server.url}/")
    links = p.locator(".service-link")
    assert links.count() >= 1
    p.goto(f"{live_server.url}/services/CLM/board")
    p.wait_for_selector('#live[data-state="live"]')
    assert p.locator(".card").count() > 0
    assert page.errors == []
    p.set_viewport_size({"width": 2560, "height": 1440})  # a wall screen
    p.screenshot(path=str(_artifact("demo_board_on_a_wall_screen")))
    assert board_url(live_server).startswith(live_server.url)


def _artifact(name: str) -> Any:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS / f"{name}.png"


def test_lanes_filters_and_search_are_kept_in_the_url(live_server: LiveServer,
                                                      page: Watched) -> None:
    p, keys = page.page, live_server.seeded.keys
    open_board(p, live_server)
    p.select_option('#board-filters select[name="lanes"]', "customer")
    p.wait_for_selector('.lane[data-lane="Tailspin Tours"]')
    assert p.url.endswith("/board?lanes=customer")
    p.fill('#board-filters input[name="q"]', "barcelona")
    p.wait_for_function("document.querySelectorAll('#board .card').length === 1")
    assert p.locator(card(keys["ready_b"])).is_visible()
    assert p.url.endswith("/board?lanes=customer&q=barcelona")
    p.reload()
    p.wait_for_selector('#live[data-state="live"]')
    assert p.locator("#board .card").count() == 1
    assert p.input_value('#board-filters input[name="q"]') == "barcelona"
    # A filtered board still gets live changes that match it, and only those.
    uc.create_item(live_server.uow, live_server.clock, Actor("ben", operator=True), CreateItem(
        service_key=BROWSER_KEY, title="Stolen bag, Barcelona airport", customer="Contoso"))
    uc.create_item(live_server.uow, live_server.clock, Actor("ben", operator=True), CreateItem(
        service_key=BROWSER_KEY, title="Delayed flight, Oslo"))
    p.wait_for_selector("text=Stolen bag, Barcelona airport")
    assert p.locator("text=Delayed flight, Oslo").count() == 0
    # The address is the server's canonical one (the order BoardQuery.params writes, values
    # trimmed), whatever order the filters were set in: the same view has one URL to share.
    p.check('#board-filters input[name="blocked"]')
    p.wait_for_url("**/board?lanes=customer&q=barcelona&blocked=1")
    p.fill('#board-filters input[name="q"]', "  barcelona ")
    p.select_option('#board-filters select[name="type"]', "claim")
    p.wait_for_url("**/board?lanes=customer&type=claim&q=barcelona&blocked=1")
    assert page.errors == []


def test_a_new_request_with_a_mistake_keeps_what_was_typed_and_then_lands_upstream(
        live_server: LiveServer, page: Watched) -> None:
    p, st = page.page, live_server.seeded.stages
    open_board(p, live_server)
    p.click("text=New request")
    form = p.locator("#panel form")
    form.wait_for()
    assert p.url.endswith(f"/services/{BROWSER_KEY}/new")
    p.fill("#new-title", "Lost passport, Lima")
    p.select_option("#new-cos", "fixed_date")
    p.fill("#new-customer", "Tailspin Tours")
    p.fill("#new-description", "Embassy appointment on **Friday**.")
    p.click("text=Create request")
    error = p.locator("#panel .field-error")
    error.wait_for()
    assert "needs a due date" in error.inner_text()
    assert p.input_value("#new-title") == "Lost passport, Lima"
    assert p.input_value("#new-customer") == "Tailspin Tours"
    p.screenshot(path=str(_artifact("new_request_with_a_field_error")))
    p.fill("#new-due", "2026-03-06")
    p.click("text=Create request")
    p.wait_for_selector("#panel h2:has-text('Lost passport, Lima')")
    p.wait_for_selector(f'.cell[data-stage="{st["Options"]}"] >> text=Lost passport, Lima')
    assert "/items/" in p.url
    assert page.errors == []


def test_a_move_that_fails_otherwise_is_undone_visibly(live_server: LiveServer,
                                                        page: Watched) -> None:
    p, st, key = page.page, live_server.seeded.stages, live_server.seeded.keys["ready_a"]
    open_board(p, live_server)
    p.route("**/items/*/move", lambda route: route.abort("connectionrefused"))
    drag(p, card(key), cell(st["Assess"]))
    toast = p.locator(".toast", has_text="Could not reach Flowdesk")
    toast.wait_for()
    assert f"{key} was put back" in toast.inner_text()
    p.wait_for_selector(f'{cell(st["Ready"])} {card(key)}.is-returned')
    p.unroute("**/items/*/move")
    # Someone else changed the card meanwhile: the server refuses the old version (412).
    p.route("**/items/*/move", lambda route: route.fulfill(
        status=412, content_type="application/json",
        body='{"error": "stale_version", "message": "the item changed", "field": "If-Match"}'))
    drag(p, card(key), cell(st["Assess"]))
    p.locator(".toast", has_text="changed since this board was loaded").wait_for()
    p.wait_for_selector(f'{cell(st["Ready"])} {card(key)}')
    assert wip_text(p, st["Assess"]) == "2 / 4"
    assert page.errors == []


def _keys_in(p: Any, selector: str) -> list[str]:
    keys: list[str] = p.eval_on_selector_all(f"{selector} .card",
                                             "cs => cs.map(c => c.dataset.key)")
    return keys


def test_a_live_update_lands_in_rank_order_within_its_own_lane(live_server: LiveServer,
                                                               page: Watched) -> None:
    p, st, k = page.page, live_server.seeded.stages, live_server.seeded.keys
    open_board(p, live_server)
    ready = cell(st["Ready"])
    assert _keys_in(p, ready) == [k["ready_a"], k["ready_b"]]
    ben = Actor("ben", operator=True)
    # Ready becomes ready_a, ready_due (fixed date lane), ready_b, ready_expedite...
    uc.move_item(live_server.uow, live_server.clock, ben,
                 MoveItem(k["ready_due"], st["Ready"], before=k["ready_b"]))
    # ...and a standard card lands just before ready_due: in the stage its next card is in
    # another lane, but in its own lane it goes between ready_a and ready_b.
    uc.move_item(live_server.uow, live_server.clock, ben,
                 MoveItem(k["option_0"], st["Ready"], before=k["ready_due"]))
    p.wait_for_selector(f"{ready} {card(k['option_0'])}")
    assert _keys_in(p, ready) == [k["ready_a"], k["option_0"], k["ready_b"]]
    p.reload()
    p.wait_for_selector(f"{ready} {card(k['option_0'])}")
    assert _keys_in(p, ready) == [k["ready_a"], k["option_0"], k["ready_b"]]
    assert page.errors == []


def test_live_deliveries_keep_the_done_column_to_the_servers_cap(
        live_server: LiveServer, page: Watched, monkeypatch: pytest.MonkeyPatch) -> None:
    p, st, k = page.page, live_server.seeded.stages, live_server.seeded.keys
    monkeypatch.setattr(board_page, "CLOSED_PER_COLUMN", 3)
    open_board(p, live_server, "?lanes=none")
    done = cell(st["Done"], "all")
    assert _keys_in(p, done) == [k["done_3"], k["done_2"], k["done_1"]]
    uc.move_item(live_server.uow, live_server.clock, Actor("ben", operator=True),
                 MoveItem(k["check_overdue"], st["Done"]))
    p.wait_for_selector(f"{done} {card(k['check_overdue'])}")
    assert _keys_in(p, done) == [k["check_overdue"], k["done_3"], k["done_2"]]
    assert page.errors == []


def test_live_deliveries_drop_cards_that_left_the_done_window(live_server: LiveServer,
                                                              page: Watched) -> None:
    p, st, k = page.page, live_server.seeded.stages, live_server.seeded.keys
    open_board(p, live_server, "?lanes=none")
    done = cell(st["Done"], "all")
    assert _keys_in(p, done) == [k["done_3"], k["done_2"], k["done_1"], k["done_0"]]
    # The page stays open while a week and a half passes on the server's clock.
    live_server.clock.advance(timedelta(days=8, hours=12))
    uc.move_item(live_server.uow, live_server.clock, Actor("ben", operator=True),
                 MoveItem(k["check_overdue"], st["Done"]))
    p.wait_for_selector(f"{done} {card(k['check_overdue'])}")
    # Only deliveries from the last 14 days of the server's clock stay (done_3 is 5.3 days old).
    assert _keys_in(p, done) == [k["check_overdue"], k["done_3"]]
    assert "from the last 14 days" in p.inner_text(f'.col-foot[data-stage="{st["Done"]}"]')
    assert page.errors == []


def test_a_move_refused_for_a_stale_security_token_says_so(live_server: LiveServer,
                                                           page: Watched,
                                                           context: Any) -> None:
    p, st, key = page.page, live_server.seeded.stages, live_server.seeded.keys["ready_a"]
    open_board(p, live_server)
    # Another tab replaced the cookie (say, after a visit from a link elsewhere).
    context.add_cookies([{"name": "flowdesk_csrf", "value": csrf.new_token("browser-tests"),
                          "url": live_server.url}])
    drag(p, card(key), cell(st["Assess"]))
    toast = p.locator(".toast", has_text="security token")
    toast.wait_for()
    assert f"{key} was put back" in toast.inner_text()
    p.wait_for_selector(f'{cell(st["Ready"])} {card(key)}')
    assert page.errors == []


def test_the_board_offers_done_only_from_the_stage_work_is_delivered_from(
        live_server: LiveServer, page: Watched) -> None:
    p, st, key = page.page, live_server.seeded.stages, live_server.seeded.keys["ready_a"]
    open_board(p, live_server)
    done_before = wip_text(p, st["Done"])
    # The keyboard menu shows Done, but not as a choice, and says why.
    p.focus(f"{card(key)} [data-move]")
    p.keyboard.press("Enter")
    menu = p.locator("#move-menu")
    menu.wait_for(state="visible")
    done = menu.locator(".move-option", has_text="Done")
    assert done.is_disabled()
    assert "delivered only from Check" in done.inner_text()
    assert not menu.locator(".move-option", has_text="Assess").is_disabled()
    p.keyboard.press("Escape")
    # Dropped on Done, the card goes back where it was, saying why, and nothing is sent.
    sent: list[str] = []
    p.on("request", lambda request: sent.append(request.url) if request.method == "POST" else None)
    drag_to_top(p, card(key), cell(st["Done"]))  # Done scrolls: its top is on screen
    p.wait_for_selector(f'{cell(st["Ready"])} {card(key)}')
    assert "work is delivered only from Check" in p.inner_text("#toasts")
    assert sent == []
    assert wip_text(p, st["Done"]) == done_before
    p.reload()
    p.wait_for_selector(f'{cell(st["Ready"])} {card(key)}')
    assert page.errors == []
