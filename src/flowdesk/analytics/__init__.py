"""Flow analytics for Kanban service delivery: a standalone library over numpy.

Turn a history into a :class:`Timeline` (:meth:`Timeline.from_rows` for Flowdesk's own
event log, :func:`read_history` for a CSV export), read it through a :class:`Workflow`
with :func:`analyse`, then ask for metrics over any :class:`Period`, sliced by item
attributes (``where={"type": "bug"}``), or for Monte Carlo forecasts with a seeded
``numpy.random.Generator``. ``docs/metrics.md`` defines every metric exactly.

Imports only the standard library and numpy. Time never comes from the wall clock:
"as of" is always a parameter (by default the timeline's last entry).

Each public name's module is imported when the name is first used (``__getattr__``
below): a program that needs a few of them, like ``flowdesk metrics --history``, does not
wait for all of them to load.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the names for type checkers; at run time __getattr__ imports them
    from flowdesk.analytics.aging import AgingWip, aging_wip
    from flowdesk.analytics.alerts import (
        Alert,
        AlertThresholds,
        demand_alerts,
        inflow_alert,
        mix_alerts,
        queue_alert,
    )
    from flowdesk.analytics.blocking import (
        BlockerCategory,
        Efficiency,
        blocked_days,
        blocked_items,
        blocker_pareto,
        efficiency_of_delivered,
        flow_efficiency,
    )
    from flowdesk.analytics.counts import (
        CumulativeFlow,
        arrivals,
        commitments,
        cumulative_flow,
        net_flow,
        throughput,
        wip,
    )
    from flowdesk.analytics.demand import (
        Baseline,
        HeatMap,
        InflowOutflow,
        TodaySeries,
        arrivals_against_throughput,
        arrivals_heatmap,
        baseline,
        today_against_usual,
    )
    from flowdesk.analytics.filters import Where, item_mask
    from flowdesk.analytics.flow import Flow, analyse
    from flowdesk.analytics.forecast import (
        HowMany,
        When,
        how_many,
        how_many_by,
        sample_window,
        throughput_samples,
        when_done,
    )
    from flowdesk.analytics.history import History, RowProblem, read_history
    from flowdesk.analytics.items import ItemsTable, items_table
    from flowdesk.analytics.leadtime import LeadTimes, lead_times, time_in_state, time_in_states
    from flowdesk.analytics.mix import MixRow, work_mix
    from flowdesk.analytics.moves import DiscardRate, Rework, discard_rate, rework
    from flowdesk.analytics.ontime import OnTime, on_time
    from flowdesk.analytics.percentiles import STANDARD, at_least, nearest_rank
    from flowdesk.analytics.periods import Period
    from flowdesk.analytics.report import period_of, summary
    from flowdesk.analytics.sle import Attainment, ServiceLevel, attainment, derive_service_level
    from flowdesk.analytics.timeline import Attribute, BlockRow, Blocks, Timeline
    from flowdesk.analytics.workflow import Columns, Workflow

#: public name -> the module that defines it (imported on first use)
_HOME = {
    "AgingWip": "flowdesk.analytics.aging",
    "aging_wip": "flowdesk.analytics.aging",
    "Alert": "flowdesk.analytics.alerts",
    "AlertThresholds": "flowdesk.analytics.alerts",
    "demand_alerts": "flowdesk.analytics.alerts",
    "inflow_alert": "flowdesk.analytics.alerts",
    "mix_alerts": "flowdesk.analytics.alerts",
    "queue_alert": "flowdesk.analytics.alerts",
    "BlockerCategory": "flowdesk.analytics.blocking",
    "Efficiency": "flowdesk.analytics.blocking",
    "blocked_days": "flowdesk.analytics.blocking",
    "blocked_items": "flowdesk.analytics.blocking",
    "blocker_pareto": "flowdesk.analytics.blocking",
    "efficiency_of_delivered": "flowdesk.analytics.blocking",
    "flow_efficiency": "flowdesk.analytics.blocking",
    "CumulativeFlow": "flowdesk.analytics.counts",
    "arrivals": "flowdesk.analytics.counts",
    "commitments": "flowdesk.analytics.counts",
    "cumulative_flow": "flowdesk.analytics.counts",
    "net_flow": "flowdesk.analytics.counts",
    "throughput": "flowdesk.analytics.counts",
    "wip": "flowdesk.analytics.counts",
    "Baseline": "flowdesk.analytics.demand",
    "HeatMap": "flowdesk.analytics.demand",
    "InflowOutflow": "flowdesk.analytics.demand",
    "TodaySeries": "flowdesk.analytics.demand",
    "arrivals_against_throughput": "flowdesk.analytics.demand",
    "arrivals_heatmap": "flowdesk.analytics.demand",
    "baseline": "flowdesk.analytics.demand",
    "today_against_usual": "flowdesk.analytics.demand",
    "Where": "flowdesk.analytics.filters",
    "item_mask": "flowdesk.analytics.filters",
    "Flow": "flowdesk.analytics.flow",
    "analyse": "flowdesk.analytics.flow",
    "HowMany": "flowdesk.analytics.forecast",
    "When": "flowdesk.analytics.forecast",
    "how_many": "flowdesk.analytics.forecast",
    "how_many_by": "flowdesk.analytics.forecast",
    "sample_window": "flowdesk.analytics.forecast",
    "throughput_samples": "flowdesk.analytics.forecast",
    "when_done": "flowdesk.analytics.forecast",
    "History": "flowdesk.analytics.history",
    "RowProblem": "flowdesk.analytics.history",
    "read_history": "flowdesk.analytics.history",
    "ItemsTable": "flowdesk.analytics.items",
    "items_table": "flowdesk.analytics.items",
    "LeadTimes": "flowdesk.analytics.leadtime",
    "lead_times": "flowdesk.analytics.leadtime",
    "time_in_state": "flowdesk.analytics.leadtime",
    "time_in_states": "flowdesk.analytics.leadtime",
    "MixRow": "flowdesk.analytics.mix",
    "work_mix": "flowdesk.analytics.mix",
    "DiscardRate": "flowdesk.analytics.moves",
    "Rework": "flowdesk.analytics.moves",
    "discard_rate": "flowdesk.analytics.moves",
    "rework": "flowdesk.analytics.moves",
    "OnTime": "flowdesk.analytics.ontime",
    "on_time": "flowdesk.analytics.ontime",
    "STANDARD": "flowdesk.analytics.percentiles",
    "at_least": "flowdesk.analytics.percentiles",
    "nearest_rank": "flowdesk.analytics.percentiles",
    "Period": "flowdesk.analytics.periods",
    "period_of": "flowdesk.analytics.report",
    "summary": "flowdesk.analytics.report",
    "Attainment": "flowdesk.analytics.sle",
    "ServiceLevel": "flowdesk.analytics.sle",
    "attainment": "flowdesk.analytics.sle",
    "derive_service_level": "flowdesk.analytics.sle",
    "Attribute": "flowdesk.analytics.timeline",
    "BlockRow": "flowdesk.analytics.timeline",
    "Blocks": "flowdesk.analytics.timeline",
    "Timeline": "flowdesk.analytics.timeline",
    "Columns": "flowdesk.analytics.workflow",
    "Workflow": "flowdesk.analytics.workflow",
}


def __getattr__(name: str) -> Any:
    """Import a public name's module when the name is first asked for (PEP 562)."""
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


__all__ = [
    "STANDARD",
    "AgingWip",
    "Alert",
    "AlertThresholds",
    "Attainment",
    "Attribute",
    "Baseline",
    "BlockRow",
    "BlockerCategory",
    "Blocks",
    "Columns",
    "CumulativeFlow",
    "DiscardRate",
    "Efficiency",
    "Flow",
    "HeatMap",
    "History",
    "HowMany",
    "InflowOutflow",
    "ItemsTable",
    "LeadTimes",
    "MixRow",
    "OnTime",
    "Period",
    "Rework",
    "RowProblem",
    "ServiceLevel",
    "Timeline",
    "TodaySeries",
    "When",
    "Where",
    "Workflow",
    "aging_wip",
    "analyse",
    "arrivals",
    "arrivals_against_throughput",
    "arrivals_heatmap",
    "at_least",
    "attainment",
    "baseline",
    "blocked_days",
    "blocked_items",
    "blocker_pareto",
    "commitments",
    "cumulative_flow",
    "demand_alerts",
    "derive_service_level",
    "discard_rate",
    "efficiency_of_delivered",
    "flow_efficiency",
    "how_many",
    "how_many_by",
    "inflow_alert",
    "item_mask",
    "items_table",
    "lead_times",
    "mix_alerts",
    "nearest_rank",
    "net_flow",
    "on_time",
    "period_of",
    "queue_alert",
    "read_history",
    "rework",
    "sample_window",
    "summary",
    "throughput",
    "throughput_samples",
    "time_in_state",
    "time_in_states",
    "today_against_usual",
    "when_done",
    "wip",
    "work_mix",
]
