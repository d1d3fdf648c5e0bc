"""The demand charts' data: arrivals by weekday and hour, arrivals against throughput per
day, and the work mix by type and by customer (``docs/metrics.md``, "Demand")."""

from __future__ import annotations

from typing import Any

from flowdesk.analytics.demand import WEEKDAYS, arrivals_against_throughput, arrivals_heatmap
from flowdesk.analytics.filters import Where, item_mask
from flowdesk.analytics.flow import Flow
from flowdesk.analytics.mix import work_mix
from flowdesk.analytics.periods import Period

MIX_BY = ("type", "customer")
MIX_SHOWN = 12  # values per attribute; the rest are summed as "(others)"


def demand_chart(flow: Flow, period: Period, where: Where | None) -> dict[str, Any]:
    """Return the demand charts of the period, sliced by ``where``."""
    chosen = item_mask(flow.timeline, where)
    arrived, delivered = flow.arrived[chosen], flow.delivered[chosen]
    heat = arrivals_heatmap(arrived, flow.zone, period)
    flows = arrivals_against_throughput(arrived, delivered, flow.zone, period)
    return {
        "heatmap": {"weekdays": list(WEEKDAYS), "hours": list(range(24)),
                    "counts": heat.counts.tolist(), "days": heat.days.tolist(),
                    "per_day": [[round(v, 3) for v in row] for row in heat.mean().tolist()]},
        "inflow_outflow": {"dates": period.dates(), "arrived": flows.arrived.tolist(),
                           "delivered": flows.delivered.tolist(), "net": flows.net.tolist()},
        "mix": {name: _mix(flow, name, period, where) for name in MIX_BY
                if name in flow.timeline.attributes},
    }


def _mix(flow: Flow, attribute: str, period: Period,
         where: Where | None) -> list[dict[str, Any]]:
    rows = sorted(work_mix(flow, attribute, period, where),
                  key=lambda r: (-r.arrived, -r.delivered, r.value))
    shown = [{"value": r.value, "arrived": r.arrived, "delivered": r.delivered,
              "wip": r.wip_at_end} for r in rows[:MIX_SHOWN]]
    rest = rows[MIX_SHOWN:]
    if rest:
        shown.append({"value": "(others)", "arrived": sum(r.arrived for r in rest),
                      "delivered": sum(r.delivered for r in rest),
                      "wip": sum(r.wip_at_end for r in rest)})
    return shown
