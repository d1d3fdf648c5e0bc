"""A board filter means the same in SQL (when the board loads) and in Python (when a live update
arrives): checked over every seeded card and many filters."""

from __future__ import annotations

import itertools

import pytest
from web_env import NOW
from web_seed import Seeded

from cast import OPERATOR
from flowdesk.domain.classes import ClassOfService
from flowdesk.domain.clock import FixedClock
from flowdesk.domain.errors import InvalidInput
from flowdesk.domain.people import Actor
from flowdesk.services import board_views
from flowdesk.services.board_views import BoardFilter
from flowdesk.services.commands import CreateItem
from flowdesk.services.items import create_item
from flowdesk.storage.unit_of_work import UnitOfWork
from flowdesk.web.forms import BoardQuery, parse_board_query
from flowdesk.web.lanes import LaneMode

FILTERS = [
    BoardFilter(),
    *[BoardFilter(type=t) for t in ("claim", "inquiry", "nothing")],
    *[BoardFilter(cos=c) for c in ClassOfService],
    *[BoardFilter(customer=c) for c in ("Contoso Travel", "Tailspin Tours", "Nobody")],
    *[BoardFilter(assignee=p) for p in ("ana", "chen", "Nobody")],
    BoardFilter(blocked_only=True),
    *[BoardFilter(search=q) for q in ("clm-1", "BARCELONA", "a", "100%", "_", "zzz")],
    BoardFilter(cos=ClassOfService.STANDARD, customer="Northwind Agency", assignee="ana"),
    BoardFilter(type="claim", blocked_only=True, search="reykjavik"),
]


@pytest.fixture
def everything(uow: UnitOfWork, seeded: Seeded) -> board_views.BoardView:
    return board_views.board_view(uow, OPERATOR, seeded.service, NOW)


@pytest.mark.parametrize("flt", FILTERS, ids=[repr(f) for f in FILTERS])
def test_the_sql_filter_and_the_python_filter_pick_the_same_cards(
        uow: UnitOfWork, everything: board_views.BoardView, flt: BoardFilter) -> None:
    in_python = {c.key for col in everything.columns for c in col.cards if flt.matches(c)}
    view = board_views.board_view(uow, OPERATOR, everything.service.key, NOW, flt=flt)
    in_sql = {c.key for col in view.columns for c in col.cards}
    assert in_sql == in_python
    assert [c.count for c in view.columns] == [c.count for c in everything.columns]


@pytest.mark.parametrize(("needle", "found"), [
    ("ärger", {"Ärger mit dem Hotel, Köln"}), ("ÄRGER", {"Ärger mit dem Hotel, Köln"}),
    ("köln", {"Ärger mit dem Hotel, Köln"}), ("ålesund", {"ÖLSCHADEN IN ÅLESUND"}),
    ("ölschaden", {"ÖLSCHADEN IN ÅLESUND"}), ("Ωμέγα", {"ωμέγα travel, Αθήνα"}),
    ("αθήνα", {"ωμέγα travel, Αθήνα"}), ("straße", {"Straße gesperrt"}),
])
def test_search_ignores_case_in_every_alphabet_in_sql_and_in_python(
        uow: UnitOfWork, seeded: Seeded, needle: str, found: set[str]) -> None:
    clock = FixedClock(NOW)
    for title in ("Ärger mit dem Hotel, Köln", "ÖLSCHADEN IN ÅLESUND", "ωμέγα travel, Αθήνα",
                  "Straße gesperrt"):
        create_item(uow, clock, Actor("dana", operator=True), CreateItem(service_key=seeded.service,
                                                          title=title))
    flt = BoardFilter(search=needle)
    view = board_views.board_view(uow, OPERATOR, seeded.service, NOW, flt=flt)
    in_sql = {c.title for col in view.columns for c in col.cards}
    assert in_sql == found
    everything = board_views.board_view(uow, OPERATOR, seeded.service, NOW)
    assert {c.title for col in everything.columns for c in col.cards if flt.matches(c)} == found


def test_a_per_column_cap_loads_the_top_cards_but_counts_every_match(
        uow: UnitOfWork, everything: board_views.BoardView) -> None:
    view = board_views.board_view(uow, OPERATOR, everything.service.key, NOW, per_stage_cap=1,
                                  closed_cap=1)
    for full, capped in zip(everything.columns, view.columns, strict=True):
        assert capped.cards == full.cards[:1]
        assert capped.matching == full.matching
        assert capped.not_loaded == max(full.matching - 1, 0)
    settle = next(c for c in view.columns if c.stage.name == "Settle")
    shown = board_views.board_view(uow, OPERATOR, everything.service.key, NOW, per_stage_cap=1,
                                   uncapped_stage=settle.stage.id)
    assert len(next(c for c in shown.columns if c.stage.id == settle.stage.id).cards) == 3


def test_closed_columns_list_the_newest_first(everything: board_views.BoardView) -> None:
    done = next(c for c in everything.columns if c.stage.name == "Done")
    closed = [c.delivered_at for c in done.cards]
    assert closed == sorted(closed, reverse=True)  # type: ignore[type-var]


def test_the_query_string_round_trips_and_drops_defaults() -> None:
    q = parse_board_query({"lanes": "customer", "type": "claim", "cos": "expedite",
                           "customer": "A & B", "assignee": "Ana", "blocked": "on",
                           "q": "x y", "show": "4"})
    assert q.query_string() == ("?lanes=customer&type=claim&cos=expedite&customer=A+%26+B"
                                "&assignee=Ana&q=x+y&blocked=1&show=4")
    assert q.query_string(show=None).endswith("blocked=1")
    assert parse_board_query({}) == BoardQuery()
    assert BoardQuery().query_string() == ""
    assert parse_board_query({"lanes": "none"}).lanes is LaneMode.NONE


@pytest.mark.parametrize("params", [{"lanes": "rows"}, {"cos": "gold"}, {"show": "x"},
                                    {"customer": "c" * 201}, {"show": str(2**40)}])
def test_bad_query_parameters_name_the_parameter(params: dict[str, str]) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_board_query(params)
    assert refused.value.field == next(iter(params))


def test_every_lane_mode_is_covered_by_the_filter_menus() -> None:
    assert {m.value for m in LaneMode} == {"cos", "customer", "assignee", "none"}
    assert list(itertools.islice(LaneMode, 1)) == [LaneMode.COS]  # the default comes first
