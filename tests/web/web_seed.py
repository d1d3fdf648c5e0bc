"""A small, realistic claims service, built through the use cases, for the web tests.

Until the demo simulator can build one quickly, this is the board the browser tests drive. The
people: Ana Lima and Ben Okafor (claims handlers), Chen Wei (settlements), Dana Fischer (team
lead). The customers are travel agencies.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from cast import enrol, enrol_owner
from flowdesk.domain.classes import ClassOfService
from flowdesk.domain.clock import FixedClock
from flowdesk.domain.people import Actor
from flowdesk.domain.workflow import Phase, StageKind, StageSpec
from flowdesk.services import admin
from flowdesk.services import items as uc
from flowdesk.services.commands import AssignItem, BlockItem, CreateItem, CreateService, MoveItem
from flowdesk.storage.unit_of_work import UnitOfWork

DANA = Actor("dana", "Dana Fischer", operator=True)  # the use cases, called as the operator
WORKFLOW = [
    StageSpec("Options", Phase.UPSTREAM, StageKind.QUEUE,
              policy="Any claim may wait here. **Triage** daily at 10:00."),
    StageSpec("Ready", Phase.UPSTREAM, StageKind.QUEUE, wip_limit=6,
              policy="Documents checked and complete.\n\n- policy number valid\n- receipts"),
    StageSpec("Assess", Phase.COMMITTED, StageKind.ACTIVITY, wip_limit=4,
              policy="Exit: liability decided and amount agreed with the client."),
    StageSpec("Settle", Phase.COMMITTED, StageKind.ACTIVITY, wip_limit=3,
              policy="Exit: payment instructed."),
    StageSpec("Check", Phase.COMMITTED, StageKind.QUEUE, wip_limit=3,
              policy="Four eyes: a second handler confirms the payment."),
    StageSpec("Done", Phase.DONE, StageKind.QUEUE),
    StageSpec("Discarded", Phase.DISCARDED, StageKind.QUEUE),
]


@dataclass
class Seeded:
    service: str
    stages: dict[str, int]
    keys: dict[str, str] = field(default_factory=dict)  # role -> item key


def seed_claims(uow: UnitOfWork, now: datetime, key: str = "CLM") -> Seeded:
    """Build the service as it stands at `now`: history over the three weeks before it."""
    clock = FixedClock(now - timedelta(days=21))
    service = admin.create_service(uow, clock, DANA, CreateService(
        key=key, name="Priority claims", stages=WORKFLOW, person_wip_limit=None,
        description="Claims from our priority travel agencies.",
    ))
    enrol(uow, clock, service.key, ["ana", "ben", "chen", "dana"])
    enrol_owner(uow, clock, service.key)
    seeded = Seeded(service.key, {s.name: s.id for s in service.stages})
    st = seeded.stages

    def make(role: str, title: str, *, cos: ClassOfService = ClassOfService.STANDARD,
             customer: str = "", people: tuple[str, ...] = (), due: date | None = None,
             description: str = "", kind: str = "claim") -> str:
        clock.advance(timedelta(hours=3))
        item = uc.create_item(uow, clock, DANA, CreateItem(
            service_key=key, title=title, type=kind, cos=cos, customer=customer,
            assignees=people, due_date=due, description=description,
        ))
        seeded.keys[role] = item.key
        return item.key

    def move(item_key: str, stage: str, reason: str | None = None) -> None:
        clock.advance(timedelta(hours=5))
        uc.move_item(uow, clock, DANA, MoveItem(item_key, st[stage], reason=reason))

    def walk(item_key: str, *stages: str) -> None:
        for stage in stages:
            move(item_key, stage)

    # Delivered long ago (outside the 14-day done window), then recently.
    for n, title in enumerate(["Lost luggage, Lisbon", "Missed connection, Frankfurt"]):
        k = make(f"old_done_{n}", title, customer="Northwind Agency", people=("ana",))
        walk(k, "Ready", "Assess", "Settle", "Check", "Done")
    clock.set(now - timedelta(days=10))
    for n, title in enumerate(["Hotel overbooking refund", "Cancelled ferry, Split",
                               "Medical expenses, Bangkok", "Rental car damage, Faro"]):
        k = make(f"done_{n}", title, customer=["Contoso Travel", "Fabrikam Insurance"][n % 2],
                 people=("ben",))
        walk(k, "Ready", "Assess", "Settle", "Check", "Done")
    k = make("discarded", "Duplicate of flight delay claim", customer="Tailspin Tours")
    move(k, "Discarded", reason="duplicate of an earlier claim")

    clock.set(now - timedelta(days=6))
    # Check holds a fixed-date item that is overdue.
    k = make("check_overdue", "Court-ordered payout, Oslo", cos=ClassOfService.FIXED_DATE,
             customer="Contoso Travel", people=("chen",), due=(now - timedelta(days=1)).date())
    walk(k, "Ready", "Assess", "Settle", "Check")
    # Settle is full (3 of 3): the refusal tests pull into it.
    for role, title, customer, person in [
        ("settle_a", "Flight delay compensation, 4 passengers", "Contoso Travel", "chen"),
        ("settle_b", "Stolen camera, Marrakesh", "Northwind Agency", "chen"),
        ("settle_c", "Trip curtailment, family of five", "Fabrikam Insurance", "ana"),
    ]:
        k = make(role, title, customer=customer, people=(person,))
        walk(k, "Ready", "Assess", "Settle")
    # Assess has room (2 of 4).
    k = make("assess_blocked", "Baggage delay, Reykjavik", customer="Tailspin Tours",
             people=("ben",))
    walk(k, "Ready", "Assess")
    clock.advance(timedelta(hours=2))
    uc.block_item(uow, clock, DANA, BlockItem(k, "Waiting for the airline's PIR report",
                                              "vendor"))
    k = make("assess", "Emergency dental treatment, Rome", customer="Northwind Agency",
             people=("ana", "dana"),
             description="Client paid **€420** in cash. Receipt attached.")
    walk(k, "Ready", "Assess")
    # Ready: the cards the tests drag.
    clock.set(now - timedelta(days=2))
    make("ready_a", "Cancelled tour, Cusco", customer="Tailspin Tours")
    make("ready_b", "Pickpocketing, Barcelona", customer="Contoso Travel", kind="inquiry")
    make("ready_due", "Visa refusal refund", cos=ClassOfService.FIXED_DATE,
         customer="Fabrikam Insurance", due=now.date())
    make("ready_expedite", "Hospitalised abroad: guarantee of payment",
         cos=ClassOfService.EXPEDITE, customer="Northwind Agency", people=("dana",))
    for role in ("ready_a", "ready_b", "ready_due", "ready_expedite"):
        move(seeded.keys[role], "Ready")
    # Options: unrefined requests.
    for n, title in enumerate(["Question about cover for cruises", "Broken laptop, Vienna",
                               "Strike at Paris airport", "Lost passport, Tokyo"]):
        make(f"option_{n}", title, cos=[ClassOfService.STANDARD, ClassOfService.INTANGIBLE][n % 2],
             customer=["Contoso Travel", "Northwind Agency", ""][n % 3])
    clock.set(now - timedelta(hours=1))
    uc.assign_item(uow, clock, DANA, AssignItem(seeded.keys["ready_a"], "ben"))
    return seeded
