"""Service templates: a starting workflow, item types and blocker categories for a new service.

A team starts with what it does now and changes the workflow as it learns; a template only
saves typing the first version. "empty" is the smallest workflow there is.
"""

from __future__ import annotations

from dataclasses import dataclass

from flowdesk.domain.errors import InvalidInput
from flowdesk.domain.workflow import DEFAULT_BLOCKER_CATEGORIES, Phase, StageKind, StageSpec

Q = StageKind.QUEUE
A = StageKind.ACTIVITY


@dataclass(frozen=True)
class Template:
    key: str
    label: str
    about: str
    stages: tuple[StageSpec, ...]
    item_types: tuple[str, ...]
    blocker_categories: tuple[str, ...]


TEMPLATES: tuple[Template, ...] = (
    Template(
        "it-service-desk", "IT service desk",
        "Incidents and service requests, triaged, resolved and verified with the user.",
        (StageSpec("New", Phase.UPSTREAM, Q, policy="Anything a user reports lands here."),
         StageSpec("Triaged", Phase.UPSTREAM, Q, 10,
                   policy="Category, impact and urgency are set."),
         StageSpec("Resolving", Phase.COMMITTED, A, 6),
         StageSpec("Verify", Phase.COMMITTED, Q, 4,
                   policy="The user confirms the fix, or two working days pass."),
         StageSpec("Resolved", Phase.DONE, Q),
         StageSpec("Closed without action", Phase.DISCARDED, Q)),
        ("incident", "service request", "change", "problem"),
        ("user", "vendor", "other team", "access", "environment", "internal"),
    ),
    Template(
        "claims-centre", "Claims centre",
        "Claims received, assessed, approved and settled, with same-day work by a cut-off.",
        (StageSpec("Received", Phase.UPSTREAM, Q, policy="Every claim the intake files."),
         StageSpec("Triage", Phase.UPSTREAM, Q, 8,
                   policy="The claim is complete and its class of service is set."),
         StageSpec("Assess", Phase.COMMITTED, A, 5),
         StageSpec("Approval", Phase.COMMITTED, Q, 3,
                   policy="Claims above the handler's authority wait for an approver."),
         StageSpec("Settle", Phase.COMMITTED, A, 4),
         StageSpec("Settled", Phase.DONE, Q),
         StageSpec("Rejected", Phase.DISCARDED, Q)),
        ("claim", "query", "complaint", "recovery"),
        ("claimant", "agency", "expert report", "other team", "internal"),
    ),
    Template(
        "software-delivery", "Software delivery",
        "Features and defects, from ideas to release, with review and test.",
        (StageSpec("Ideas", Phase.UPSTREAM, Q, policy="Any idea may wait here."),
         StageSpec("Ready", Phase.UPSTREAM, Q, 5,
                   policy="Replenished at the Replenishment meeting; small enough to finish "
                          "in a week."),
         StageSpec("Develop", Phase.COMMITTED, A, 4),
         StageSpec("Review", Phase.COMMITTED, Q, 3, policy="Another developer reads the change."),
         StageSpec("Test", Phase.COMMITTED, A, 3),
         StageSpec("Released", Phase.DONE, Q),
         StageSpec("Dropped", Phase.DISCARDED, Q)),
        ("feature", "defect", "tech debt", "spike"),
        ("dependency", "environment", "unclear requirement", "review", "vendor", "internal"),
    ),
    Template(
        "empty", "Empty",
        "The smallest workflow: an option, work in progress, done. Draw your own from it.",
        (StageSpec("Options", Phase.UPSTREAM, Q),
         StageSpec("Doing", Phase.COMMITTED, A),
         StageSpec("Done", Phase.DONE, Q),
         StageSpec("Discarded", Phase.DISCARDED, Q)),
        ("request",),
        DEFAULT_BLOCKER_CATEGORIES,
    ),
)


def template_named(key: str) -> Template:
    """The template with this key; InvalidInput on `template` for any other."""
    for template in TEMPLATES:
        if template.key == key:
            return template
    known = ", ".join(t.key for t in TEMPLATES)
    raise InvalidInput(f"no template '{key}': choose one of {known}", field="template")
