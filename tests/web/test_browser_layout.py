"""The board's layout in a real browser: done and discarded columns that do not set its
height, a Discarded column on screen at 1,600 px, age badges inside narrow done cards, and on a
390 px phone no horizontal overflow outside the board's columns."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from web_env import ARTIFACTS, LiveServer, Watched, watch

from cast import OPERATOR
from flowdesk.domain.workflow import Phase
from flowdesk.services import queries

pytestmark = pytest.mark.browser

DEMO_KEY = "CLM"  # the demo's priority claims: 6 open stages, Closed and Discarded

# Per cell of the board: its stage's phase, its lane, its height and what its cards need.
CELLS = """() => Array.from(document.querySelectorAll('#board .cell')).map((cell) => {
  const box = cell.getBoundingClientRect();
  const cards = cell.querySelectorAll('.card');
  // What its cards need (a stretched cell is as tall as its row, whatever it holds).
  const need = cards.length ? cards[cards.length - 1].getBoundingClientRect().bottom -
    cards[0].getBoundingClientRect().top : 0;
  return {phase: cell.className.match(/phase-(\\w+)/)[1], lane: cell.dataset.lane,
          height: box.height, scroll: cell.scrollHeight, client: cell.clientHeight,
          need: need, cards: cards.length};
})"""

# Every age badge of a done or discarded card against its card, and each card's top row.
BADGES = """() => Array.from(document.querySelectorAll(
    '#board .cell.phase-done .card, #board .cell.phase-discarded .card')).map((card) => {
  const box = card.getBoundingClientRect();
  const age = card.querySelector('.card-age');
  const top = card.querySelector('.card-top');
  const badge = age ? age.getBoundingClientRect() : null;
  return {key: card.dataset.key, inside: !badge || (badge.left >= box.left - 0.5 &&
            badge.right <= box.right + 0.5), fits: top.scrollWidth <= top.clientWidth + 1};
})"""

# What overflows sideways: the page itself, and each element outside the board's columns
# whose content is wider than its box.
OVERFLOW = """() => {
  const root = document.documentElement;
  const wide = [];
  const board = document.getElementById('board-wrap');
  document.querySelectorAll('body *').forEach((el) => {
    if (board && (el === board || board.contains(el))) { return; }
    if (el.closest('[hidden], dialog:not([open]), [popover]')) { return; }
    const style = getComputedStyle(el);
    if (style.display === 'none' || style.position === 'fixed') { return; }
    const box = el.getBoundingClientRect();
    if (box.width === 0) { return; }
    if (box.right > root.clientWidth + 1 || box.left < -1) {
      wide.push((el.id ? '#' + el.id : el.tagName.toLowerCase() + '.' + el.className) +
                ' spans ' + Math.round(box.left) + '..' + Math.round(box.right));
    }
  });
  return {scrollWidth: root.scrollWidth, clientWidth: root.clientWidth,
          bodyScroll: document.body.scrollWidth, wide: wide.slice(0, 10),
          boardScroll: board ? board.scrollWidth : 0, boardClient: board ? board.clientWidth : 0};
}"""


@pytest.fixture
def wide_page(browser: Any, live_server: LiveServer,
              request: pytest.FixtureRequest) -> Iterator[Watched]:
    yield from _page_at(browser, live_server, request, 1600, 1000)


@pytest.fixture
def phone_page(browser: Any, live_server: LiveServer,
               request: pytest.FixtureRequest) -> Iterator[Watched]:
    yield from _page_at(browser, live_server, request, 390, 844)


def _page_at(browser: Any, live_server: LiveServer, request: pytest.FixtureRequest,
             width: int, height: int) -> Iterator[Watched]:
    from browser_env import save_screenshot, sign_in

    context = browser.new_context(viewport={"width": width, "height": height},
                                  bypass_csp=True, is_mobile=width < 500,
                                  has_touch=width < 500)
    context.set_default_timeout(8_000)
    sign_in(context, live_server)
    watched = watch(context.new_page())
    try:
        yield watched
        save_screenshot(watched, request)
    finally:
        context.close()


def closed_count(server: LiveServer) -> int:
    board = queries.get_board(server.uow, OPERATOR, DEMO_KEY, server.clock.now())
    return sum(c.count for c in board.columns if not c.stage.phase.is_open
               and c.stage.phase in (Phase.DONE, Phase.DISCARDED))


@pytest.mark.parametrize("lanes", ["", "?lanes=none"])
def test_at_1600px_the_done_columns_scroll_on_their_own_and_discarded_is_on_screen(
        live_server: LiveServer, wide_page: Watched, lanes: str) -> None:
    p = wide_page.page
    assert closed_count(live_server) > 100  # two weeks of the demo: many done items
    p.goto(f"{live_server.url}/services/{DEMO_KEY}/board{lanes}")
    p.wait_for_selector('#live[data-state="live"]')
    cells = p.evaluate(CELLS)
    closed = [c for c in cells if c["phase"] in ("done", "discarded")]
    assert sum(c["cards"] for c in closed) >= 20, "the done columns hold many cards"
    for lane in {c["lane"] for c in cells}:
        row = [c for c in cells if c["lane"] == lane]
        open_need = max(c["need"] for c in row if c["phase"] not in ("done", "discarded"))
        for c in (c for c in row if c["phase"] in ("done", "discarded")):
            # The open columns set the lane's height; a done cell only asks for a little room.
            assert c["height"] <= max(open_need + 40, 17 * 16), (lane, c)
            if c["scroll"] > c["client"] + 1:
                assert c["height"] < c["scroll"]  # it scrolls its own cards
    # The done cards would need far more height than the board now takes.
    tallest_closed = max(c["need"] for c in closed)
    grid = p.locator("#board .board-grid").bounding_box()
    assert grid is not None
    assert tallest_closed > 1500 and grid["height"] < tallest_closed
    # The Discarded column is wholly inside the board's visible width.
    wrap = p.evaluate("""() => { const w = document.getElementById('board-wrap');
        const b = w.getBoundingClientRect(); return {left: b.left, right: b.left + w.clientWidth,
        scroll: w.scrollWidth, client: w.clientWidth}; }""")
    discarded = p.locator('#board .col-head[data-phase="discarded"]').bounding_box()
    assert discarded is not None
    assert discarded["x"] >= wrap["left"] and discarded["x"] + discarded["width"] <= wrap["right"]
    assert discarded["x"] + discarded["width"] <= 1600
    assert wrap["scroll"] <= wrap["client"] + 1  # no sideways scrolling at all
    badges = p.evaluate(BADGES)
    assert badges and all(b["inside"] for b in badges), [b for b in badges if not b["inside"]]
    assert all(b["fits"] for b in badges), [b for b in badges if not b["fits"]]
    ARTIFACTS.mkdir(exist_ok=True)
    assert wide_page.errors == []


@pytest.mark.parametrize("path", ["/services/CLM/board", "/", "/services/CLM/items/{item}",
                                  "/services/CLM/agreements"])
def test_at_390px_nothing_overflows_sideways_outside_the_boards_columns(
        live_server: LiveServer, phone_page: Watched, path: str) -> None:
    p = phone_page.page
    board = queries.get_board(live_server.uow, OPERATOR, DEMO_KEY, live_server.clock.now())
    item = next(i for c in board.columns if c.stage.phase.is_open for i in c.items)
    p.goto(live_server.url + path.format(item=item.key))
    p.wait_for_load_state("networkidle")
    found = p.evaluate(OVERFLOW)
    assert found["scrollWidth"] <= found["clientWidth"], found
    assert found["bodyScroll"] <= found["clientWidth"], found
    assert found["wide"] == [], found["wide"]
    if "board" in path:
        # The columns scroll sideways inside the board, and a column is most of the screen.
        assert found["boardScroll"] > found["boardClient"]
        head = p.locator("#board .col-head").first.bounding_box()
        assert head is not None and head["width"] >= 0.6 * 390
        # The filters and the top bar leave the board most of the screen's height.
        wrap = p.locator("#board-wrap").bounding_box()
        assert wrap is not None and wrap["y"] < 844 / 4
        # The lanes and filters fold behind one button; open, they fit the screen too.
        assert not p.locator('select[name="lanes"]').is_visible()
        p.click("[data-filters-toggle]")
        assert p.locator('select[name="lanes"]').is_visible()
        assert p.get_attribute("[data-filters-toggle]", "aria-expanded") == "true"
        opened = p.evaluate(OVERFLOW)
        assert opened["scrollWidth"] <= opened["clientWidth"] and opened["wide"] == [], opened
        p.select_option('select[name="lanes"]', "none")
        p.wait_for_selector('#board[data-lanes="none"]')
    if "/items/" in path:
        panel = p.locator("#panel").bounding_box()
        assert panel is not None and panel["x"] >= 0 and panel["x"] + panel["width"] <= 390
        assert p.locator("#panel .panel-close").is_visible()
    assert phone_page.errors == []
