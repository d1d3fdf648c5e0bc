"""Agreements through the use cases: an item's due date and entitlement at arrival, the most
specific agreement, versions that leave past items alone, the registry, and bad input."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from storage_helpers import OWNER, make_claims

from flowdesk.domain.classes import ClassOfService
from flowdesk.domain.clock import FixedClock
from flowdesk.domain.errors import Conflict, InvalidInput, NotFound
from flowdesk.services import agreements as uc
from flowdesk.services import items, registry
from flowdesk.services.commands import CreateItem, UpdateItem
from flowdesk.storage.tables import agreement_versions, item_events
from flowdesk.storage.unit_of_work import UnitOfWork

BRUSSELS = {"timezone": "Europe/Brussels", "working_days": ["mon", "tue", "wed", "thu", "fri"],
            "working_hours": ["09:00", "17:00"], "holidays": ["2026-12-25"]}
EXAMPLE = {"customer": None, "class_of_service": None, "calendar": BRUSSELS,
           "target": {"value": 1, "unit": "working_days", "share": 0.85}, "cut_off": "12:00"}


def brussels(text: str) -> datetime:
    """A Brussels wall-clock time ("2026-03-03 11:40") as an instant."""
    from zoneinfo import ZoneInfo
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo("Europe/Brussels"))


def arrive(uow: UnitOfWork, clock: FixedClock, at: datetime, **fields: Any) -> Any:
    clock.set(at)
    return items.create_item(uow, clock, OWNER, CreateItem("CLM", "Refund", **fields))


@pytest.fixture
def claims(uow: UnitOfWork, clock: FixedClock) -> None:
    make_claims(uow, clock)


@pytest.mark.usefixtures("claims")
def test_the_issue_s_example_agreement_sets_each_item_s_due_time_and_sentence(
        uow: UnitOfWork, clock: FixedClock) -> None:
    made = uc.create_agreement(uow, clock, OWNER, "CLM", EXAMPLE)
    assert made.version == 1 and made.current.agreement.cut_off is not None
    cases = [("2026-03-03 11:40", "2026-03-03 17:00"),  # a Tuesday, before the cut-off
             ("2026-03-03 12:10", "2026-03-04 17:00"),  # after it: Wednesday
             ("2026-03-07 10:00", "2026-03-09 17:00"),  # a Saturday: Monday
             ("2026-12-25 10:00", "2026-12-28 17:00")]  # Christmas (a Friday): Monday
    for arrived, due in cases:
        item = arrive(uow, clock, brussels(arrived))
        assert item.due_at == brussels(due).astimezone(UTC), arrived
        assert (item.agreement_id, item.agreement_version) == (made.id, 1)
        assert item.entitlement.endswith("(Europe/Brussels)")
        with uow.read() as conn:  # stored as made
            from flowdesk.storage import repository as repo
            stored = repo.load_item_by_key(conn, item.key)
        assert (stored.due_at, stored.entitlement, stored.agreement_version) == (
            item.due_at, item.entitlement, 1)
    first = arrive(uow, clock, brussels("2026-03-03 11:40"))
    assert first.entitlement == ("same day: received Tue 11:40, before the 12:00 cut-off; "
                                 "due Tue 17:00 (Europe/Brussels)")


@pytest.mark.usefixtures("claims")
def test_a_new_version_leaves_the_due_dates_of_earlier_items_unchanged(
        uow: UnitOfWork, clock: FixedClock, engine: Engine) -> None:
    made = uc.create_agreement(uow, clock, OWNER, "CLM", EXAMPLE)
    before = arrive(uow, clock, brussels("2026-03-03 11:40"))
    changed = uc.change_agreement(uow, clock, OWNER, "CLM", made.id, {
        **EXAMPLE, "target": {"value": 2, "unit": "working_days", "share": 0.9}})
    assert changed.version == 2 and [v.agreement.version for v in changed.versions] == [1, 2]
    assert changed.versions[0].retired_at is not None and changed.current.retired_at is None
    after = arrive(uow, clock, brussels("2026-03-03 11:40"))
    assert after.due_at == brussels("2026-03-04 17:00")
    assert after.agreement_version == 2
    with uow.read() as conn:
        from flowdesk.storage import repository as repo
        kept = repo.load_item_by_key(conn, before.key)
    assert kept.due_at == brussels("2026-03-03 17:00") and kept.agreement_version == 1
    assert kept.entitlement == before.entitlement
    with engine.connect() as conn:  # every version is kept, as it was
        assert conn.execute(select(func.count()).select_from(agreement_versions)).scalar() == 2
        kinds = conn.execute(select(item_events.c.kind).where(
            item_events.c.item_id.is_(None))).scalars().all()
    assert kinds[-2:] == ["agreement_created", "agreement_changed"]


@pytest.mark.usefixtures("claims")
def test_the_most_specific_agreement_applies_and_customers_match_by_key_or_name(
        uow: UnitOfWork, clock: FixedClock) -> None:
    registry.create_customer(uow, clock, OWNER, name="ACME Corp")  # key acme-corp
    registry.create_customer(uow, clock, OWNER, name="Nordlys Reiser", key="nordlys")

    def agreement(hours: int, **scope: Any) -> int:
        body = {**EXAMPLE, "cut_off": None, **scope,
                "target": {"value": hours, "unit": "working_hours", "share": 0.8}}
        return uc.create_agreement(uow, clock, OWNER, "CLM", body).id

    service = agreement(8)
    expedite = agreement(4, class_of_service="expedite")
    acme = agreement(6, customer="acme-corp")
    acme_expedite = agreement(2, customer="ACME-CORP", class_of_service="expedite")
    at = brussels("2026-03-03 10:00")
    cases = [({}, service), ({"cos": ClassOfService.EXPEDITE}, expedite),
             ({"customer": "acme corp"}, acme),  # by name, any case
             ({"customer": "acme-corp", "cos": ClassOfService.EXPEDITE}, acme_expedite),
             ({"customer": "Nordlys"}, service),  # a customer without an agreement
             ({"customer": "Someone new"}, service)]
    for fields, expected in cases:
        item = arrive(uow, clock, at, **fields)
        assert item.agreement_id == expected, fields
    acme_item = arrive(uow, clock, at, customer=" ACME Corp ")
    assert acme_item.customer == "ACME Corp" and acme_item.customer_id is not None
    assert arrive(uow, clock, at, customer="Someone new").customer_id is None
    edited = items.update_item(uow, clock, OWNER, UpdateItem(acme_item.key,
                                                             {"customer": "nordlys"}))
    assert edited.customer_id not in (None, acme_item.customer_id)
    assert edited.agreement_id == acme and edited.due_at == acme_item.due_at  # set at arrival


@pytest.mark.usefixtures("claims")
def test_a_retired_agreement_applies_to_no_new_item(uow: UnitOfWork,
                                                    clock: FixedClock) -> None:
    made = uc.create_agreement(uow, clock, OWNER, "CLM", EXAMPLE)
    retired = uc.retire_agreement(uow, clock, OWNER, "CLM", made.id)
    assert retired.retired_at is not None
    item = arrive(uow, clock, brussels("2026-03-03 11:40"))
    assert (item.due_at, item.entitlement, item.agreement_id) == (None, "", None)
    with pytest.raises(Conflict):
        uc.change_agreement(uow, clock, OWNER, "CLM", made.id, EXAMPLE)
    again = uc.create_agreement(uow, clock, OWNER, "CLM", EXAMPLE)  # its scope is free again
    assert [a.id for a in uc.list_agreements(uow, OWNER, "CLM")] == [made.id, again.id]


BAD = [
    ({"calendar": {**BRUSSELS, "timezone": "Europe/Atlantis"}}, "calendar.timezone"),
    ({"cut_off": "24:00"}, "cut_off"),
    ({"cut_off": "12:60"}, "cut_off"),
    ({"target": {"value": 1, "unit": "working_days", "share": 0}}, "target.share"),
    ({"target": {"value": 1, "unit": "working_days", "share": 1.2}}, "target.share"),
    ({"target": {"value": 0, "unit": "working_days", "share": 0.8}}, "target.value"),
    ({"target": {"value": 1, "unit": "fortnights", "share": 0.8}}, "target.unit"),
    ({"customer": "nobody-we-know"}, "customer"),
    ({"class_of_service": "platinum"}, "class_of_service"),
    ({"calendar": "no-such-calendar"}, "calendar"),
    ({"calendar": {**BRUSSELS, "holidays": ["2026-02-30"]}}, "calendar.holidays"),
    ({"name": "a\x00b"}, "name"),
]


@pytest.mark.usefixtures("claims")
@pytest.mark.parametrize(("change", "field"), BAD, ids=[f for _, f in BAD])
def test_bad_input_is_refused_naming_the_field_and_changes_nothing(
        uow: UnitOfWork, clock: FixedClock, engine: Engine, change: dict[str, Any],
        field: str) -> None:
    with engine.connect() as conn:
        before = conn.execute(select(func.count()).select_from(item_events)).scalar()
    with pytest.raises(InvalidInput) as refused:
        uc.create_agreement(uow, clock, OWNER, "CLM", {**EXAMPLE, **change})
    assert refused.value.field == field
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(item_events)).scalar() == before
        assert conn.execute(select(func.count()).select_from(agreement_versions)).scalar() == 0


@pytest.mark.usefixtures("claims")
def test_two_agreements_of_the_same_scope_overlap_and_are_refused_by_field(
        uow: UnitOfWork, clock: FixedClock) -> None:
    registry.create_customer(uow, clock, OWNER, name="ACME")
    for scope, field in (({}, "service"), ({"class_of_service": "expedite"}, "class_of_service"),
                         ({"customer": "acme"}, "customer")):
        uc.create_agreement(uow, clock, OWNER, "CLM", {**EXAMPLE, **scope})
        with pytest.raises(InvalidInput) as refused:
            uc.create_agreement(uow, clock, OWNER, "CLM", {**EXAMPLE, **scope})
        assert refused.value.field == field


@pytest.mark.usefixtures("claims")
def test_an_agreement_of_another_service_is_not_found(uow: UnitOfWork,
                                                      clock: FixedClock) -> None:
    made = uc.create_agreement(uow, clock, OWNER, "CLM", EXAMPLE)
    make_claims(uow, clock, key="INT")
    with pytest.raises(NotFound):
        uc.get_agreement(uow, OWNER, "INT", made.id)
    with pytest.raises(NotFound):
        uc.retire_agreement(uow, clock, OWNER, "INT", made.id)


ICS = b"""BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//test//holidays//EN
BEGIN:VEVENT
UID:1
DTSTART;VALUE=DATE:20260310
DTEND;VALUE=DATE:20260311
SUMMARY:Company day
END:VEVENT
END:VCALENDAR
"""


@pytest.mark.usefixtures("claims")
def test_a_registry_calendar_s_new_holidays_give_its_agreements_a_new_version(
        uow: UnitOfWork, clock: FixedClock) -> None:
    registry.create_calendar(uow, clock, OWNER, "brussels", {**BRUSSELS, "name": "Brussels"})
    made = uc.create_agreement(uow, clock, OWNER, "CLM", {**EXAMPLE, "calendar": "brussels"})
    assert made.current.calendar_key == "brussels"
    before = arrive(uow, clock, brussels("2026-03-09 12:30"))  # Monday, after the cut-off
    assert before.due_at == brussels("2026-03-10 17:00")
    added = registry.add_holidays(uow, clock, OWNER, "brussels", ics=ICS)
    assert [d.isoformat() for d in added.added] == ["2026-03-10"]
    assert added.agreements_revised == 1
    after = arrive(uow, clock, brussels("2026-03-09 12:30"))
    assert after.due_at == brussels("2026-03-11 17:00") and after.agreement_version == 2
    with pytest.raises(InvalidInput) as refused:
        registry.add_holidays(uow, clock, OWNER, "brussels", ics=b"not a calendar")
    assert refused.value.field == "ics"
    again = registry.add_holidays(uow, clock, OWNER, "brussels", days=["2026-03-10"])
    assert again.added == [] and again.agreements_revised == 0
