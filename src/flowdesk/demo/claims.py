"""The default scenario: a claims service centre with two services.

- Priority-client claims (CLM): same-day service for claims received by noon, so many small
  items, each handled end to end by one case handler and approved by a team lead.
- International settlements (INT): larger items, replenished every morning, with a wait for the
  counterparty's confirmation and a CONWIP limit over the settlement run.

The numbers are chosen so that the teams are busy but not swamped (utilisation around 60-80%),
which is what gives a board queues that rise in the morning and drain by the evening.
"""

from __future__ import annotations

from datetime import time

from flowdesk.demo.scenario import (
    Activity,
    BlockerKind,
    Demand,
    ItemType,
    LimitChange,
    LogNormal,
    Member,
    Outage,
    Replenishment,
    ServicePlan,
)
from flowdesk.domain.classes import ClassOfService
from flowdesk.domain.workflow import Phase, StageKind, StageSpec

Q, A = StageKind.QUEUE, StageKind.ACTIVITY
APPROVAL_ROUNDS = ((time(10, 0), time(11, 30)), (time(13, 30), time(15, 0)),
                   (time(16, 0), time(17, 0)))
UP, COM, DONE, GONE = Phase.UPSTREAM, Phase.COMMITTED, Phase.DONE, Phase.DISCARDED


def _policy(purpose: str, *criteria: str) -> str:
    """A stage policy in Markdown: what the stage is for, then its exit criteria."""
    lines = [purpose, "", "**Exit criteria**", ""] + [f"- {c}" for c in criteria]
    return "\n".join(lines)


CLAIMS = ServicePlan(
    key="CLM",
    name="Priority-client claims",
    description=(
        "Travel-insurance claims from the priority clients of our partner agencies.\n\n"
        "**Service level:** claims received by noon on a working day are paid or answered "
        "the same day."
    ),
    stages=[
        StageSpec("Received", UP, Q, policy=_policy(
            "Claims arrive here from the agency portal, in order of arrival.",
            "The claim is from a priority client (else it goes to the standard claims team)",
            "It is not a duplicate of a claim already received",
        )),
        StageSpec("Triage", COM, A, wip_limit=3, policy=_policy(
            "The handler who pulls a claim owns it until it is closed.",
            "Policy and cover checked for the travel dates",
            "Documents checked against the checklist; anything missing requested from the agency",
            "Amount and currency recorded",
        )),
        StageSpec("Ready for assessment", COM, Q, wip_limit=6, policy=_policy(
            "Triaged claims wait here for their handler.",
            "Nothing: the owning handler pulls the claim when Assessment has room",
        )),
        StageSpec("Assessment", COM, A, wip_limit=5, policy=_policy(
            "The handler decides what is covered and how much is paid.",
            "Exclusions checked and the decision written in the claim note",
            "Payment amount and beneficiary account entered",
            "Client letter drafted",
        )),
        StageSpec("Ready for approval", COM, Q, wip_limit=8, policy=_policy(
            "Assessed claims wait for a team lead (four-eyes principle). Approval rounds at "
            "10:00, 13:30 and 16:00.",
            "Nothing: approvers pull oldest first, expedites and due dates before the rest",
        )),
        StageSpec("Approval", COM, A, wip_limit=2, policy=_policy(
            "A team lead checks the decision and releases the payment.",
            "Decision and amount checked against the documents",
            "Payment released, or the claim sent back to Ready for assessment with the reason",
        )),
        StageSpec("Closed", DONE, Q, policy="Paid or answered. The client letter has been sent."),
        StageSpec("Discarded", GONE, Q, policy="Duplicates, withdrawals and misrouted claims, "
                  "each with its reason."),
    ],
    activities=[
        Activity("Triage", "Received", "handler", LogNormal(0.3, 0.5), owner=True,
                 block_chance=0.04),
        Activity("Assessment", "Ready for assessment", "handler", LogNormal(0.8, 0.6),
                 owner=True, block_chance=0.10),
        Activity("Approval", "Ready for approval", "approver", LogNormal(0.2, 0.5),
                 block_chance=0.02, rework_chance=0.04, rework_to="Ready for assessment",
                 rework_reasons=(
                     "Returned: the payment amount does not match the invoice",
                     "Returned: the exclusion check is not documented",
                     "Returned: the beneficiary account does not match the claim form",
                 )),
    ],
    team=[
        Member("amira.haddad", "Amira Haddad", ("handler",)),
        Member("ben.okafor", "Ben Okafor", ("handler",)),
        Member("chloe.martin", "Chloé Martin", ("handler",)),
        Member("daan.devries", "Daan de Vries", ("handler",)),
        Member("elena.rossi", "Elena Rossi", ("handler",)),
        # Team leads approve in rounds, between their other duties.
        Member("farid.benali", "Farid Benali", ("approver",), hours=APPROVAL_ROUNDS),
        Member("grace.kim", "Grace Kim", ("approver",), hours=APPROVAL_ROUNDS),
    ],
    manager=Member("hannah.novak", "Hannah Novak", ("manager",)),
    demand=Demand(
        per_weekday=22.0,
        # Most claims come in before noon, to make the same-day cut-off.
        hour_weights={8: 0.7, 9: 1.4, 10: 1.6, 11: 1.5, 12: 0.8, 13: 0.9, 14: 1.0, 15: 0.9,
                      16: 0.7, 17: 0.4},
        weekday_factors=(1.2, 1.05, 1.0, 0.95, 0.7),
        weekend_expedites_per_day=0.05,
        classes={ClassOfService.EXPEDITE: 0.012, ClassOfService.FIXED_DATE: 0.03},
        fixed_date_days=(2, 5),
        typical_amount=1_200,
    ),
    types=[
        ItemType("claim", 0.82, 1.0, (
            "Medical expenses in {place}", "Hospital admission in {place}",
            "Lost baggage on return from {place}", "Trip cancellation: {place}",
            "Flight delay compensation, {place}", "Repatriation from {place}",
            "Stolen belongings in {place}", "Dental emergency in {place}",
        )),
        ItemType("amendment", 0.11, 0.6, (
            "Amend claim {ref}: corrected bank details", "Amend claim {ref}: extra invoice",
            "Amend claim {ref}: change of beneficiary",
        )),
        ItemType("query", 0.07, 0.35, (
            "Status of claim {ref}", "Cover question: trip to {place}",
            "{agency} asks about claim {ref}",
        )),
    ],
    blockers=[
        BlockerKind("awaiting agency", 3.0, LogNormal(5, 0.9), (
            "Waiting for the agency to confirm the policy number",
            "Agency to confirm the client's travel dates",
            "Waiting for the agency's authority to pay the clinic directly",
        )),
        BlockerKind("missing documents", 3.0, LogNormal(12, 0.8), (
            "Original invoice missing", "Medical certificate not attached",
            "Police report for the theft not received", "Boarding passes missing",
        )),
        BlockerKind("medical review", 1.5, LogNormal(20, 0.7), (
            "Medical adviser to review the treatment",
            "Second opinion requested on the need for admission",
        )),
        BlockerKind("fraud check", 0.7, LogNormal(40, 0.6), (
            "Flagged by the fraud screening rules",
            "Invoice number already seen on another claim",
        )),
        BlockerKind("other team", 1.0, LogNormal(10, 0.8), (
            "Underwriting to confirm cover for a pre-existing condition",
            "Finance to release a payment above the approval limit",
        )),
        BlockerKind("system outage", 0.5, LogNormal(2, 0.6), (
            "Claims system unavailable", "Payment gateway down",
        )),
    ],
    person_wip_limit=4,
    class_policies={
        ClassOfService.EXPEDITE: (
            "A client in hospital abroad, or a clinic that needs a guarantee before it treats. "
            "The next free handler pulls it at once, ahead of everything; it may pass a full "
            "column. One at a time."
        ),
        ClassOfService.FIXED_DATE: (
            "A date set by a court, a regulator or a policy renewal. Pulled ahead of standard "
            "claims once it is due within three working days."
        ),
    },
    discard_chance=0.04,
    discard_reasons=(
        "Duplicate of a claim already received",
        "Withdrawn by the agency",
        "Not a priority client: passed to the standard claims team",
        "Travel dates outside the policy period",
    ),
    reopen_chance=0.006,
    reopen_to="Ready for assessment",
    reopen_reasons=(
        "Reopened: the agency disputes the amount paid",
        "Reopened: payment returned by the client's bank",
        "Reopened: late invoice for the same treatment",
    ),
    limit_changes=[LimitChange(0.55, "Assessment", 6)],
    start_first_until=time(11, 0),  # every claim in by then is triaged first, for same-day
    # The agencies' data hub is down on the outage morning: claims pile up at the agencies
    # and come in at once at 11:00, and the agencies file again by hand what they fear lost.
    outage=Outage(until=time(11, 0), kept=0.05, release_minutes=30, surge=3.0),
    # A handful of claims is usual by 10:00: the manager wants to hear of a quiet morning then.
    alert_thresholds={"min_usual": 3},
    override_reasons={
        ClassOfService.FIXED_DATE: (
            "Due today: agreed at the stand-up to pass the limit so the date is met",
            "Court deadline tomorrow; the team lead agreed to exceed the limit",
        ),
        ClassOfService.EXPEDITE: (
            "Second expedite: both clients are in hospital; the team lead agreed",
        ),
    },
)


SETTLEMENTS = ServicePlan(
    key="INT",
    name="International settlements",
    description=(
        "Cross-border payments and reconciliations with hospitals, assistance companies and "
        "insurers abroad, on behalf of our partner agencies.\n\n"
        "**Service level:** 85% of settlements within ten working days of commitment."
    ),
    stages=[
        StageSpec("Requests", UP, Q, policy=_policy(
            "Settlement requests wait here until the replenishment at the morning stand-up "
            "(09:15).",
            "Counterparty, amount and currency known",
            "Selected at replenishment: expedites and near due dates first, then oldest",
        )),
        StageSpec("Ready", UP, Q, wip_limit=10, policy=_policy(
            "The options the team has chosen to start next.",
            "An analyst pulls it when Analysis has room: this is the commitment point",
        )),
        StageSpec("Analysis", COM, A, wip_limit=4, policy=_policy(
            "The analyst who pulls a request owns it until it is settled.",
            "Amount agreed with the counterparty",
            "Beneficiary and bank details verified; sanctions screening passed",
            "FX needs known",
        )),
        StageSpec("Ready for settlement", COM, Q, wip_limit=4, policy=_policy(
            "Analysed requests wait for their analyst.",
            "Nothing: the owner pulls it when Settlement has room",
        )),
        StageSpec("Settlement", COM, A, wip_limit=3, policy=_policy(
            "The payment is made.",
            "FX booked where needed",
            "Payment sent, with the counterparty's reference in the remittance",
        )),
        StageSpec("Awaiting confirmation", COM, Q, wip_limit=8, policy=_policy(
            "Waiting for the counterparty or its bank to confirm receipt.",
            "Confirmation received, or chased after two working days",
        )),
        StageSpec("Reconciliation", COM, A, wip_limit=2, policy=_policy(
            "A controller matches the payment with the confirmation and the books.",
            "Amounts, charges and FX difference match",
            "Ledger entries posted",
        )),
        StageSpec("Settled", DONE, Q, policy="Paid, confirmed and reconciled."),
        StageSpec("Discarded", GONE, Q, policy="Duplicates, withdrawn and stale requests, each "
                  "with its reason."),
    ],
    activities=[
        Activity("Analysis", "Ready", "analyst", LogNormal(2.5, 0.6), owner=True,
                 block_chance=0.08),
        Activity("Settlement", "Ready for settlement", "analyst", LogNormal(1.5, 0.5),
                 owner=True, block_chance=0.10),
        Activity("Reconciliation", "Awaiting confirmation", "controller", LogNormal(0.8, 0.5),
                 block_chance=0.05, rework_chance=0.04, rework_to="Ready for settlement",
                 rework_reasons=(
                     "Does not reconcile: bank charges deducted from the amount",
                     "Does not reconcile: paid in the wrong currency",
                 )),
    ],
    team=[
        Member("ivan.petrov", "Ivan Petrov", ("analyst",)),
        Member("julia.santos", "Julia Santos", ("analyst",)),
        Member("kofi.mensah", "Kofi Mensah", ("analyst",)),
        Member("lea.weber", "Lea Weber", ("analyst",)),
        Member("marta.silva", "Marta Silva", ("controller",)),
    ],
    manager=Member("olivia.laurent", "Olivia Laurent", ("manager",)),
    demand=Demand(
        per_weekday=5.5,
        hour_weights={8: 0.5, 9: 1.2, 10: 1.3, 11: 1.2, 12: 0.6, 13: 0.9, 14: 1.1, 15: 1.0,
                      16: 0.8, 17: 0.3},
        weekday_factors=(1.1, 1.05, 1.05, 1.0, 0.8),
        weekend_expedites_per_day=0.03,
        classes={ClassOfService.EXPEDITE: 0.015, ClassOfService.FIXED_DATE: 0.12,
                 ClassOfService.INTANGIBLE: 0.04},
        fixed_date_days=(4, 12),
        typical_amount=4_000,
    ),
    types=[
        ItemType("settlement", 0.7, 1.0, (
            "Settle {currency} {amount} with {partner}",
            "Pay {partner} ({place}) for {agency}",
            "Guarantee of payment to {partner}, {place}",
        )),
        ItemType("reconciliation", 0.2, 0.8, (
            "Reconcile the {month} statement of {partner}",
            "Unmatched {currency} receipt from {partner}",
        )),
        ItemType("query", 0.1, 0.35, (
            "{partner} asks about remittance {ref}", "{agency} asks about settlement {ref}",
        )),
    ],
    blockers=[
        BlockerKind("counterparty", 2.0, LogNormal(30, 0.8), (
            "Waiting for the hospital's corrected invoice",
            "Counterparty to confirm the amount due",
        )),
        BlockerKind("correspondent bank", 1.5, LogNormal(40, 0.7), (
            "Payment returned by the correspondent bank: IBAN mismatch",
            "Waiting for the intermediary bank's SWIFT confirmation",
        )),
        BlockerKind("FX desk", 1.0, LogNormal(4, 0.7), (
            "FX desk to quote a rate above the standing limit",
            "Waiting for the FX deal confirmation",
        )),
        BlockerKind("sanctions screening", 0.7, LogNormal(30, 0.6), (
            "Name match in sanctions screening: compliance to clear",
            "Enhanced due diligence on a new beneficiary",
        )),
        BlockerKind("missing documents", 1.2, LogNormal(24, 0.8), (
            "Proof of payment from the agency missing",
            "Statement for the period not received",
        )),
        BlockerKind("system outage", 0.4, LogNormal(3, 0.6), (
            "Treasury platform maintenance", "SWIFT gateway unavailable",
        )),
    ],
    person_wip_limit=6,
    groups=[("Settlement run", ("Ready for settlement", "Settlement", "Awaiting confirmation",
                                "Reconciliation"), 16)],
    class_policies={
        ClassOfService.EXPEDITE: (
            "A guarantee a hospital needs before it admits a client. Moved to Ready as soon as "
            "it arrives and pulled ahead of everything; it may pass a full column. One at a time."
        ),
        ClassOfService.FIXED_DATE: (
            "A value date agreed with the counterparty. Pulled ahead of standard work once it "
            "is due within three working days."
        ),
        ClassOfService.INTANGIBLE: (
            "Clean-up work with no date (old unmatched receipts). Pulled when there is slack."
        ),
    },
    waits={"Awaiting confirmation": LogNormal(18, 0.8)},
    discard_chance=0.05,
    discard_reasons=(
        "Duplicate request",
        "Settled directly by the agency",
        "Withdrawn: the counterparty waived the amount",
    ),
    reopen_chance=0.01,
    reopen_to="Ready for settlement",
    reopen_reasons=(
        "Reopened: the counterparty reports a short payment",
        "Reopened: payment recalled by the correspondent bank",
    ),
    replenishment=Replenishment(
        source="Requests", target="Ready", weekdays=(0, 1, 2, 3, 4), at=time(9, 15),
        stale_after_days=25,
        stale_reasons=("No longer needed: waiting for over a month without a value date",),
    ),
    limit_changes=[LimitChange(0.4, "Ready", 8)],
    override_reasons={
        ClassOfService.FIXED_DATE: (
            "Value date tomorrow: the service delivery manager agreed to exceed the limit",
            "Due today; agreed at the stand-up to pass the limit",
        ),
        ClassOfService.EXPEDITE: (
            "Two hospitals need guarantees today; the service delivery manager agreed",
        ),
    },
)

SCENARIO = (CLAIMS, SETTLEMENTS)
