"""What the demo's services promise their customers, and the failure demand they meet.

The priority-claims service (CLM) promises its priority clients same-day service for claims
received by noon on a working day, and the other agencies two working days. Its amendments
are corrections of a claim delivered earlier for the same agency, and some of its queries are
repeat requests or complaints about one: failure demand, linked to the claim it stems from.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flowdesk.demo.board import Card
from flowdesk.demo.calendar import WorkCalendar
from flowdesk.domain.clock import Clock
from flowdesk.domain.people import LOCAL_USER
from flowdesk.services import accounts, agreements, registry
from flowdesk.storage.unit_of_work import UnitOfWork

PROMISING = "CLM"
# The largest agencies are the priority clients (demo/words.py weighs them first).
PRIORITY_CLIENTS = ("Northwind Travel", "Blue Horizon Agency", "Atlas Voyages",
                    "Meridian Brokers")
WEEKDAYS = ["mon", "tue", "wed", "thu", "fri"]
LOOK_BACK = timedelta(days=30)  # failure demand stems from a claim delivered this recently
CORRECTION_CHANCE = 0.8  # of an amendment, when the agency has a recent delivered claim
QUERY_CHANCE = 0.35  # of a query: a repeat request or a complaint


def calendar_body(calendar: WorkCalendar) -> dict[str, Any]:
    return {"timezone": calendar.timezone, "working_days": WEEKDAYS,
            "working_hours": [f"{calendar.opens:%H:%M}", f"{calendar.closes:%H:%M}"]}


def promise(uow: UnitOfWork, clock: Clock, key: str, manager: str,
            calendar: WorkCalendar) -> None:
    """Register the priority clients and give the service its agreements (CLM only)."""
    if key != PROMISING:
        return
    actor = accounts.actor_named(uow, clock, manager)
    days = calendar_body(calendar)
    for name in PRIORITY_CLIENTS:
        customer = registry.create_customer(uow, clock, LOCAL_USER, name=name)
        agreements.create_agreement(uow, clock, actor, key, {
            "name": f"{name}: same day by noon", "customer": customer.key,
            "calendar": days, "cut_off": "12:00",
            "target": {"value": 1, "unit": "working_days", "share": 0.9}})
    agreements.create_agreement(uow, clock, actor, key, {
        "name": "Other agencies: two working days", "calendar": days,
        "target": {"value": 2, "unit": "working_days", "share": 0.85}})


@dataclass
class FailureDemand:
    """Which earlier claims new work stems from, chosen with its own random stream (so the
    rest of the simulation draws exactly what it drew before)."""

    rng: random.Random
    delivered: dict[str, list[tuple[datetime, Card]]] = field(default_factory=dict)

    def delivered_claim(self, card: Card, now: datetime) -> None:
        if card.item.type == "claim":
            self.delivered.setdefault(card.item.customer, []).append((now, card))

    def stems_from(self, card: Card, now: datetime) -> tuple[str, Card] | None:
        """The kind and the earlier claim a new item is failure demand of, or None."""
        kind = card.item.type
        if kind == "amendment":
            chance, what = CORRECTION_CHANCE, "correction"
        elif kind == "query":
            chance, what = QUERY_CHANCE, self.rng.choice(("repeat", "repeat", "complaint"))
        else:
            return None
        if self.rng.random() >= chance:
            return None
        recent = [c for at, c in self.delivered.get(card.item.customer, [])
                  if now - at <= LOOK_BACK and c.item.delivered_at is not None]
        if not recent:
            return None
        return what, self.rng.choice(recent[-10:])
