"""Steps the browser tests share: open a board, find a cell or a card, drag like a person."""

from __future__ import annotations

from typing import Any

from web_env import BROWSER_KEY, LiveServer


def board_url(server: LiveServer, query: str = "") -> str:
    return f"{server.url}/services/{BROWSER_KEY}/board{query}"


def open_board(page: Any, server: LiveServer, query: str = "") -> None:
    """Open the seeded board and wait until its live stream is connected."""
    page.goto(board_url(server, query))
    page.wait_for_selector('#live[data-state="live"]')


def cell(stage_id: int, lane: str = "standard") -> str:
    return f'.cell[data-stage="{stage_id}"][data-lane="{lane}"]'


def card(key: str) -> str:
    return f"#card-{key}"


def drag(page: Any, source: str, target: str) -> None:
    """Press on a card, move in small steps onto the target cell's free space, let go."""
    start = page.locator(source).bounding_box()
    end = page.locator(target).bounding_box()
    assert start and end
    cards = page.locator(f"{target} .card")
    last = cards.nth(cards.count() - 1).bounding_box() if cards.count() else None
    page.mouse.move(start["x"] + start["width"] / 2, start["y"] + 12)
    page.mouse.down()
    page.mouse.move(start["x"] + start["width"] / 2 + 10, start["y"] + 20, steps=4)
    x = end["x"] + end["width"] / 2
    # Just below the last card (the bottom of the column), or the middle of an empty cell.
    y = last["y"] + last["height"] + 6 if last else end["y"] + end["height"] / 2
    page.mouse.move(x, y, steps=20)
    page.mouse.move(x, y + 2, steps=2)
    page.mouse.up()


def drag_to_top(page: Any, source: str, target: str) -> None:
    """Press on a card, move in small steps onto the top of the target cell, let go."""
    start = page.locator(source).bounding_box()
    end = page.locator(target).bounding_box()
    assert start and end
    page.mouse.move(start["x"] + start["width"] / 2, start["y"] + 12)
    page.mouse.down()
    page.mouse.move(start["x"] + start["width"] / 2 + 10, start["y"] + 20, steps=4)
    x, y = end["x"] + end["width"] / 2, end["y"] + 16
    page.mouse.move(x, y, steps=20)
    page.mouse.move(x, y + 2, steps=2)
    page.mouse.up()


def wip_text(page: Any, stage_id: int) -> str:
    text: str = page.inner_text(f"#head-{stage_id} [data-wip]")
    return text
