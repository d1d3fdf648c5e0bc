"""The demo's skills matrix and availability: the skills each service's work needs, the
simulated people's levels, their working hours and personal WIP limits, and who is away on the
outage day.

They are set through the use cases as the local operator once the simulation is over (skills
and availability do not change how the simulated people work), with the clock at the end of the
run, plus one level a team member proposed that nobody has confirmed yet. On the outage day the
claims team's only specialist in foreign-currency payments is off sick, so the skill is a gap
there, while the settlements team, which has room, has an expert and a learner in it.
"""

from __future__ import annotations

from datetime import date

from flowdesk.demo.calendar import WorkCalendar
from flowdesk.demo.scenario import ServicePlan
from flowdesk.domain.clock import Clock
from flowdesk.domain.people import LOCAL_USER
from flowdesk.services import accounts, availability, skills
from flowdesk.storage.unit_of_work import UnitOfWork

FX = "Foreign-currency payments"
# The skills each service's work needs, and the item types that need each.
SKILLS: dict[str, list[tuple[str, tuple[str, ...]]]] = {
    "CLM": [("Claims triage", ("claim", "amendment", "query")),
            ("Medical assessment", ("claim",)),
            ("Payment approval", ("claim", "amendment")),
            (FX, ("claim",))],
    "INT": [("Settlement analysis", ("settlement",)),
            (FX, ("settlement",)),
            ("Reconciliation", ("reconciliation",)),
            ("Sanctions screening", ("settlement",))],
}
# Confirmed levels (1 learning, 2 can do alone, 3 can teach), by service and person.
LEVELS: dict[str, dict[str, dict[str, int]]] = {
    "CLM": {
        "amira.haddad": {"Claims triage": 3, "Medical assessment": 2},
        "ben.okafor": {"Claims triage": 2, "Medical assessment": 1},
        "chloe.martin": {"Claims triage": 2, "Medical assessment": 3},
        "daan.devries": {"Claims triage": 2, "Medical assessment": 1},
        "elena.rossi": {"Claims triage": 2, "Medical assessment": 2, FX: 2},
        "farid.benali": {"Payment approval": 3, "Medical assessment": 2},
        "grace.kim": {"Payment approval": 2},
        "hannah.novak": {"Claims triage": 2, "Payment approval": 2},
    },
    "INT": {
        "ivan.petrov": {"Settlement analysis": 3, "Sanctions screening": 2},
        "julia.santos": {"Settlement analysis": 2, "Sanctions screening": 1},
        "kofi.mensah": {"Settlement analysis": 2, FX: 3, "Reconciliation": 1},
        "lea.weber": {"Settlement analysis": 2, FX: 1},
        "marta.silva": {"Reconciliation": 3},
        "olivia.laurent": {"Settlement analysis": 2, "Sanctions screening": 2},
    },
}
# A level a team member proposed for themself, waiting for the Flow Manager: service, person,
# skill, level.
PROPOSALS = [("CLM", "daan.devries", "Medical assessment", 2)]
# Personal WIP limits: settlements wait days on counterparties, so analysts hold more at once.
PERSONAL_LIMITS = {"CLM": 4, "INT": 8}
HOURS = {"grace.kim": 24.0, "farid.benali": 32.0, "lea.weber": 32.0}  # the rest: 40
SICK = "elena.rossi"  # off sick from the outage day, for three working days
SICK_DAYS = 3


def staff_the_skills(uow: UnitOfWork, clock: Clock, plans: tuple[ServicePlan, ...],
                     calendar: WorkCalendar, outage_day: date) -> None:
    """Name the skills, set the levels, hours, limits and the absence (see the module)."""
    for plan in plans:
        specs = [skills.SkillSpec(name, types) for name, types in SKILLS.get(plan.key, [])]
        if not specs:
            continue
        skills.define_skills(uow, clock, LOCAL_USER, plan.key, specs)
        for username, levels in LEVELS.get(plan.key, {}).items():
            for skill, level in levels.items():
                skills.set_level(uow, clock, LOCAL_USER, plan.key, skill, username, level)
        limit = PERSONAL_LIMITS.get(plan.key)
        if limit is not None:
            for member in (*plan.team, plan.manager):
                accounts.update_user(uow, clock, LOCAL_USER, member.username, wip_limit=limit)
    for key, username, skill, level in PROPOSALS:
        if any(plan.key == key for plan in plans):
            person = accounts.actor_named(uow, clock, username)
            skills.set_level(uow, clock, person, key, skill, username, level)
    for username, hours in HOURS.items():
        availability.set_hours(uow, clock, LOCAL_USER, username, hours)
    last = calendar.add_working_days(outage_day, SICK_DAYS - 1)
    availability.add_absence(uow, clock, LOCAL_USER, SICK, outage_day, last, "off sick")
