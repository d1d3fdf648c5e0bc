"""Flow analytics for Kanban service delivery: a standalone library over numpy.

Turn a history into a :class:`Timeline` (:meth:`Timeline.from_rows` for Flowdesk's own
event log, :func:`read_history` for a CSV export), read it through a :class:`Workflow`
with :func:`analyse`, then ask for metrics over any :class:`Period`, sliced by item
attributes (``where={"type": "bug"}``), or for Monte Carlo forecasts with a seeded
``numpy.random.Generator``. ``docs/metrics.md`` defines every metric exactly.

Imports only the standard library and numpy. Time never comes from the wall clock:
"as of" is always a parameter (by default the timeline's last entry).
"""

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
