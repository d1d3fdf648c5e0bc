"""The measures the customer sees, added to a period's summary: customer lead time beside
system lead time, each labelled, first-time fix, failure-demand share, and the headline that
leads with them (``docs/metrics.md``)."""

from __future__ import annotations

from typing import Any

from flowdesk.analytics.failure import Links, customer_value
from flowdesk.analytics.filters import Where
from flowdesk.analytics.flow import Flow
from flowdesk.analytics.periods import Period

SYSTEM_LABEL = "System lead time: from commitment to delivery"
CUSTOMER_LABEL = "Customer lead time: from arrival (the request) to delivery"


def customer_view(summary: dict[str, Any], flow: Flow, period: Period, links: Links,
                  window_days: int, where: Where | None = None) -> dict[str, Any]:
    """Return the keys to add to ``summary`` (:func:`flowdesk.analytics.summary` of the same
    period and slice): ``system_lead_time`` and ``customer_lead_time`` (labelled, with the
    nearest-rank percentiles of exact and calendar days), ``first_time_fix``,
    ``failure_demand``, ``customer_value_by`` (per class of service and per customer) and
    ``headline``, the customer-value measures first."""
    value = customer_value(flow, period, links, window_days, where)
    system = {"label": SYSTEM_LABEL, "from": "commitment", "to": "delivery",
              "days": summary["lead_time_days"],
              "calendar_days": summary["lead_time_calendar_days"]}
    customer = {"label": CUSTOMER_LABEL, "from": "arrival", "to": "delivery",
                "days": summary["customer_lead_time_days"],
                "calendar_days": summary["customer_lead_time_calendar_days"]}
    return {
        "system_lead_time": system,
        "customer_lead_time": customer,
        "first_time_fix": value["first_time_fix"],
        "failure_demand": value["failure_demand"],
        "customer_value_by": value["by"],
        "headline": headline(summary, customer, value),
    }


def promise_attainment(summary: dict[str, Any]) -> dict[str, Any]:
    """The headline's attainment of the promise: the service level's attainment over the
    period, against the targets its items are held to (their agreements' due times, else
    the service's own targets; `docs/metrics.md`, "Service level")."""
    level = summary.get("service_level")
    if not level:
        return {"share": None, "delivered": 0, "within": 0, "met": None,
                "source": "service_level"}
    share = level.get("attainment")
    return {"share": None if share is None else round(share, 6),
            "delivered": int(level.get("delivered", 0)), "within": int(level.get("within", 0)),
            "met": level.get("met"), "source": "service_level"}


def headline(summary: dict[str, Any], customer: dict[str, Any],
             value: dict[str, Any]) -> dict[str, Any]:
    """The headline numbers in the order a page shows them: customer value first, then
    delivered in the period."""
    return {
        "promise_attainment": promise_attainment(summary),
        "customer_lead_time_85": customer["calendar_days"].get("85"),
        "first_time_fix_rate": value["first_time_fix"]["rate"],
        "failure_demand_share": value["failure_demand"]["share"],
        "delivered": summary["delivered_count"],
    }
