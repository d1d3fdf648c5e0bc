"""A service's whole life in a real browser: created from a template, its limits set in the
board's header, archived and restored, and the demo a first run loaded removed."""

from __future__ import annotations

import pytest
from browser_helpers import board_url, open_board, wip_text
from web_env import BROWSER_KEY, LiveServer, Watched

from cast import OPERATOR
from flowdesk.domain.classes import ClassOfService
from flowdesk.services import queries

pytestmark = pytest.mark.browser


def tile_keys(p: object) -> list[str]:
    return list(p.locator(".service-list .service-key").all_inner_texts())  # type: ignore[attr-defined]


def test_create_a_service_from_a_template(live_server: LiveServer, page: Watched) -> None:
    p = page.page
    p.goto(f"{live_server.url}/")
    p.click("#new-service")
    p.wait_for_url(f"{live_server.url}/services/new")
    p.check("#template-software-delivery")
    p.fill("#new-key", "pay")
    p.fill("#new-name", "Payments team")
    p.fill("#new-description", "Payments for **every** agency.\n\n<script>alert(1)</script>")
    p.fill("#new-timezone", "Europe/Brussels")
    p.fill("#new-item_types", "story, bug")
    with p.expect_navigation():
        p.click("#new-service-form button[type=submit]")
    assert p.url == f"{live_server.url}/services/PAY/board"
    p.wait_for_selector('#live[data-state="live"]')
    heads = p.locator(".col-head h2").all_inner_texts()
    assert heads == ["Ideas", "Ready", "Develop", "Review", "Test", "Released", "Dropped"]
    service = queries.get_service(live_server.uow, OPERATOR, "PAY")
    assert service.timezone == "Europe/Brussels" and service.item_types == ("story", "bug")
    # The services page shows the description as Markdown, sanitised, not raw.
    p.goto(f"{live_server.url}/")
    description = p.locator(".service-tile:has(.service-key:text-is('PAY')) .service-desc")
    assert description.locator("strong").inner_text() == "every"
    assert "**" not in description.inner_text() and "<script>" not in description.inner_html()
    # A key that is taken is refused on the form, by the field, and nothing is made.
    p.goto(f"{live_server.url}/services/new")
    p.fill("#new-key", "PAY")
    p.fill("#new-name", "Again")
    p.click("#new-service-form button[type=submit]")
    assert "already exists" in p.inner_text("#err-key")
    assert page.errors == []


def test_set_a_limit_in_the_header(live_server: LiveServer, page: Watched) -> None:
    p, st = page.page, live_server.seeded.stages
    open_board(p, live_server)
    before = wip_text(p, st["Check"])
    count = before.split(" / ")[0]
    # A stage's limit, from its column's header.
    p.click(f'#head-{st["Check"]} .policy-button')
    p.fill(f'#limit-{st["Check"]}', "7")
    with p.expect_navigation():
        p.click(f'#policy-{st["Check"]} .limit-form button[type=submit]')
    assert wip_text(p, st["Check"]) == f"{count} / 7"
    # A class's limit, shown on the board itself, not only in a popover.
    assert p.inner_text("#class-limit-fixed_date [data-limit]") == "no limit"
    p.click("#class-limit-fixed_date button")
    p.fill("#class-limit-input-fixed_date", "2")
    with p.expect_navigation():
        p.click("#class-edit-fixed_date .limit-form button[type=submit]")
    assert p.inner_text("#class-limit-fixed_date [data-limit]") == "≤ 2"
    # The personal limit, likewise.
    p.click("#person-limit button")
    p.fill("#person-limit-input", "3")
    with p.expect_navigation():
        p.click("#person-edit .limit-form button[type=submit]")
    assert p.inner_text("#person-limit [data-limit]") == "≤ 3 each"
    # A limit below 1 is refused, and said so on the board; nothing changes.
    p.click(f'#head-{st["Check"]} .policy-button')
    p.fill(f'#limit-{st["Check"]}', "-1")
    p.click(f'#policy-{st["Check"]} .limit-form button[type=submit]')
    p.wait_for_selector("#limit-error")
    assert "at least 1" in p.inner_text("#limit-error")
    # A policy is Markdown, with a preview before it is saved.
    p.goto(board_url(live_server))
    p.click(f'#head-{st["Check"]} .policy-button')
    p.fill(f'#policy-text-{st["Check"]}', "Four eyes: **two** handlers.")
    p.click(f'#policy-{st["Check"]} .policy-form button[type=button]')
    p.wait_for_selector(f'#policy-{st["Check"]} .policy-preview strong')
    assert p.inner_text(f'#policy-{st["Check"]} .policy-preview strong') == "two"
    with p.expect_navigation():
        p.click(f'#policy-{st["Check"]} .policy-form button[type=submit]')
    service = queries.get_service(live_server.uow, OPERATOR, BROWSER_KEY)
    check = service.stage(st["Check"])
    assert (check.wip_limit, check.policy) == (7, "Four eyes: **two** handlers.")
    assert service.class_policy(ClassOfService.FIXED_DATE).wip_limit == 2
    assert service.person_wip_limit == 3
    assert page.errors == []


def test_archive_and_restore_the_service(live_server: LiveServer, page: Watched) -> None:
    p = page.page
    p.goto(f"{live_server.url}/")
    assert BROWSER_KEY in tile_keys(p)
    with p.expect_navigation():
        p.click(f"#archive-{BROWSER_KEY}")
    assert BROWSER_KEY not in tile_keys(p)
    assert "is archived" in p.inner_text(".form-ok")
    assert p.locator(f"#archived-services #restore-{BROWSER_KEY}").is_visible()
    # Its board still reads, with its history, but offers nothing to change.
    open_board(p, live_server)
    assert "read-only" in p.inner_text("#archived-banner")
    assert p.get_attribute("#board", "data-read-only") == ""
    assert p.locator("text=New request").count() == 0
    assert p.locator(".limit-form, .policy-form").count() == 0
    p.goto(f"{live_server.url}/services/{BROWSER_KEY}/analytics")
    assert p.locator("h1").count() == 1
    open_board(p, live_server)
    with p.expect_navigation():
        p.click("#restore-service")
    p.wait_for_selector('#live[data-state="live"]')
    assert p.locator("#archived-banner").count() == 0
    assert p.get_attribute("#board", "data-read-only") is None
    p.goto(f"{live_server.url}/")
    assert BROWSER_KEY in tile_keys(p)
    assert p.locator("#archived-services").count() == 0
    assert page.errors == []


def test_remove_the_demo(live_server: LiveServer, page: Watched) -> None:
    p = page.page
    p.goto(f"{live_server.url}/")
    note = p.inner_text("#demo-note")
    assert "CLM" in note and "INT" in note
    assert set(tile_keys(p)) >= {"CLM", "INT", BROWSER_KEY}
    with p.expect_navigation():
        p.click("#remove-demo")
    assert "Deleted CLM and INT" in p.inner_text(".form-ok")
    assert p.locator("#demo-note").count() == 0
    assert tile_keys(p) == [BROWSER_KEY]
    p.goto(f"{live_server.url}/services/CLM/board")
    assert p.locator("h1").first.inner_text() != "Priority-client claims"
    assert page.errors == [] or all("404" in e for e in page.errors)
