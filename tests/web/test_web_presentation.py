"""What a card and a header say: initials, due dates, ages, limit states, timeline lines,
and Markdown that can only format, never run."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser

import pytest

from flowdesk.domain.items import Blocker, WorkItem
from flowdesk.domain.workflow import Phase, Service, Stage, StageKind
from flowdesk.services.board_views import BoardColumn
from flowdesk.services.queries import EventView
from flowdesk.web.card_html import card_html
from flowdesk.web.cards import age_days, column_state, due_of, initials
from flowdesk.web.history import describe, duration
from flowdesk.web.lanes import LaneMode, build_lanes, lane_key
from flowdesk.web.markdown import render_markdown

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ITEM = WorkItem(id=1, service_id=1, key="CLM-1", title="Refund", stage_id=3, rank=1,
                version=1, arrived_at=NOW - timedelta(days=5))


@pytest.mark.parametrize(("name", "expected"), [
    ("Ana Lima", "AL"), ("ben", "BE"), ("Chen Wei Xu", "CX"), ("o'neil", "ON"),
    ("dana.fischer", "DF"), ("Ødegård Ås", "ØÅ"), ("", "?"), ("---", "?"),
])
def test_initials_take_the_first_and_last_word(name: str, expected: str) -> None:
    assert initials(name) == expected


def test_due_dates_turn_amber_within_a_day_and_red_once_the_day_is_over() -> None:
    def tone(due: date, now: datetime = NOW) -> str | None:
        found = due_of(replace(ITEM, due_date=due), now)
        return None if found is None else found.tone
    assert tone(date(2026, 3, 5)) == ""
    assert tone(date(2026, 3, 3)) == ""  # 39 hours left
    assert tone(date(2026, 3, 2)) == "soon"  # due today: 15 hours left
    assert tone(date(2026, 3, 3), NOW + timedelta(hours=15)) == "soon"
    assert tone(date(2026, 3, 1)) == "overdue"
    assert due_of(replace(ITEM, due_date=date(2026, 3, 1)), NOW).label == "Overdue · 1 Mar"
    assert due_of(ITEM, NOW) is None
    delivered = replace(ITEM, due_date=date(2026, 3, 1), delivered_at=NOW)
    assert due_of(delivered, NOW) is None  # a delivered item is not late any more


def test_age_counts_calendar_days_the_day_of_commitment_being_day_one() -> None:
    assert age_days(ITEM, NOW) is None  # not committed yet
    committed = replace(ITEM, committed_at=NOW - timedelta(days=3, hours=20))  # 26 Feb 13:00
    assert age_days(committed, NOW) == 5  # 26, 27, 28 February, 1 and 2 March
    delivered = replace(committed, delivered_at=NOW - timedelta(days=1))
    assert age_days(delivered, NOW + timedelta(days=30)) == 4  # lead time stops at delivery
    # In the service's zone: 23:30 on 1 March in Auckland is already 2 March there.
    late = replace(ITEM, committed_at=datetime(2026, 3, 1, 11, 0, tzinfo=UTC))
    assert age_days(late, NOW) == 2
    assert age_days(late, NOW, "Pacific/Auckland") == 1


def test_column_states_say_at_and_over_in_words() -> None:
    stage = Stage(1, "Review", Phase.COMMITTED, StageKind.QUEUE, 3, wip_limit=3)
    assert column_state(stage, 2).tone == "ok" and column_state(stage, 2).flag == ""
    at = column_state(stage, 3)
    assert (at.tone, at.text, at.flag) == ("at", "3 / 3", "At limit")
    over = column_state(stage, 5)
    assert (over.tone, over.text, over.flag) == ("over", "5 / 3", "Over limit")
    assert "over the limit by 2" in over.title
    free = replace(stage, wip_limit=None)
    assert column_state(free, 1234).text == "1,234"
    done = Stage(2, "Done", Phase.DONE, StageKind.QUEUE, 4)
    assert column_state(done, 7).title == "7 items in all"


def test_a_card_with_several_people_sits_in_the_first_ones_lane() -> None:
    item = replace(ITEM, assignees=("Ana Lima", "Ben Okafor"), customer="")
    assert lane_key(item, LaneMode.ASSIGNEE) == "Ana Lima"
    assert lane_key(item, LaneMode.CUSTOMER) == ""
    assert lane_key(item, LaneMode.COS) == "standard"
    assert lane_key(item, LaneMode.NONE) == "all"


def event(kind: str, **fields: object) -> EventView:
    base: dict[str, object] = {"id": 1, "service_id": 1, "item_id": 1, "item_key": "CLM-1",
                               "kind": kind, "from_stage": "Ready", "to_stage": "Assess",
                               "at": NOW, "actor": "dana", "reason": None, "payload": {}}
    base.update(fields)
    return EventView(**base)  # type: ignore[arg-type]


def test_timeline_lines_say_what_happened() -> None:
    pulled = describe(event("moved", payload={"transition": "pull"}))
    assert (pulled.title, pulled.from_stage, pulled.to_stage) == ("Pulled", "Ready", "Assess")
    override = describe(event("wip_override", reason="client in hospital", payload={
        "violations": [{"message": "WIP limit reached for stage 'Assess': 4 of 4 (...)"}]}))
    assert override.title == "Pulled past a WIP limit" and override.why == "client in hospital"
    assert override.details == ["WIP limit reached for stage 'Assess': 4 of 4 (...)"]
    edited = describe(event("edited", payload={"changes": {"title": ["a", "b"],
                                                           "due_date": [None, "2026-03-04"],
                                                           "description": ["x", "y"]}}))
    assert edited.details == ["title: “a” → “b”", "due date: (none) → “2026-03-04”",
                              "description changed"]
    unblocked = describe(event("unblocked", payload={"category": "vendor",
                                                     "blocked_reason": "parts",
                                                     "blocked_seconds": 7_200}))
    assert unblocked.title == "Unblocked (vendor)"
    assert unblocked.details == ["was blocked: parts", "blocked for 2 h"]
    assert describe(event("assigned", payload={"person": "Ana"})).title == "Assigned Ana"
    assert describe(event("created", from_stage=None, to_stage="Options")).title == \
        "Created in Options"
    assert describe(event("something_new")).title == "Something new"


@pytest.mark.parametrize(("seconds", "text"), [(30, "1 min"), (600, "10 min"), (7_200, "2 h"),
                                               (180_000, "2 d 2 h"), (172_800, "2 d")])
def test_durations_read_naturally(seconds: float, text: str) -> None:
    assert duration(seconds) == text


@pytest.mark.parametrize("hostile", [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "[x](javascript:alert(1))",
    '<a href="javascript:alert(1)">x</a>',
    "<iframe src=//evil></iframe>",
    '<svg onload="alert(1)">',
    "![x](https://example.com/track.png)",
    '<style>body{display:none}</style>',
    "[x](JaVaScRiPt:alert(1))",
    "<div onclick=alert(1)>x</div>",
])
def test_markdown_never_lets_script_or_remote_content_through(hostile: str) -> None:
    tags = Tags()
    tags.feed(str(render_markdown(hostile)))
    assert {t for t, _ in tags.found} <= {"p", "a"}
    for _, attrs in tags.found:
        assert not any(name.startswith("on") or name in ("src", "style") for name, _ in attrs)
        assert not any(name == "href" and not (value or "").startswith("https://")
                       for name, value in attrs)


class Tags(HTMLParser):
    """Every start tag in a fragment, with its attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, attrs))


def test_a_card_escapes_everything_a_person_typed() -> None:
    hostile = '<img src=x onerror="alert(1)">'
    item = replace(ITEM, title=hostile, type=hostile, customer=hostile, assignees=(hostile,),
                   blocker=Blocker(hostile, hostile, NOW), committed_at=NOW)
    tags = Tags()
    tags.feed(str(card_html(item, NOW, "CLM")))
    assert {t for t, _ in tags.found} == {"article", "div", "span", "a", "abbr", "p", "button"}
    assert not any(name.startswith("on") for _, attrs in tags.found for name, _ in attrs)


def test_a_card_shows_age_due_date_people_and_blocker() -> None:
    item = replace(ITEM, committed_at=NOW - timedelta(days=1, hours=2), customer="Acme & Co",
                   due_date=date(2026, 3, 2), assignees=("Ana Lima",),
                   blocker=Blocker("waiting for parts", "vendor", NOW))
    html = str(card_html(item, NOW, "CLM"))
    assert 'class="card cos-standard is-blocked" id="card-CLM-1"' in html
    assert ('<span class="card-age" title="2 calendar days since commitment (day 1 is the day '
            'of commitment)">2d</span>') in html
    assert '<span class="card-customer">Acme &amp; Co</span>' in html
    assert '<time class="due due-soon" datetime="2026-03-02">Due today · 2 Mar</time>' in html
    assert '<abbr class="person" title="Ana Lima">AL</abbr>' in html
    assert '<span class="blocker-cat">vendor</span> waiting for parts' in html
    assert 'href="/services/CLM/items/CLM-1"' in html


def test_a_card_names_people_by_display_name_and_shows_free_text_names_as_they_are() -> None:
    item = replace(ITEM, assignees=("ana", "Jo from the import"))
    html = str(card_html(item, NOW, "CLM", names={"ana": "Ana Lima", "ben": "Ben Okafor"}))
    assert '<abbr class="person" title="Ana Lima">AL</abbr>' in html
    assert '<abbr class="person" title="Jo from the import">JI</abbr>' in html


def test_a_card_for_someone_who_may_not_move_it_has_no_move_button() -> None:
    assert "data-move" in str(card_html(ITEM, NOW, "CLM"))
    still = str(card_html(ITEM, NOW, "CLM", movable=False))
    assert "data-move" not in still and "<button" not in still
    assert still.endswith("</article>")


def test_assignee_lanes_are_keyed_by_username_and_labelled_by_display_name() -> None:
    column = BoardColumn(Stage(3, "Assess", Phase.COMMITTED, StageKind.ACTIVITY, 1), 3, [
        replace(ITEM, id=1, key="CLM-1", assignees=("zed",)),
        replace(ITEM, id=2, key="CLM-2", assignees=("ana",)),
        replace(ITEM, id=3, key="CLM-3", assignees=("Free Text",)),
        replace(ITEM, id=4, key="CLM-4")], 4)
    service = Service(1, "CLM", "Claims", (column.stage,))
    lanes = build_lanes(service, [column], LaneMode.ASSIGNEE,
                        {"zed": "Aaron Zed", "ana": "Ana Lima"})
    assert [(lane.key, lane.label) for lane in lanes] == [
        ("zed", "Aaron Zed"), ("ana", "Ana Lima"), ("Free Text", "Free Text"),
        ("", "Unassigned")]


def test_the_timeline_names_who_did_what_by_display_name() -> None:
    names = {"dana": "Dana Fischer", "ana": "Ana Lima"}
    assigned = describe(event("assigned", payload={"person": "ana"}), names)
    assert (assigned.title, assigned.actor) == ("Assigned Ana Lima", "Dana Fischer")
    imported = describe(event("moved", actor="J. Imported", payload={}), names)
    assert imported.actor == "J. Imported"  # not an account: shown as it is


def test_markdown_keeps_ordinary_formatting_and_safe_links() -> None:
    html = str(render_markdown("**Paid** €420.\n\n- receipt\n- [policy](https://x.example/p)"))
    assert "<strong>Paid</strong>" in html and "<li>receipt</li>" in html
    assert '<a href="https://x.example/p" rel="noopener noreferrer nofollow">policy</a>' in html
    assert render_markdown("   ") == ""
