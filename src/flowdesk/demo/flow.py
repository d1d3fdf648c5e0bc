"""How one service's team works: pull when there is room, finish before starting, get blocked.

Every decision is checked against the WIP limits first (with the domain's rules, over the
simulation's copy of the board) and then made through the use cases, at the simulated time.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flowdesk.demo.arrivals import Arrival
from flowdesk.demo.board import Board, Card, State
from flowdesk.demo.calendar import WorkCalendar
from flowdesk.demo.desk import Desk
from flowdesk.demo.promises import FailureDemand
from flowdesk.demo.scenario import Activity, Member, ServicePlan
from flowdesk.domain.classes import ClassOfService
from flowdesk.domain.errors import LimitViolation
from flowdesk.domain.people import Actor
from flowdesk.domain.workflow import Phase, Stage

Action = Callable[[datetime], None]
Schedule = Callable[[datetime, Action], None]

DUE_SOON_DAYS = 3  # fixed-date work is pulled ahead of standard work this close to its date
OVERRIDE_GAP = timedelta(days=7)  # overrides are rare: at most one per service a week
MAX_REOPEN_TRIES = 5


@dataclass(eq=False)
class Worker:
    member: Member
    free_since: datetime
    busy: Card | None = None


def priority(card: Card, soon: date) -> tuple[int, date, datetime, int]:
    """Pull order: expedite, then fixed dates due soon, then oldest first; intangible last."""
    item = card.item
    rank = 2
    if item.cos is ClassOfService.EXPEDITE:
        rank = 0
    elif item.cos is ClassOfService.FIXED_DATE and item.due_date and item.due_date <= soon:
        rank = 1
    elif item.cos is ClassOfService.INTANGIBLE:
        rank = 3
    return rank, item.due_date or date.max, item.arrived_at, item.id


class ServiceFlow:
    def __init__(self, plan: ServicePlan, board: Board, desk: Desk, calendar: WorkCalendar,
                 rng: random.Random, schedule: Schedule, start: datetime,
                 failures: FailureDemand | None = None) -> None:
        self.plan = plan
        self.failures = failures  # which new work is failure demand, and of what
        self.board = board
        self.desk = desk
        self.calendar = calendar
        self.rng = rng
        self.schedule = schedule
        self.workers = [Worker(m, start) for m in plan.team]
        self.members = {m.username: m for m in [*plan.team, plan.manager]}
        self.activities = {board.named(a.stage).id: a for a in plan.activities}
        self.last_override: datetime | None = None

    # --- events -------------------------------------------------------------------------------

    def arrive(self, arrival: Arrival, now: datetime) -> None:
        card = self.desk.create(self.board, arrival)
        if self.failures is not None:
            found = self.failures.stems_from(card, now)
            if found is not None:  # the team records what the new work stems from
                self.desk.mark_failure(card, found[0], found[1], self.plan.manager.actor, now)
        if self.rng.random() < self.plan.discard_chance:
            card.discard_reason = self.rng.choice(self.plan.discard_reasons)
        self.settle(now)

    def settle(self, now: datetime) -> None:
        """Let everything that can happen now happen: finished work moves on, free hands pull."""
        while True:
            calls = self.desk.calls
            self._advance_finished(now)
            if self.calendar.is_open(now):
                self._fast_track_expedites(now)
                self._dispatch(now)
            if self.desk.calls == calls:
                return

    def replenish(self, now: datetime) -> None:
        """The replenishment meeting: drop what is no longer wanted, then fill the next stage."""
        plan = self.plan.replenishment
        assert plan is not None
        source, target = self.board.named(plan.source), self.board.named(plan.target)
        stale = timedelta(days=plan.stale_after_days)
        manager = self.plan.manager.actor
        for card in self._queued(source, now):
            if card.discard_reason:
                self._discard(card, card.discard_reason, manager, now)
            elif now - card.item.arrived_at > stale and self.rng.random() < 0.5:
                self._discard(card, self.rng.choice(plan.stale_reasons), manager, now)
        for card in self._queued(source, now):
            if not self.board.violations(card, target):
                self.desk.move(self.board, card, target, manager, now)
        self.settle(now)

    def change_limit(self, stage_name: str, limit: int | None, now: datetime) -> None:
        stage = self.board.named(stage_name)
        self.desk.set_limit(self.board, stage, limit, self.plan.manager.actor, now)
        self.settle(now)

    # --- moving finished work on ----------------------------------------------------------------

    def _advance_finished(self, now: datetime) -> None:
        # Downstream first, so room made at the end of the line travels back up in one pass.
        for stage_id in reversed(list(self.activities)):
            for card in [c for c in self.board.cards[stage_id] if c.state is State.FINISHED]:
                self._advance(card, now)

    def _advance(self, card: Card, now: datetime) -> None:
        nxt = self.board.next_stage(card.stage_id)
        actor = self.members[card.last_worker].actor
        if nxt.phase is Phase.DONE:
            self.desk.move(self.board, card, nxt, actor, now)
            card.state = State.CLOSED
            if self.failures is not None:
                self.failures.delivered_claim(card, now)
            if self.rng.random() < self.plan.reopen_chance:
                later = now + timedelta(days=self.rng.uniform(1, 10))
                self.schedule(self._opening(later), lambda t: self._reopen(card, t))
            return
        if self.board.violations(card, nxt):
            return  # no room: it waits, finished, in its activity
        self.desk.move(self.board, card, nxt, actor, now)
        card.state = State.QUEUED
        wait = self.plan.waits.get(nxt.name)
        card.ready_at = None
        if wait is not None:  # waiting on someone outside: look again once they have answered
            card.ready_at = now + timedelta(hours=wait.draw(self.rng))
            self.schedule(self._opening(card.ready_at), self.settle)

    def _fast_track_expedites(self, now: datetime) -> None:
        """Expedites skip the replenishment meeting: the manager moves them on at once."""
        plan = self.plan.replenishment
        if plan is None:
            return
        source, target = self.board.named(plan.source), self.board.named(plan.target)
        for card in self._queued(source, now):
            if card.item.cos is ClassOfService.EXPEDITE and not self.board.violations(card, target):
                self.desk.move(self.board, card, target, self.plan.manager.actor, now)

    # --- giving free hands work -----------------------------------------------------------------

    def _dispatch(self, now: datetime) -> None:
        local = self.calendar.local(now)
        soon = self.calendar.add_working_days(local.date(), DUE_SOON_DAYS)
        free = sorted((w for w in self.workers
                       if w.busy is None and w.member.available(local.time())),
                      key=lambda w: (w.free_since, w.member.username))
        start_first = bool(self.plan.start_first_until
                           and local.time() < self.plan.start_first_until)
        for worker in free:
            if not self._resume(worker, now, soon):
                self._pull(worker, now, soon, start_first)

    def _resume(self, worker: Worker, now: datetime, soon: date) -> bool:
        """Pick up work already in an activity (unblocked, or back for correction)."""
        name = worker.member.username
        waiting: list[tuple[Card, Activity]] = []
        for stage_id, activity in self.activities.items():
            if activity.role not in worker.member.roles:
                continue
            waiting += [(c, activity) for c in self.board.cards[stage_id]
                        if c.state is State.WAITING and (not activity.owner or c.owner == name)]
        if not waiting:
            return False
        card, activity = min(waiting, key=lambda pair: priority(pair[0], soon))
        self._start(worker, card, activity, now)
        return True

    def _pull(self, worker: Worker, now: datetime, soon: date, start_first: bool) -> bool:
        """Pull the most urgent card that fits, from the stage before an activity.

        Downstream activities first: finishing work comes before starting new work, except
        in a morning round that starts everything first (`start_first`).
        """
        name = worker.member.username
        actor = worker.member.actor
        order = self.plan.activities if start_first else reversed(self.plan.activities)
        for activity in order:
            if activity.role not in worker.member.roles:
                continue
            target, source = self.board.named(activity.stage), self.board.named(activity.source)
            candidates = [c for c in self._queued(source, now, soon)
                          if not activity.owner or c.owner in (None, name)]
            # Between two cards from the same stage, the limits can only differ by class of
            # service, assignees and a new owner: decide once per kind, not once per card.
            # (Overrides also depend on the due date, but the nearest date comes first.)
            refused: set[tuple[ClassOfService, tuple[str, ...], str | None]] = set()
            for card in candidates:
                if card.discard_reason and source.phase is Phase.UPSTREAM:
                    self._discard(card, card.discard_reason, actor, now)
                    continue
                new_owner = name if activity.owner and card.owner is None else None
                kind = (card.item.cos, card.item.assignees, new_owner)
                if kind in refused:
                    continue
                violations = self.board.violations(card, target, new_owner)
                override = self._override_reason(card, violations, now) if violations else None
                if violations and override is None:
                    refused.add(kind)
                    continue
                self.desk.move(self.board, card, target, actor, now, override=override)
                if new_owner is not None:
                    self.desk.assign(self.board, card, new_owner, actor, now)
                    card.owner = new_owner
                self._start(worker, card, activity, now)
                return True
        return False

    def _queued(self, stage: Stage, now: datetime, soon: date | None = None) -> list[Card]:
        """Cards waiting in a stage that may be pulled now, most urgent first."""
        soon = soon or self.calendar.add_working_days(self.calendar.local(now).date(),
                                                      DUE_SOON_DAYS)
        ready = [c for c in self.board.cards[stage.id]
                 if c.state is State.QUEUED and (c.ready_at is None or c.ready_at <= now)]
        return sorted(ready, key=lambda c: priority(c, soon))

    def _override_reason(self, card: Card, violations: list[LimitViolation],
                         now: datetime) -> str | None:
        """Now and then urgent work knowingly passes a limit, and the team records why.

        A fixed date due by the next working day may pass a full stage; a second expedite may
        pass the one-at-a-time limit. At most one override per service in a while.
        """
        item = card.item
        reasons = self.plan.override_reasons.get(item.cos)
        if not reasons or (self.last_override and now - self.last_override < OVERRIDE_GAP):
            return None
        scopes = {v.scope for v in violations}
        if item.cos is ClassOfService.FIXED_DATE:
            tomorrow = self.calendar.add_working_days(self.calendar.local(now).date(), 1)
            if item.due_date is None or item.due_date > tomorrow:
                return None
            if not scopes <= {"stage", "stage_group"}:
                return None
        elif item.cos is not ClassOfService.EXPEDITE or scopes != {"class_of_service"}:
            return None
        self.last_override = now
        return self.rng.choice(reasons)

    # --- doing the work -------------------------------------------------------------------------

    def _start(self, worker: Worker, card: Card, activity: Activity, now: datetime) -> None:
        worker.busy = card
        card.state = State.WORKING
        card.last_worker = worker.member.username
        if card.remaining is None:  # a fresh visit to this activity
            scale = card.arrival.work_factor * (0.5 if card.rework else 1.0)
            card.remaining = activity.work.draw(self.rng, scale)
            card.blocked_here = False
            card.block_after = None
            if self.rng.random() < activity.block_chance:
                card.block_after = card.remaining * self.rng.uniform(0.1, 0.9)
        if card.block_after is not None and not card.blocked_here:
            at = self.calendar.add_working_hours(now, card.block_after)
            self.schedule(at, lambda t: self._block(card, worker, t))
        else:
            at = self.calendar.add_working_hours(now, card.remaining)
            self.schedule(at, lambda t: self._finish(card, worker, t))

    def _free(self, worker: Worker, now: datetime) -> None:
        worker.busy = None
        worker.free_since = now

    def _block(self, card: Card, worker: Worker, now: datetime) -> None:
        kinds = self.plan.blockers
        kind = self.rng.choices(kinds, weights=[k.weight for k in kinds])[0]
        self.desk.block(card, kind.category, self.rng.choice(kind.reasons), worker.member.actor,
                        now)
        assert card.remaining is not None and card.block_after is not None
        card.state = State.BLOCKED
        card.blocked_here = True
        card.remaining -= card.block_after
        card.block_after = None
        self._free(worker, now)
        until = self._opening(now + timedelta(hours=kind.duration.draw(self.rng)))
        self.schedule(until, lambda t: self._unblock(card, t))
        self.settle(now)

    def _unblock(self, card: Card, now: datetime) -> None:
        self.desk.unblock(card, self.members[card.last_worker].actor, now)
        card.state = State.WAITING
        self.settle(now)

    def _finish(self, card: Card, worker: Worker, now: datetime) -> None:
        self._free(worker, now)
        activity = self.activities[card.stage_id]
        card.remaining = None
        card.state = State.FINISHED
        if activity.rework_to and self.rng.random() < activity.rework_chance:
            target = self.board.named(activity.rework_to)
            if not self.board.violations(card, target):
                self.desk.move(self.board, card, target, worker.member.actor, now,
                               reason=self.rng.choice(activity.rework_reasons))
                card.state = State.QUEUED
                card.rework = True
                card.ready_at = None
        self.settle(now)

    def _reopen(self, card: Card, now: datetime) -> None:
        target = self.board.named(self.plan.reopen_to)
        if self.board.violations(card, target):
            card.reopen_tries += 1
            if card.reopen_tries < MAX_REOPEN_TRIES:  # the owner is full: try again tomorrow
                self.schedule(self._opening(now + timedelta(days=1)),
                              lambda t: self._reopen(card, t))
            return
        # Reopening delivered work is the Service Delivery Manager's call (docs/roles.md).
        self.desk.move(self.board, card, target, self.plan.manager.actor, now,
                       reason=self.rng.choice(self.plan.reopen_reasons))
        card.state = State.QUEUED
        card.rework = True
        card.ready_at = None
        self.settle(now)

    def _discard(self, card: Card, reason: str, actor: Actor, now: datetime) -> None:
        self.desk.move(self.board, card, self.board.first(Phase.DISCARDED), actor, now,
                       reason=reason)
        card.state = State.CLOSED

    def _opening(self, when: datetime) -> datetime:
        """`when` if the office is open then; else a little after it next opens."""
        if self.calendar.is_open(when):
            return when
        return self.calendar.next_opening(when) + timedelta(minutes=self.rng.randrange(0, 45))
