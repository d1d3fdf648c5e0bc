"""Item rules: classes of service, blockers, text fields."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from domain_builders import DONE, NOW, READY, claim, claims_service

from flowdesk.domain.classes import CLASS_ORDER, ClassOfService, default_class_policies
from flowdesk.domain.errors import Conflict, InvalidInput, LimitViolation, WipLimitExceeded
from flowdesk.domain.items import (
    REASON_MAX,
    check_class_rules,
    check_text,
    end_blocker,
    new_blocker,
    require_reason,
)

POLICIES = default_class_policies()


def test_a_fixed_date_item_needs_a_due_date() -> None:
    with pytest.raises(InvalidInput) as err:
        check_class_rules(POLICIES[ClassOfService.FIXED_DATE], None)
    assert err.value.field == "due_date"


def test_a_fixed_date_item_with_a_due_date_is_accepted() -> None:
    check_class_rules(POLICIES[ClassOfService.FIXED_DATE], date(2026, 3, 31))


@pytest.mark.parametrize("cos", [ClassOfService.STANDARD, ClassOfService.EXPEDITE,
                                 ClassOfService.INTANGIBLE])
def test_other_classes_need_no_due_date(cos: ClassOfService) -> None:
    check_class_rules(POLICIES[cos], None)


def test_expedite_comes_first_in_the_class_order() -> None:
    assert CLASS_ORDER[0] is ClassOfService.EXPEDITE
    assert set(CLASS_ORDER) == set(ClassOfService)


def test_every_class_has_a_written_policy() -> None:
    assert all(POLICIES[c].policy for c in ClassOfService)


def test_a_class_label_reads_like_prose() -> None:
    assert ClassOfService.FIXED_DATE.label == "Fixed date"


def test_a_blocker_records_reason_category_and_start() -> None:
    service = claims_service()
    blocker = new_blocker(service, claim(), service.stage(READY), " waiting for the agency ",
                          "customer", NOW)
    assert (blocker.reason, blocker.category, blocker.started_at) == (
        "waiting for the agency", "customer", NOW)
    assert blocker.is_open


def test_a_blocker_category_must_be_configured_for_the_service() -> None:
    service = claims_service()
    with pytest.raises(InvalidInput) as err:
        new_blocker(service, claim(), service.stage(READY), "why", "aliens", NOW)
    assert err.value.field == "category"


def test_a_custom_category_is_accepted_when_the_service_configures_it() -> None:
    service = replace(claims_service(), blocker_categories=("bank holiday",))
    blocker = new_blocker(service, claim(), service.stage(READY), "closed", "bank holiday", NOW)
    assert blocker.category == "bank holiday"


def test_a_blocker_needs_a_reason() -> None:
    service = claims_service()
    with pytest.raises(InvalidInput) as err:
        new_blocker(service, claim(), service.stage(READY), "  ", "customer", NOW)
    assert err.value.field == "reason"


def test_an_item_has_one_open_blocker_at_a_time() -> None:
    service = claims_service()
    first = new_blocker(service, claim(), service.stage(READY), "one", "customer", NOW)
    blocked = claim(blocker=first)
    assert blocked.is_blocked
    with pytest.raises(Conflict, match="already blocked"):
        new_blocker(service, blocked, service.stage(READY), "two", "vendor", NOW)


def test_a_closed_blocker_does_not_stop_a_new_one() -> None:
    service = claims_service()
    first = new_blocker(service, claim(), service.stage(READY), "one", "customer", NOW)
    unblocked = claim(blocker=end_blocker(claim(blocker=first), NOW + timedelta(hours=1)))
    assert not unblocked.is_blocked
    second = new_blocker(service, unblocked, service.stage(READY), "two", "vendor", NOW)
    assert second.is_open


def test_delivered_work_cannot_be_blocked() -> None:
    service = claims_service()
    with pytest.raises(Conflict, match="only open work"):
        new_blocker(service, claim(DONE), service.stage(DONE), "why", "customer", NOW)


def test_ending_a_blocker_records_the_end() -> None:
    service = claims_service()
    started = new_blocker(service, claim(), service.stage(READY), "one", "customer", NOW)
    ended = end_blocker(claim(blocker=started), NOW + timedelta(hours=2))
    assert ended.ended_at == NOW + timedelta(hours=2)
    assert not ended.is_open


def test_an_item_that_is_not_blocked_cannot_be_unblocked() -> None:
    with pytest.raises(Conflict, match="not blocked"):
        end_blocker(claim(), NOW)


def test_a_reason_is_trimmed_and_length_checked() -> None:
    assert require_reason("  because  ", "reason", "a move") == "because"
    with pytest.raises(InvalidInput):
        require_reason("x" * (REASON_MAX + 1), "reason", "a move")
    with pytest.raises(InvalidInput, match="discarding"):
        require_reason(None, "reason", "discarding an item")


def test_text_is_trimmed_and_required_text_may_not_be_blank() -> None:
    assert check_text("  hello ", "title", 10) == "hello"
    with pytest.raises(InvalidInput) as err:
        check_text("   ", "title", 10, required=True)
    assert err.value.field == "title"
    with pytest.raises(InvalidInput):
        check_text("x" * 11, "title", 10)


def test_a_wip_refusal_message_lists_every_violation() -> None:
    refusal = WipLimitExceeded([
        LimitViolation("stage", "Review", 3, 3, "all items in stage 'Review'"),
        LimitViolation("person", "amira", 2, 2, "committed items assigned to amira"),
    ])
    assert "Review" in refusal.message and "amira" in refusal.message
    assert refusal.code == "wip_limit"
