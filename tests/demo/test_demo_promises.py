"""The demo shows issue 10: the priority-claims service promises its priority clients same-day
service by noon and the other agencies two working days; its history holds missed promises,
failure demand (corrections of earlier claims, repeat requests, complaints) and reopenings."""

from __future__ import annotations

from collections import Counter
from datetime import time
from zoneinfo import ZoneInfo

from demo_env import DemoRun
from sqlalchemy import func, select

from cast import OPERATOR
from flowdesk.demo.promises import PRIORITY_CLIENTS
from flowdesk.services import agreements, analytics
from flowdesk.storage.tables import item_events, items, services

BRUSSELS = ZoneInfo("Europe/Brussels")


def clm_items(run: DemoRun) -> list:  # type: ignore[type-arg]
    with run.engine.connect() as conn:
        clm = conn.execute(select(services.c.id).where(services.c.key == "CLM")).scalar_one()
        return list(conn.execute(select(items).where(items.c.service_id == clm)).all())


def test_priority_clients_get_the_noon_cut_off_and_the_rest_a_looser_promise(
        default_run: DemoRun) -> None:
    views = agreements.list_agreements(default_run.uow, OPERATOR, "CLM")
    cut_offs = Counter((v.current.agreement.cut_off is not None,
                        bool(v.current.agreement.customer)) for v in views)
    assert cut_offs == {(True, True): len(PRIORITY_CLIENTS), (False, False): 1}
    rows = clm_items(default_run)
    priority = [r for r in rows if r.customer in PRIORITY_CLIENTS]
    morning = [r for r in priority
               if r.arrived_at.astimezone(BRUSSELS).time() < time(12)
               and r.arrived_at.astimezone(BRUSSELS).weekday() < 5]
    assert len(morning) > 300
    for r in morning:  # same day, by the end of the working day
        due = r.due_at.astimezone(BRUSSELS)
        assert (due.date(), due.time()) == (r.arrived_at.astimezone(BRUSSELS).date(), time(17))
        assert r.entitlement.startswith("same day")
    others = [r for r in rows if r.customer not in PRIORITY_CLIENTS]
    assert others and all(r.entitlement.startswith("2 working days") for r in others)


def test_the_history_holds_missed_promises_failure_demand_and_reopenings(
        default_run: DemoRun) -> None:
    rows = clm_items(default_run)
    delivered = [r for r in rows if r.delivered_at is not None and r.due_at is not None]
    missed = [r for r in delivered if r.delivered_at > r.due_at]
    assert 20 <= len(missed) < 0.3 * len(delivered)
    by_id = {r.id: r for r in rows}
    failure = [r for r in rows if r.failure_kind is not None]
    kinds = Counter(r.failure_kind for r in failure)
    assert kinds["correction"] >= 50 and kinds["repeat"] >= 5 and kinds["complaint"] >= 1
    for r in failure:  # each stems from an earlier claim of the same agency, delivered first
        earlier = by_id[r.stems_from_id]
        assert earlier.customer == r.customer and earlier.type == "claim"
        assert earlier.arrived_at < r.arrived_at
    with default_run.engine.connect() as conn:
        reopenings = conn.execute(
            select(func.count()).where(item_events.c.service_id == rows[0].service_id,
                                       item_events.c.kind == "moved",
                                       item_events.c.payload["transition"].as_string()
                                       == "reopen")).scalar_one()
    assert 3 <= reopenings <= 40


def test_the_metrics_show_first_time_fix_below_one_and_failure_demand_above_zero(
        default_run: DemoRun) -> None:
    source = analytics.from_service(default_run.uow, OPERATOR, "CLM",
                                    default_run.summary.end)
    metrics = analytics.metrics(source)
    assert 0.8 < metrics["first_time_fix"]["rate"] < 1
    assert metrics["first_time_fix"]["reopened"] >= 1
    assert 0 < metrics["failure_demand"]["share"] < 0.15
    customers = {row["value"] for row in metrics["customer_value_by"]["customer"]}
    assert set(PRIORITY_CLIENTS) <= customers
