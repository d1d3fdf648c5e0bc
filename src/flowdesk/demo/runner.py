"""`run_demo`: build the claims service centre's history through the use cases."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import partial

from sqlalchemy import func, select, update

from flowdesk.demo.arrivals import arrivals
from flowdesk.demo.batch import BatchedUnitOfWork
from flowdesk.demo.board import Board
from flowdesk.demo.calendar import WorkCalendar
from flowdesk.demo.claims import SCENARIO
from flowdesk.demo.desk import Desk
from flowdesk.demo.flow import ServiceFlow
from flowdesk.demo.people import acting, enrol_team
from flowdesk.demo.promises import PROMISING, FailureDemand, promise
from flowdesk.demo.scenario import ServicePlan
from flowdesk.demo.simulation import Simulation
from flowdesk.demo.skills_matrix import staff_the_skills
from flowdesk.domain.clock import FixedClock, SystemClock
from flowdesk.domain.errors import Conflict, InvalidInput
from flowdesk.domain.people import LOCAL_USER
from flowdesk.domain.workflow import Service
from flowdesk.services import accounts, admin, demand
from flowdesk.services.commands import CreateService
from flowdesk.storage.tables import item_events, items, services
from flowdesk.storage.unit_of_work import UnitOfWork

MAX_DAYS = 3_660


@dataclass(frozen=True)
class DemoSummary:
    services: tuple[str, ...]  # keys of the services created
    items: int
    events: int  # rows in the event log, rule changes included
    days: int  # simulated days
    start: datetime
    end: datetime
    outage_day: date  # the morning the claims' intake was down (see `outage_day`)


def run_demo(uow: UnitOfWork, *, seed: int = 7, days: int = 182, end: datetime | None = None,
             progress: Callable[[int], None] | None = None) -> DemoSummary:
    """Simulate `days` of the claims service centre up to `end` (default: now) and return
    what was made. The same seed and end give the same event log.

    `progress` is called with the number of simulated days done, as they pass.
    Raises Conflict, before writing anything, if a demo service already exists.
    """
    if isinstance(days, bool) or not 1 <= days <= MAX_DAYS:
        raise InvalidInput(f"days must be between 1 and {MAX_DAYS}", "days")
    if end is None:
        end = SystemClock().now()
    elif end.tzinfo is None:
        raise InvalidInput("end must be a timezone-aware datetime", "end")
    end = end.astimezone(UTC).replace(microsecond=0)
    start = end - timedelta(days=days)
    _refuse_if_present(uow)

    calendar = WorkCalendar()
    outage = outage_day(calendar, end)
    clock = FixedClock(start)
    batch = BatchedUnitOfWork(uow)
    desk = Desk(batch, clock)
    simulation = Simulation(start, end, progress)
    try:
        services = {plan.key: _create_service(batch, clock, plan, calendar)
                    for plan in SCENARIO}
        batch.commit()  # the people must be readable as actors before anyone acts
        for plan in SCENARIO:  # the promises stand before the first request arrives
            promise(batch, clock, plan.key, plan.manager.username, calendar)
        batch.commit()
        desk.actors = acting(uow, clock, SCENARIO)
        for plan in SCENARIO:
            board = Board(services[plan.key])
            rng = random.Random(f"flowdesk-demo:{seed}:{plan.key}:work")
            failures = FailureDemand(random.Random(f"flowdesk-demo:{seed}:{plan.key}:failure"))
            flow = ServiceFlow(plan, board, desk, calendar, rng, simulation.schedule, start,
                               failures if plan.key == PROMISING else None)
            _schedule(simulation, flow, plan, calendar, seed, start, end, outage)
        simulation.run()
        batch.commit()
    finally:
        batch.rollback()  # only if something failed: a committed batch leaves nothing open
    clock.set(end)
    staff_the_skills(uow, clock, SCENARIO, calendar, outage)
    for plan in SCENARIO:
        if plan.alert_thresholds:
            manager = accounts.actor_named(uow, clock, plan.manager.username)
            demand.set_thresholds(uow, clock, manager, plan.key, dict(plan.alert_thresholds))
    return _summary(uow, SCENARIO, days, start, end, outage)


def outage_day(calendar: WorkCalendar, end: datetime) -> date:
    """The day of the claims' intake outage: the last working day of the period, the day of
    `end` itself when it is one, so that opening the demo just after it ends ("today") shows
    the morning's drop in arrivals, and later that day the surge."""
    day = calendar.local(end).date()
    while not calendar.is_working_day(day):
        day -= timedelta(days=1)
    return day


def existing_demo_services(uow: UnitOfWork) -> list[str]:
    """Keys of the demo's services that already exist in the database."""
    keys = [p.key for p in SCENARIO]
    with uow.read() as conn:
        return sorted(conn.execute(select(services.c.key).where(services.c.key.in_(keys)))
                      .scalars())


def _refuse_if_present(uow: UnitOfWork) -> None:
    present = existing_demo_services(uow)
    if present:
        raise Conflict(
            f"the demo services already exist ({', '.join(present)}): "
            "load the demo into an empty database"
        )


def _create_service(uow: BatchedUnitOfWork, clock: FixedClock, plan: ServicePlan,
                    calendar: WorkCalendar) -> Service:
    """Create the service with its workflow, CONWIP groups and class-of-service policies,
    and its people. Whoever runs the demo creates it; its manager shapes it."""
    service = admin.create_service(uow, clock, LOCAL_USER, CreateService(
        key=plan.key, name=plan.name, description=plan.description, stages=plan.stages,
        blocker_categories=[b.category for b in plan.blockers],
        person_wip_limit=plan.person_wip_limit, timezone=calendar.timezone,
    ))
    with uow.write() as conn:  # `flowdesk demo --remove` removes what is marked
        conn.execute(update(services).where(services.c.id == service.id).values(demo=True))
    enrol_team(uow, clock, plan)
    uow.commit()  # the manager reads their new membership on a connection of its own
    actor = accounts.actor_named(uow, clock, plan.manager.username)
    by_name = {s.name: s.id for s in service.stages}
    for name, stage_names, limit in plan.groups:
        service = admin.create_stage_group(uow, clock, actor, plan.key, name,
                                           [by_name[s] for s in stage_names], limit)
    for cos, text in plan.class_policies.items():
        service = admin.set_class_policy(uow, clock, actor, plan.key, cos, {"policy": text})
    return service


def _schedule(simulation: Simulation, flow: ServiceFlow, plan: ServicePlan,
              calendar: WorkCalendar, seed: int, start: datetime, end: datetime,
              outage: date) -> None:
    """Put the period's arrivals, working mornings, meetings and rule changes in the diary."""
    demand_rng = random.Random(f"flowdesk-demo:{seed}:{plan.key}:arrivals")
    for arrival in arrivals(plan, calendar, start, end, demand_rng, outage):
        simulation.schedule(arrival.at, partial(flow.arrive, arrival))
    # Someone looks at the board when the office opens, when a round begins and ends.
    moments = sorted({calendar.opens, *(t for m in plan.team for window in (m.hours or ())
                                         for t in window)})
    if plan.start_first_until is not None:
        moments = sorted({*moments, plan.start_first_until})
    for day in calendar.working_days(start, end):
        for moment in moments:
            at = calendar.at(day, moment)
            if at >= start:
                simulation.schedule(at, flow.settle)
        meeting = plan.replenishment
        if meeting is not None and day.weekday() in meeting.weekdays:
            at = calendar.at(day, meeting.at)
            if at >= start:
                simulation.schedule(at, flow.replenish)
    for change in plan.limit_changes:
        at = calendar.next_opening(start + (end - start) * change.at_fraction)
        at += timedelta(minutes=30)
        simulation.schedule(at, partial(flow.change_limit, change.stage, change.limit))


def _summary(uow: UnitOfWork, plans: tuple[ServicePlan, ...], days: int, start: datetime,
             end: datetime, outage: date) -> DemoSummary:
    keys = [p.key for p in plans]
    with uow.read() as conn:
        ids = select(services.c.id).where(services.c.key.in_(keys)).scalar_subquery()
        item_count = conn.execute(
            select(func.count()).select_from(items).where(items.c.service_id.in_(ids))
        ).scalar_one()
        event_count = conn.execute(
            select(func.count()).select_from(item_events)
            .where(item_events.c.service_id.in_(ids))
        ).scalar_one()
    return DemoSummary(tuple(keys), int(item_count), int(event_count), days, start, end,
                       outage)
