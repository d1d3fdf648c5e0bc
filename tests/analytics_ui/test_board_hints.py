"""Flow hints on the board: each card in progress shows its age against past lead times, items
unlikely to meet their due date are flagged, and computing them costs the board a fixed number
of queries however many cards it shows."""

from __future__ import annotations

import re
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import Engine
from web_env import NOW, web_post
from web_seed import DANA, Seeded

from cast import OPERATOR
from flowdesk.domain.clock import FixedClock
from flowdesk.services import items as uc
from flowdesk.services.commands import CreateItem, MoveItem
from flowdesk.storage.db import statements_run
from flowdesk.storage.unit_of_work import UnitOfWork
from flowdesk.web.hints import REFRESH, compute_hints, latest_hints

BOARD = "/services/CLM/board"


def card_html(html: str, key: str) -> str:
    found = re.search(rf'<article [^>]*id="card-{key}".*?</article>', html, re.S)
    assert found, f"no card {key}"
    return found.group(0)


def test_items_older_than_most_past_work_are_marked_in_colour_and_words(
        uow: UnitOfWork, seeded: Seeded) -> None:
    hints = compute_hints(uow, OPERATOR, "CLM", NOW)
    # Delivered claims took 1 or 2 calendar days; settle_a was committed on 25 February, so
    # on Monday 2 March it is in its 6th calendar day.
    settle = hints.for_item(seeded.keys["settle_a"])
    assert settle is not None
    assert (settle.tone, settle.age_days) == ("past-85", 6)
    assert "older than 85% of the items delivered in the last 180 days" in settle.title
    assert hints.for_item(seeded.keys["ready_a"]) is None  # not committed: no age yet
    assert hints.for_item(seeded.keys["done_0"]) is None  # delivered


def test_an_item_past_its_due_date_is_flagged_at_risk(uow: UnitOfWork, seeded: Seeded) -> None:
    hints = compute_hints(uow, OPERATOR, "CLM", NOW)
    overdue = hints.for_item(seeded.keys["check_overdue"])
    assert overdue is not None
    assert overdue.risk == "At risk · 0% on time"
    assert "chance of being done by the due date" in overdue.risk_title
    settle = hints.for_item(seeded.keys["settle_a"])
    assert settle is not None and settle.risk == ""  # no due date, nothing to miss


def test_cards_on_the_board_carry_the_hints(web: TestClient, seeded: Seeded) -> None:
    html = web.get(BOARD).text
    settle = card_html(html, seeded.keys["settle_a"])
    assert 'class="age-hint age-past-85"' in settle
    assert "older than 85% of the items delivered" in settle
    overdue = card_html(html, seeded.keys["check_overdue"])
    flag = r'<span class="risk-flag" title="A 0% chance[^"]*">At risk · 0% on time</span>'
    assert re.search(flag, overdue)
    ready = card_html(html, seeded.keys["ready_a"])
    assert "age-hint" not in ready and "risk-flag" not in ready
    # The board's own age badge is unchanged: the hint sits beside it.
    # and counts the same days as the hint.
    assert 'class="card-age" title="6 calendar days since commitment' in settle
    assert ">6d</span>" in settle


def test_a_moved_card_keeps_its_hint(web: TestClient, seeded: Seeded) -> None:
    web.get(BOARD)
    key = seeded.keys["settle_a"]
    reply = web_post(web, f"/items/{key}/move", {"to_stage": seeded.stages["Check"]})
    assert reply.status_code == 200, reply.text
    assert 'class="age-hint age-past-85"' in reply.json()["html"]
    assert latest_hints(web.app.state.uow, "clm").for_item(key) is not None


def test_hints_cost_the_board_the_same_queries_however_many_cards_it_shows(
        web: TestClient, seeded: Seeded, uow: UnitOfWork, engine: Engine,
        clock: FixedClock) -> None:
    # A new hour: the demand alerts the services page computed are read again, as they are
    # below (after changes, once REFRESH has passed), so both renders do the same work.
    web.app.state.clock.advance(timedelta(hours=1))
    with statements_run(engine) as before:  # the first render computes the hints
        assert web.get(BOARD).status_code == 200
    clock = FixedClock(clock.now())
    for n in range(12):  # twelve more cards in progress, each already past its due date
        item = uc.create_item(uow, clock, DANA, CreateItem(
            service_key="CLM", title=f"Extra claim {n}", type="claim",
            due_date=NOW.date() - timedelta(days=1)))
        uc.move_item(uow, clock, DANA, MoveItem(item.key, seeded.stages["Assess"],
                                                override_reason="a busy Monday"))
    web.app.state.clock.advance(REFRESH + timedelta(seconds=1))  # past the cache: recomputed
    with statements_run(engine) as after:
        html = web.get(BOARD).text
    assert html.count('class="risk-flag"') == 12 + 1
    assert len(after) == len(before)


def test_hints_are_reused_while_nothing_changes_and_refreshed_a_minute_after_a_change(
        web: TestClient, seeded: Seeded, uow: UnitOfWork, engine: Engine,
        clock: FixedClock) -> None:
    with statements_run(engine) as computed:
        web.get(BOARD)
    clock.advance(REFRESH * 5)
    with statements_run(engine) as unchanged:
        web.get(BOARD)
    assert len(unchanged) < len(computed)  # nothing happened: the history is not read again
    item = uc.create_item(uow, clock, DANA, CreateItem(
        service_key="CLM", title="Late claim", type="claim",
        due_date=clock.now().date() - timedelta(days=1)))
    uc.move_item(uow, clock, DANA, MoveItem(item.key, seeded.stages["Assess"],
                                            override_reason="a busy Monday"))
    web.get(BOARD)  # recomputed: the log changed and the hints were older than a minute
    clock.advance(timedelta(seconds=10))
    late = uc.create_item(uow, clock, DANA, CreateItem(
        service_key="CLM", title="Another late claim", type="claim",
        due_date=clock.now().date() - timedelta(days=1)))
    uc.move_item(uow, clock, DANA, MoveItem(late.key, seeded.stages["Assess"],
                                            override_reason="a busy Monday"))
    board = web.get(BOARD).text
    assert item.key in card_keys_with_hints(board)
    assert late.key not in card_keys_with_hints(board)  # within the minute: not yet
    clock.advance(REFRESH)
    assert late.key in card_keys_with_hints(web.get(BOARD).text)


def card_keys_with_hints(html: str) -> set[str]:
    return {key for key in re.findall(r'data-key="([A-Z]+-\d+)"', html)
            if 'class="risk-flag"' in card_html(html, key)}
