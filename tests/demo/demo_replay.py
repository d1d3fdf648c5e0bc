"""Replay an event log and check that no WIP limit was ever exceeded without a recorded override.

The replay rebuilds the counts from the log alone (created, moved, assigned, unassigned,
limit_changed, wip_override), so it checks what the log says happened, not what the simulation
meant to do.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, select

from flowdesk.storage.tables import (
    class_policies,
    item_events,
    services,
    stage_group_members,
    stage_groups,
    stages,
)

OPEN = ("upstream", "committed")


@dataclass
class Rules:
    """The limits in force at the start of the log (later changes come from the log)."""

    phase: dict[int, str]  # stage id -> phase
    service_of: dict[int, int]  # stage id -> service id
    stage_limit: dict[int, int | None]
    groups: list[tuple[frozenset[int], int]]  # member stage ids, limit
    class_limit: dict[tuple[int, str], int | None]  # (service id, cos) -> limit
    may_exceed: dict[tuple[int, str], bool]
    person_limit: dict[int, int | None]  # service id -> limit


@dataclass
class Event:
    id: int
    service_id: int
    item_id: int | None
    kind: str
    from_stage: int | None
    to_stage: int | None
    payload: dict[str, Any]


@dataclass
class Replay:
    violations: list[str] = field(default_factory=list)
    moves_checked: int = 0
    overrides: int = 0


def load_rules(conn: Connection) -> Rules:
    """Today's limits, wound back to the start with the first `limit_changed` of each."""
    rows = conn.execute(select(stages)).all()
    events = load_events(conn)
    stage_limit: dict[int, int | None] = {r.id: r.wip_limit for r in rows}
    person_limit: dict[int, int | None] = {
        r.id: r.person_wip_limit for r in conn.execute(select(services))}
    wound_back: set[object] = set()
    for e in events:
        if e.kind != "limit_changed":
            continue
        scope = e.payload.get("scope")
        if scope == "stage" and e.to_stage not in wound_back:
            wound_back.add(e.to_stage)
            stage_limit[int(e.to_stage or 0)] = e.payload["old"]
        elif scope == "person" and ("person", e.service_id) not in wound_back:
            wound_back.add(("person", e.service_id))
            person_limit[e.service_id] = e.payload["old"]
    members: dict[int, set[int]] = {}
    for m in conn.execute(select(stage_group_members)):
        members.setdefault(m.group_id, set()).add(m.stage_id)
    groups = [(frozenset(members.get(g.id, set())), g.wip_limit)
              for g in conn.execute(select(stage_groups)) if g.wip_limit is not None]
    policies = conn.execute(select(class_policies)).all()
    return Rules(
        phase={r.id: r.phase for r in rows},
        service_of={r.id: r.service_id for r in rows},
        stage_limit=stage_limit,
        groups=groups,
        class_limit={(p.service_id, p.cos): p.wip_limit for p in policies},
        may_exceed={(p.service_id, p.cos): p.may_exceed_stage_limits for p in policies},
        person_limit=person_limit,
    )


def load_events(conn: Connection) -> list[Event]:
    return [
        Event(r.id, r.service_id, r.item_id, r.kind, r.from_stage_id, r.to_stage_id,
              dict(r.payload or {}))
        for r in conn.execute(select(item_events).order_by(item_events.c.id))
    ]


def replay(rules: Rules, events: list[Event]) -> Replay:
    """Walk the log; every move or assignment that went past a limit must follow an override."""
    result = Replay()
    stage_limit, person_limit = dict(rules.stage_limit), dict(rules.person_limit)
    rules = Rules(rules.phase, rules.service_of, stage_limit, rules.groups, rules.class_limit,
                  rules.may_exceed, person_limit)  # limits change as the log goes on
    stage_of: dict[int, int] = {}
    cos_of: dict[int, str] = {}
    people: dict[int, set[str]] = {}
    in_stage: Counter[int] = Counter()
    in_class: Counter[tuple[int, str]] = Counter()  # committed items, by service and class
    per_person: Counter[tuple[int, str]] = Counter()  # committed items, by service and person
    overridden: int | None = None  # the item the last wip_override event was for
    for e in events:
        if e.kind == "wip_override":
            result.overrides += 1
            overridden = e.item_id
            continue
        excused = overridden is not None and overridden == e.item_id
        overridden = None
        if e.kind == "limit_changed":
            if e.payload.get("scope") == "stage":
                rules.stage_limit[int(e.to_stage or 0)] = e.payload["new"]
            elif e.payload.get("scope") == "person":
                rules.person_limit[e.service_id] = e.payload["new"]
        elif e.kind == "created" and e.item_id is not None:
            stage_of[e.item_id] = int(e.to_stage or 0)
            cos_of[e.item_id] = str(e.payload["cos"])
            people[e.item_id] = set(e.payload.get("assignees", []))
            in_stage[stage_of[e.item_id]] += 1
        elif e.kind == "moved" and e.item_id is not None:
            item = e.item_id
            source, target = int(e.from_stage or 0), int(e.to_stage or 0)
            found = _move_violations(rules, e.service_id, cos_of[item], people[item], source,
                                     target, in_stage, in_class, per_person)
            result.moves_checked += 1
            if found and not excused:
                result.violations.append(f"event {e.id}: " + "; ".join(found))
            in_stage[source] -= 1
            in_stage[target] += 1
            was, now = rules.phase[source] == "committed", rules.phase[target] == "committed"
            if was != now:
                step = 1 if now else -1
                in_class[(e.service_id, cos_of[item])] += step
                for person in people[item]:
                    per_person[(e.service_id, person)] += step
            stage_of[item] = target
        elif e.kind == "assigned" and e.item_id is not None:
            person = str(e.payload["person"])
            if rules.phase[stage_of[e.item_id]] == "committed":
                limit = rules.person_limit.get(e.service_id)
                count = per_person[(e.service_id, person)]
                if limit is not None and count >= limit and not excused:
                    result.violations.append(f"event {e.id}: {person} has {count} of {limit}")
                per_person[(e.service_id, person)] += 1
            people[e.item_id].add(person)
        elif e.kind == "unassigned" and e.item_id is not None:
            person = str(e.payload["person"])
            people[e.item_id].discard(person)
            if rules.phase[stage_of[e.item_id]] == "committed":
                per_person[(e.service_id, person)] -= 1
    return result


def _move_violations(rules: Rules, service: int, cos: str, assignees: set[str], source: int,
                     target: int, in_stage: Counter[int], in_class: Counter[tuple[int, str]],
                     per_person: Counter[tuple[int, str]]) -> list[str]:
    if source == target or rules.phase[target] not in OPEN:
        return []
    found = []
    if not rules.may_exceed.get((service, cos), False):
        limit = rules.stage_limit[target]
        if limit is not None and in_stage[target] >= limit:
            found.append(f"stage {target} at {in_stage[target]} of {limit}")
        for members, group_limit in rules.groups:
            if target in members and source not in members:
                count = sum(in_stage[s] for s in members)
                if count >= group_limit:
                    found.append(f"group at {count} of {group_limit}")
    if rules.phase[target] == "committed" and rules.phase[source] != "committed":
        class_limit = rules.class_limit.get((service, cos))
        if class_limit is not None and in_class[(service, cos)] >= class_limit:
            found.append(f"class {cos} at {in_class[(service, cos)]} of {class_limit}")
        person_limit = rules.person_limit.get(service)
        for person in assignees:
            if person_limit is not None and per_person[(service, person)] >= person_limit:
                found.append(f"{person} at {per_person[(service, person)]} of {person_limit}")
    return found
