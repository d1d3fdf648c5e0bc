"""Agreements: targets, cut-offs, validation, which agreement applies, overlaps and versions."""

from __future__ import annotations

import math
from datetime import time
from typing import Any

import pytest
from agreement_builders import ISSUE_CALENDAR, agreement, brussels, brussels_calendar

from flowdesk.domain.agreements import (
    Agreement,
    Target,
    TargetUnit,
    check_no_overlap,
    parse_agreement,
    parse_cut_off,
    parse_due_by,
    parse_target,
    select_agreement,
)
from flowdesk.domain.classes import ClassOfService
from flowdesk.domain.entitlement import due_at, entitle, entitlement_for
from flowdesk.domain.errors import Conflict, InvalidInput

EXPEDITE, STANDARD = ClassOfService.EXPEDITE, ClassOfService.STANDARD
GOOD_TARGET = {"value": 1, "unit": "working_days", "share": 0.85}


# -- targets ---------------------------------------------------------------------------


def test_the_issue_target_parses_and_reads_as_a_sentence() -> None:
    target = parse_target(GOOD_TARGET)
    assert target == Target(1, TargetUnit.WORKING_DAYS, 0.85)
    assert str(target) == "85% within 1 working day"


@pytest.mark.parametrize(("target", "text"), [
    (Target(2, TargetUnit.WORKING_DAYS, 0.85), "85% within 2 working days"),
    (Target(1.5, TargetUnit.WORKING_HOURS, 0.9), "90% within 1.5 working hours"),
    (Target(1, TargetUnit.WORKING_HOURS, 0.5), "50% within 1 working hour"),
    (Target(3, TargetUnit.CALENDAR_DAYS, 1), "100% within 3 calendar days"),
])
def test_a_target_reads_as_people_say_it(target: Target, text: str) -> None:
    assert str(target) == text


def test_a_whole_number_given_as_a_float_is_kept_as_a_whole_number() -> None:
    assert parse_target({**GOOD_TARGET, "value": 2.0}).value == 2
    assert isinstance(parse_target({**GOOD_TARGET, "value": 2.0}).value, int)


def test_working_hours_may_be_fractional_to_the_minute() -> None:
    target = parse_target({"value": 0.25, "unit": "working_hours", "share": 0.85})
    assert target.duration.total_seconds() == 15 * 60


BAD_TARGETS: list[tuple[str, dict[str, Any], str]] = [
    ("a share of 0", {"share": 0}, "target.share"),
    ("a negative share", {"share": -0.1}, "target.share"),
    ("a share above 1", {"share": 1.01}, "target.share"),
    ("a percentage instead of a share", {"share": 85}, "target.share"),
    ("a share as text", {"share": "0.85"}, "target.share"),
    ("a share as a boolean", {"share": True}, "target.share"),
    ("a share that is not a number", {"share": math.nan}, "target.share"),
    ("no share", {"share": None}, "target.share"),
    ("a target of 0", {"value": 0}, "target.value"),
    ("a negative target", {"value": -1}, "target.value"),
    ("a target as text", {"value": "1"}, "target.value"),
    ("a target as a boolean", {"value": True}, "target.value"),
    ("no target value", {"value": None}, "target.value"),
    ("an infinite target", {"value": math.inf}, "target.value"),
    ("half a working day", {"value": 1.5}, "target.value"),
    ("years of days", {"value": 100_000}, "target.value"),
    ("a part of a minute", {"value": 0.001, "unit": "working_hours"}, "target.value"),
    ("years of hours", {"value": 1e6, "unit": "working_hours"}, "target.value"),
    ("an unknown unit", {"unit": "hours"}, "target.unit"),
    ("a unit in the wrong case", {"unit": "Working_Days"}, "target.unit"),
    ("no unit", {"unit": None}, "target.unit"),
]


@pytest.mark.parametrize(("case", "change", "field"), BAD_TARGETS,
                         ids=[c[0] for c in BAD_TARGETS])
def test_a_bad_target_is_refused_naming_the_field(case: str, change: dict[str, Any],
                                                  field: str) -> None:
    data = {k: v for k, v in {**GOOD_TARGET, **change}.items() if v is not None}
    with pytest.raises(InvalidInput) as refused:
        parse_target(data)
    assert refused.value.field == field
    assert refused.value.message.startswith(field)


def test_a_target_that_is_not_an_object_is_refused() -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_target("1 working day")  # type: ignore[arg-type]
    assert refused.value.field == "target"


# -- cut-offs --------------------------------------------------------------------------


def test_a_cut_off_is_read_as_a_time_of_day() -> None:
    assert parse_cut_off("12:00") == time(12, 0)
    assert parse_cut_off("00:00") == time(0, 0)
    assert parse_cut_off("23:59") == time(23, 59)
    assert parse_due_by("16:30") == time(16, 30)


@pytest.mark.parametrize("text", ["24:00", "12:60", "25:00", "-01:00", "noon", "1200",
                                  "12:00:00", "12h00", "", None, 12, "12:00\n",
                                  "\uff11\uff12:\uff10\uff10"])
def test_a_cut_off_outside_the_day_or_badly_formed_is_refused(text: object) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_cut_off(text)
    assert refused.value.field == "cut_off"


def test_a_cut_off_makes_no_sense_with_working_hours_and_is_refused() -> None:
    with pytest.raises(InvalidInput) as refused:
        agreement(4, "working_hours", cut_off="12:00")
    assert refused.value.field == "cut_off"


def test_a_cut_off_after_closing_time_is_refused_as_it_would_be_due_before_arrival() -> None:
    with pytest.raises(InvalidInput) as refused:
        agreement(cut_off="17:30")
    assert refused.value.field == "cut_off"
    assert agreement(cut_off="17:00").cut_off == time(17, 0)  # up to closing is fine
    assert agreement(cut_off="17:30", due_by="18:00").due_by == time(18, 0)


def test_a_due_time_needs_a_cut_off_and_may_not_come_before_it() -> None:
    with pytest.raises(InvalidInput) as refused:
        agreement(due_by="16:00")
    assert refused.value.field == "due_by"
    with pytest.raises(InvalidInput) as refused:
        agreement(cut_off="12:00", due_by="11:00")
    assert refused.value.field == "due_by"


def test_an_agreement_starts_at_version_1_and_trims_its_customer() -> None:
    with pytest.raises(InvalidInput) as refused:
        agreement(version=0)
    assert refused.value.field == "version"
    assert agreement(customer="  ").customer is None
    assert agreement(customer=" ACME ").customer == "ACME"
    with pytest.raises(InvalidInput) as refused:
        agreement(customer="x" * 121)
    assert refused.value.field == "customer"
    with pytest.raises(InvalidInput) as refused:
        agreement(name="x" * 121)
    assert refused.value.field == "name"


# -- which agreement applies -----------------------------------------------------------

SERVICE_WIDE = agreement(id=1, name="Everyone")
FOR_EXPEDITE = agreement(id=2, cos=EXPEDITE, name="Expedite")
FOR_ACME = agreement(id=3, customer="ACME", name="ACME")
FOR_ACME_EXPEDITE = agreement(id=4, customer="ACME", cos=EXPEDITE, name="ACME expedite")
ALL = [SERVICE_WIDE, FOR_EXPEDITE, FOR_ACME, FOR_ACME_EXPEDITE]


def test_specificity_ranks_customer_and_class_over_customer_over_class_over_service() -> None:
    assert [a.specificity for a in ALL] == [0, 1, 2, 3]


@pytest.mark.parametrize(("customer", "cos", "expected"), [
    ("ACME", EXPEDITE, FOR_ACME_EXPEDITE),
    ("ACME", STANDARD, FOR_ACME),
    ("Globex", EXPEDITE, FOR_EXPEDITE),
    ("Globex", STANDARD, SERVICE_WIDE),
    ("", STANDARD, SERVICE_WIDE),
])
def test_the_most_specific_matching_agreement_applies(customer: str, cos: ClassOfService,
                                                      expected: Agreement) -> None:
    assert select_agreement(ALL, 1, customer, cos) == expected
    assert select_agreement(list(reversed(ALL)), 1, customer, cos) == expected


def test_a_customer_agreement_outranks_a_class_agreement() -> None:
    chosen = select_agreement([FOR_EXPEDITE, FOR_ACME], 1, "ACME", EXPEDITE)
    assert chosen == FOR_ACME


def test_customers_match_whatever_their_case_and_surrounding_spaces() -> None:
    assert select_agreement(ALL, 1, "  acme ", STANDARD) == FOR_ACME


def test_no_agreement_applies_to_another_service_or_an_unmatched_item() -> None:
    assert select_agreement(ALL, 2, "ACME", EXPEDITE) is None
    assert select_agreement([FOR_ACME, FOR_EXPEDITE], 1, "Globex", STANDARD) is None
    assert select_agreement([], 1, "ACME", STANDARD) is None


def test_only_the_latest_version_of_an_agreement_takes_part() -> None:
    narrowed = FOR_ACME.revised(customer="Globex")
    assert select_agreement([FOR_ACME, narrowed], 1, "ACME", STANDARD) is None
    assert select_agreement([narrowed, FOR_ACME], 1, "Globex", STANDARD) == narrowed


def test_the_entitlement_for_an_item_comes_from_the_agreement_that_applies() -> None:
    same_day = agreement(id=9, customer="ACME", cut_off="12:00")
    found = entitlement_for([SERVICE_WIDE, same_day], service_id=1, customer="ACME",
                            cos=STANDARD, arrived_at=brussels(2026, 12, 22, 11, 40))
    assert found is not None
    assert (found.agreement_id, found.due_at) == (9, brussels(2026, 12, 22, 17, 0))
    assert entitlement_for([same_day], service_id=1, customer="Globex", cos=STANDARD,
                           arrived_at=brussels(2026, 12, 22, 11, 40)) is None


# -- overlaps --------------------------------------------------------------------------


@pytest.mark.parametrize(("new", "field"), [
    (agreement(id=10), "service"),
    (agreement(id=10, cos=EXPEDITE), "class_of_service"),
    (agreement(id=10, customer="acme "), "customer"),
    (agreement(id=10, customer="ACME", cos=EXPEDITE), "customer"),
])
def test_a_second_agreement_with_the_same_scope_is_refused_naming_the_field(
        new: Agreement, field: str) -> None:
    with pytest.raises(Conflict) as refused:
        check_no_overlap(ALL, new)
    assert refused.value.field == field
    assert "already covers" in refused.value.message


def test_the_overlap_message_names_the_agreement_already_there() -> None:
    with pytest.raises(Conflict, match=r"agreement 'ACME' \(id 3\) already covers customer "
                                       r"'ACME'; edit it instead"):
        check_no_overlap(ALL, agreement(id=10, customer="ACME"))


def test_agreements_of_different_scopes_or_services_do_not_overlap() -> None:
    check_no_overlap([SERVICE_WIDE, FOR_ACME], agreement(id=10, customer="ACME", cos=STANDARD))
    check_no_overlap([FOR_ACME], agreement(id=10, customer="Globex"))
    check_no_overlap([FOR_EXPEDITE], agreement(id=10, cos=STANDARD))
    check_no_overlap(ALL, agreement(id=10, service_id=2))
    check_no_overlap([], SERVICE_WIDE)


def test_a_new_version_does_not_overlap_its_own_earlier_versions() -> None:
    check_no_overlap(ALL, FOR_ACME.revised(target=Target(2, TargetUnit.WORKING_DAYS, 0.85)))


def test_an_agreement_moved_to_a_free_scope_no_longer_overlaps_its_old_neighbours() -> None:
    moved = FOR_ACME.revised(customer="Initech")
    check_no_overlap([*ALL, moved], agreement(id=10, customer="ACME"))


# -- versions --------------------------------------------------------------------------


def test_a_new_version_does_not_move_a_due_date_computed_from_the_old_one() -> None:
    v1 = agreement(id=5, cut_off="12:00")
    arrived = brussels(2026, 12, 22, 11, 40)
    under_v1 = entitle(v1, arrived)
    v2 = v1.revised(target=Target(2, TargetUnit.WORKING_DAYS, 0.85))

    assert (v1.id, v1.version, v2.id, v2.version) == (5, 1, 5, 2)
    assert v1.target.value == 1  # the old version is untouched
    assert entitle(v2, arrived).due_at == brussels(2026, 12, 23, 17, 0)
    assert entitle(v1, arrived) == under_v1
    assert under_v1.due_at == brussels(2026, 12, 22, 17, 0)
    assert (under_v1.agreement_id, under_v1.agreement_version) == (5, 1)
    assert due_at(v1, arrived) == under_v1.due_at


def test_a_new_version_may_change_the_calendar_and_the_old_one_keeps_its_own() -> None:
    v1 = agreement(id=5, cut_off="12:00")
    v2 = v1.revised(calendar=brussels_calendar(holidays=["2026-12-22"]))
    arrived = brussels(2026, 12, 22, 11, 40)
    assert due_at(v1, arrived) == brussels(2026, 12, 22, 17, 0)
    assert due_at(v2, arrived) == brussels(2026, 12, 23, 17, 0)


def test_an_agreement_cannot_be_changed_in_place() -> None:
    with pytest.raises(AttributeError):
        SERVICE_WIDE.version = 2  # type: ignore[misc]


# -- parsing a whole agreement ---------------------------------------------------------

GOOD_AGREEMENT = {"name": "Same day for ACME", "customer": "ACME",
                  "class_of_service": "standard", "calendar": ISSUE_CALENDAR,
                  "target": GOOD_TARGET, "cut_off": "12:00", "due_by": None}


def test_an_agreement_parses_from_the_shape_the_api_will_send() -> None:
    parsed = parse_agreement(GOOD_AGREEMENT, id=7, version=3, service_id=2)
    assert (parsed.id, parsed.version, parsed.service_id) == (7, 3, 2)
    assert (parsed.name, parsed.customer, parsed.cos) == ("Same day for ACME", "ACME", STANDARD)
    assert parsed.calendar == brussels_calendar()
    assert parsed.cut_off == time(12, 0)
    assert parsed.due_by is None


def test_an_agreement_for_any_customer_and_class_needs_only_a_calendar_and_target() -> None:
    parsed = parse_agreement({"calendar": ISSUE_CALENDAR, "target": GOOD_TARGET},
                             id=1, version=1, service_id=1)
    assert (parsed.customer, parsed.cos, parsed.cut_off, parsed.specificity) == \
        (None, None, None, 0)


@pytest.mark.parametrize(("change", "field"), [
    ({"class_of_service": "urgent"}, "class_of_service"),
    ({"customer": 12}, "customer"),
    ({"name": None}, "name"),
    ({"calendar": None}, "calendar"),
    ({"calendar": {**ISSUE_CALENDAR, "timezone": "Europe/Bruxelles"}}, "calendar.timezone"),
    ({"target": None}, "target"),
    ({"target": {**GOOD_TARGET, "share": 1.5}}, "target.share"),
    ({"cut_off": "12:75"}, "cut_off"),
    ({"due_by": "25:00"}, "due_by"),
    ({"cutoff": "12:00"}, "cutoff"),
])
def test_a_bad_agreement_is_refused_naming_the_field(change: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_agreement({**GOOD_AGREEMENT, **change}, id=1, version=1, service_id=1)
    assert refused.value.field == field
