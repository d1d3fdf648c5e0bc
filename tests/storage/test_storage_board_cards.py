"""The board reads its cards in one statement, by position, decoding moments itself: each card
must be the item as the repository loads it (what a card shows), on both databases."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from storage_helpers import OWNER, make_claims, stage_id

from flowdesk.domain.classes import ClassOfService
from flowdesk.domain.clock import FixedClock
from flowdesk.domain.items import WorkItem
from flowdesk.services import board_views
from flowdesk.services import items as uc
from flowdesk.services.board_views import BoardFilter
from flowdesk.services.commands import AssignItem, BlockItem, CreateItem, MoveItem
from flowdesk.storage import repository as repo
from flowdesk.storage.unit_of_work import UnitOfWork


def as_on_a_card(item: WorkItem) -> WorkItem:
    """The item without what a card never shows (the board does not read it)."""
    return replace(item, description="", customer_id=None, failure_kind=None,
                   stems_from_id=None, stems_from_key="")


def board_cards(uow: UnitOfWork, clock: FixedClock, flt: BoardFilter | None = None,
                ) -> list[WorkItem]:
    view = board_views.board_view(uow, OWNER, "CLM", clock.now(), flt=flt, per_stage_cap=50,
                                  closed_cap=20)
    return [card for column in view.columns for card in column.cards]


def test_every_card_is_the_item_as_loaded_people_blocker_dates_and_all(
        uow: UnitOfWork, clock: FixedClock) -> None:
    service = make_claims(uow, clock, doing_limit=None)
    made = [uc.create_item(uow, clock, OWNER, CreateItem(
        "CLM", f"Claim {n}: <storm> & \"hail\"", customer="Agency Ä" if n % 2 else "",
        cos=ClassOfService.FIXED_DATE if n == 2 else ClassOfService.STANDARD,
        due_date=date(2026, 3, 20) if n == 2 else None)) for n in range(6)]
    for person in ("zoe", "amira", "mehdi"):
        uc.assign_item(uow, clock, OWNER, AssignItem(made[0].key, person))
    uc.assign_item(uow, clock, OWNER, AssignItem(made[1].key, "amira"))
    uc.move_item(uow, clock, OWNER, MoveItem(made[0].key, stage_id(service, "In progress")))
    clock.advance(timedelta(hours=3))
    uc.block_item(uow, clock, OWNER, BlockItem(made[0].key, "Photos missing", "customer"))
    uc.block_item(uow, clock, OWNER, BlockItem(made[5].key, "Expert report", "vendor"))
    uc.move_item(uow, clock, OWNER, MoveItem(made[3].key, stage_id(service, "Done")))
    uc.move_item(uow, clock, OWNER, MoveItem(made[4].key, stage_id(service, "Discarded"),
                                           reason="a duplicate"))
    clock.advance(timedelta(hours=1))

    cards = board_cards(uow, clock)

    assert len(cards) == 6
    with uow.read() as conn:
        loaded = {card.key: repo.load_item(conn, card.id) for card in cards}
    for card in cards:
        item = loaded[card.key]
        if not service.stage(item.stage_id).phase.is_open:
            item = replace(item, blocker=None)  # closed work is never shown blocked
        assert card == as_on_a_card(item), card.key
    first = next(c for c in cards if c.key == made[0].key)
    assert first.assignees == ("amira", "mehdi", "zoe")
    assert first.blocker is not None and first.blocker.reason == "Photos missing"
    assert first.committed_at is not None and first.committed_at.tzinfo is not None
    assert next(c for c in cards if c.key == made[2].key).due_date == date(2026, 3, 20)


def test_a_board_read_again_shows_what_changed_and_each_filter_its_own_cards(
        uow: UnitOfWork, clock: FixedClock) -> None:
    """The statements are kept between renders (by board shape and filter): never the data."""
    service = make_claims(uow, clock, doing_limit=None)
    first = uc.create_item(uow, clock, OWNER, CreateItem("CLM", "Hail, Lyon", type="claim"))
    second = uc.create_item(uow, clock, OWNER, CreateItem("CLM", "Flood, Porto", type="inquiry"))
    assert [c.key for c in board_cards(uow, clock)] == [first.key, second.key]

    uc.move_item(uow, clock, OWNER, MoveItem(second.key, stage_id(service, "Ready")))
    uc.assign_item(uow, clock, OWNER, AssignItem(first.key, "amira"))
    cards = {c.key: c for c in board_cards(uow, clock)}
    assert cards[second.key].stage_id == stage_id(service, "Ready")
    assert cards[first.key].assignees == ("amira",)

    assert [c.key for c in board_cards(uow, clock, BoardFilter(type="inquiry"))] == [second.key]
    assert [c.key for c in board_cards(uow, clock, BoardFilter(type="claim"))] == [first.key]
    assert [c.key for c in board_cards(uow, clock, BoardFilter(search="porto"))] == [second.key]
    assert len(board_cards(uow, clock)) == 2


def test_a_card_read_again_is_decoded_again_whenever_anything_on_it_changed(
        uow: UnitOfWork, clock: FixedClock) -> None:
    """Cards whose rows are read again unchanged are reused: any change must show."""
    service = make_claims(uow, clock, doing_limit=None)
    item = uc.create_item(uow, clock, OWNER, CreateItem("CLM", "Hail, Lyon"))
    uc.create_item(uow, clock, OWNER, CreateItem("CLM", "Flood, Porto"))
    board_cards(uow, clock)

    def card() -> WorkItem:
        cards = board_cards(uow, clock)
        with uow.read() as conn:
            assert cards == [as_on_a_card(repo.load_item(conn, c.id)) for c in cards]
        return next(c for c in cards if c.key == item.key)

    uc.block_item(uow, clock, OWNER, BlockItem(item.key, "Photos missing", "customer"))
    assert card().is_blocked
    uc.unblock_item(uow, clock, OWNER, item.key)
    assert not card().is_blocked
    uc.assign_item(uow, clock, OWNER, AssignItem(item.key, "zoe"))
    uc.assign_item(uow, clock, OWNER, AssignItem(item.key, "amira"))
    assert card().assignees == ("amira", "zoe")
    uc.move_item(uow, clock, OWNER, MoveItem(item.key, stage_id(service, "In progress")))
    moved = card()
    assert moved.stage_id == stage_id(service, "In progress") and moved.committed_at == clock.now()


def test_the_filter_menus_list_what_open_work_uses_in_order(
        uow: UnitOfWork, clock: FixedClock) -> None:
    make_claims(uow, clock, doing_limit=None)
    for title, kind, customer in [("A", "refund", "Zeta"), ("B", "claim", "alpha"),
                                  ("C", "claim", ""), ("D", "inquiry", "Zeta")]:
        uc.create_item(uow, clock, OWNER, CreateItem("CLM", title, type=kind, customer=customer))
    choices = board_views.filter_choices(uow, OWNER, "CLM")
    assert choices.types == sorted(choices.types) == ["claim", "inquiry", "refund"]
    assert set(choices.customers) == {"Zeta", "alpha"}  # no empty customer
