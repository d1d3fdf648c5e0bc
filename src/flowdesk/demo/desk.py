"""Where the simulation's decisions become real events: each one is a use-case call, made at
the simulated time, after which the simulation's copy of the board follows suit."""

from __future__ import annotations

from datetime import datetime

from flowdesk.demo.arrivals import Arrival
from flowdesk.demo.board import Board, Card
from flowdesk.demo.people import PORTAL
from flowdesk.domain.clock import FixedClock
from flowdesk.domain.people import Actor
from flowdesk.domain.workflow import Stage
from flowdesk.services import admin, failure_demand
from flowdesk.services import items as use_cases
from flowdesk.services.commands import AssignItem, BlockItem, CreateItem, MoveItem
from flowdesk.storage.unit_of_work import UnitOfWork


class Desk:
    def __init__(self, uow: UnitOfWork, clock: FixedClock) -> None:
        self.uow = uow
        self.clock = clock
        self.calls = 0  # use-case calls made, for the summary and the benchmark
        # Each simulated person as the use cases see them, with their memberships: the plan
        # names people, and every call is authorised like anyone's (see demo/people.py).
        self.actors: dict[str, Actor] = {}

    def _as(self, actor: Actor) -> Actor:
        return self.actors[actor.username]

    def create(self, board: Board, arrival: Arrival) -> Card:
        """Put the arrival on the board, in the first upstream stage."""
        self.clock.set(arrival.at)
        item = use_cases.create_item(self.uow, self.clock, self.actors[PORTAL], CreateItem(
            service_key=board.service.key, title=arrival.title, type=arrival.type,
            cos=arrival.cos, description=arrival.description, customer=arrival.customer,
            due_date=arrival.due_date,
        ))
        self.calls += 1
        card = Card(item=item, arrival=arrival)
        board.add(card)
        return card

    def move(self, board: Board, card: Card, to_stage: Stage, actor: Actor, at: datetime, *,
             reason: str | None = None, override: str | None = None) -> None:
        self.clock.set(at)
        before = card.item
        card.item = use_cases.move_item(self.uow, self.clock, self._as(actor), MoveItem(
            item_key=card.key, to_stage=to_stage.id, reason=reason, override_reason=override,
            expected_version=before.version,
        ))
        self.calls += 1
        board.moved(card, before)

    def assign(self, board: Board, card: Card, person: str, actor: Actor, at: datetime) -> None:
        self.clock.set(at)
        card.item = use_cases.assign_item(self.uow, self.clock, self._as(actor), AssignItem(
            item_key=card.key, person=person, expected_version=card.item.version,
        ))
        self.calls += 1
        board.assigned(card, person)

    def block(self, card: Card, category: str, reason: str, actor: Actor, at: datetime) -> None:
        self.clock.set(at)
        card.item = use_cases.block_item(self.uow, self.clock, self._as(actor), BlockItem(
            item_key=card.key, reason=reason, category=category,
            expected_version=card.item.version,
        ))
        self.calls += 1

    def unblock(self, card: Card, actor: Actor, at: datetime) -> None:
        self.clock.set(at)
        card.item = use_cases.unblock_item(self.uow, self.clock, self._as(actor), card.key,
                                           card.item.version)
        self.calls += 1

    def mark_failure(self, card: Card, kind: str, earlier: Card, actor: Actor,
                     at: datetime) -> None:
        """Record that the card is failure demand (`kind`) of the earlier delivered card."""
        self.clock.set(at)
        card.item = failure_demand.mark_failure_demand(
            self.uow, self.clock, self._as(actor), failure_demand.MarkFailureDemand(
                card.key, kind, earlier.key, card.item.version))
        self.calls += 1

    def set_limit(self, board: Board, stage: Stage, limit: int | None, actor: Actor,
                  at: datetime) -> None:
        self.clock.set(at)
        board.service = admin.set_stage_limit(self.uow, self.clock, self._as(actor),
                                              board.service.key, stage.id, limit)
        self.calls += 1
