"""Typed answers of the metrics, forecast and chart endpoints: the JSON the analytics give
(`flowdesk.analytics.report.summary`, `services.analytics.forecast`, `analytics.charts`), field
for field, so the OpenAPI document says what a client gets. `docs/metrics.md` defines each
number. Percentiles are keyed by their rank as text ("50", "70", "85", "95"), None where
there is nothing to rank. Numbers that may be whole or not are `int | float`, so an answer
is served as the analytics wrote it."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

Number = int | float
Percentiles = dict[str, Number | None]


class Out(BaseModel):
    model_config = ConfigDict(extra="forbid")  # a field the analytics add must be added here


class PeriodOut(Out):
    start: str
    end: str
    days: int
    timezone: str
    as_of: str


Where = dict[str, str | list[str]]


class StateTimeOut(Out):
    items: int
    days: Percentiles


class DailyOut(Out):
    dates: list[str]
    values: list[int]


class WeeklyOut(Out):
    week_starts: list[str]
    days_in_period: list[int]
    values: list[int]


class SeriesOut(Out):
    total: int
    per_day: Number | None
    daily: DailyOut
    weekly: WeeklyOut


class WipOut(Out):
    end_of_period: int
    mean: Number | None
    max: int
    daily: DailyOut


class AgingSummaryOut(Out):
    as_of: str
    count: int
    bands_calendar_days: Percentiles
    oldest_days: int | None
    above_85th_percentile: int


class EfficiencyOut(Out):
    overall: Number | None
    median_item: Number | None
    items: int


class BlockedOut(Out):
    blocked_days: Number | None
    count: int
    median_days: Number | None
    open: int


class AttainmentOut(Out):
    week_start: str
    delivered: int
    within: int
    share: Number | None


class AgreementRefOut(Out):
    id: int
    version: int


class TargetOut(Out):
    """One target items are held to: an agreement version's, or the service's own (per class
    of service), with the items delivered in the period under it and how many met it."""

    source: Literal["agreement", "service_level"]
    agreement: AgreementRefOut | None
    name: str | None = None
    scope: str
    value: Number
    unit: str
    class_of_service: str | None
    customer: str | None
    measured: str
    text: str
    share: Number
    percentile: Number
    delivered: int
    within: int
    attainment: Number | None
    met: bool | None


class SuggestionOut(Out):
    """The period's own percentile of lead time: a suggestion for a target, never one."""

    percentile: int
    days: Number
    text: str
    label: str


class ServiceLevelOut(Out):
    """Attainment against configured targets (`docs/metrics.md`, "Service level")."""

    targets: list[TargetOut]
    delivered: int
    within: int
    attainment: Number | None
    met: bool | None
    untargeted: int
    target_share: Number | None
    attainment_weekly: list[AttainmentOut]
    suggestion: SuggestionOut | None


class LeadTimeViewOut(Out):
    """A lead time with its label and where it is measured from and to."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    label: str
    from_: str = Field(alias="from")
    to: str
    days: Percentiles
    calendar_days: Percentiles


class FirstTimeFixOut(Out):
    rate: Number | None
    delivered: int
    fixed: int
    reopened: int
    failure_demand: int
    within_window: int
    window_days: int


class FailureDemandOut(Out):
    share: Number | None
    arrived: int
    failure: int
    by_kind: dict[str, int]


class CustomerValueRowOut(Out):
    value: str
    first_time_fix: FirstTimeFixOut
    failure_demand: FailureDemandOut


class PromiseAttainmentOut(Out):
    share: Number | None
    delivered: int
    within: int
    met: bool | None
    source: str


class HeadlineOut(Out):
    """What the analytics page leads with: the customer's measures, then deliveries."""

    promise_attainment: PromiseAttainmentOut
    customer_lead_time_85: Number | None
    first_time_fix_rate: Number | None
    failure_demand_share: Number | None
    delivered: int


class DiscardRateOut(Out):
    rate: Number | None
    discarded_upstream: int
    committed: int
    discarded_after_commitment: int


class ReworkOut(Out):
    backward_moves: int
    reopenings: int
    revived: int
    items_with_backward_moves: int
    items_reopened: int


class SummaryOut(Out):
    period: PeriodOut
    where: Where
    delivered_count: int
    lead_time_days: Percentiles
    lead_time_calendar_days: Percentiles
    customer_lead_time_days: Percentiles
    customer_lead_time_calendar_days: Percentiles
    time_in_state: dict[str, StateTimeOut]
    throughput: SeriesOut
    arrivals: SeriesOut
    net_flow: SeriesOut
    wip: WipOut
    aging_wip: AgingSummaryOut
    flow_efficiency: EfficiencyOut
    blocked_days_by_category: dict[str, BlockedOut]
    service_level: ServiceLevelOut | None
    discard_rate: DiscardRateOut
    rework: ReworkOut
    system_lead_time: LeadTimeViewOut
    customer_lead_time: LeadTimeViewOut
    first_time_fix: FirstTimeFixOut
    failure_demand: FailureDemandOut
    customer_value_by: dict[str, list[CustomerValueRowOut]]
    headline: HeadlineOut


class MetricsOut(SummaryOut):
    """`GET /services/{key}/metrics`: the summary, and the service it is of."""

    source: str


class ItemRowOut(BaseModel):
    """One item of `GET /services/{key}/metrics/items`; after the fixed columns, one column
    per attribute of the service's items (type, class of service, customer)."""

    model_config = ConfigDict(extra="allow")
    item: str
    arrived_at: str | None
    committed_at: str | None
    delivered_at: str | None
    discarded_at: str | None
    lead_time_days: Number | None
    lead_time_calendar_days: Number | None
    customer_lead_time_days: Number | None
    customer_lead_time_calendar_days: Number | None
    blocked_days: Number | None
    flow_efficiency: Number | None
    backward_moves: int | None
    reopenings: int | None
    state: str | None


class OnTimeItemOut(Out):
    """An open item with a due date or due time: the chance it is done by then."""

    key: str
    title: str
    state: str | None
    committed: bool
    due: str
    probability: Number
    at_risk: bool
    age_days: int
    basis: str


class OnTimeOut(Out):
    """`GET /services/{key}/metrics/on-time`: every open item with a due date or due time,
    riskiest first (`docs/metrics.md`, "Breach risk")."""

    service: str
    timezone: str
    threshold: Number
    at_risk: int
    items: list[OnTimeItemOut]


class MissedItemOut(Out):
    """A delivered item that missed its due time, with what delayed it (days)."""

    key: str
    title: str
    target: str | None = Field(description="the promise it was held to; null for a due date")
    agreement: AgreementRefOut | None
    arrived_at: str
    committed_at: str | None
    delivered_at: str
    due_at: str
    late_days: Number
    time_in_state_days: dict[str, Number]
    blocked_days_by_category: dict[str, Number]
    blocked_days: Number
    waiting_days: Number
    active_days: Number


class DatesOut(Out):
    start: str
    end: str


class MissedPromisesOut(Out):
    """`GET /services/{key}/metrics/missed-promises`: the items delivered in the period after
    their due time, latest first. Times are ISO 8601 in the service's `timezone`."""

    service: str
    timezone: str
    period: DatesOut
    count: int
    items: list[MissedItemOut]


class WindowOut(Out):
    start: str
    end: str
    days: int
    days_asked: int
    delivered: int


class HowManyHistogramOut(Out):
    items: list[int]
    trials: list[int]


class WhenHistogramOut(Out):
    days: list[int]
    trials: list[int]


class HowManyByOut(Out):
    """How many items will be done from `start` to `by`: `at_least` per percentile."""

    question: Literal["how_many_by"]
    by: str
    start: str
    window: WindowOut
    seed: int | None
    trials: int
    days: int
    at_least: dict[str, int]
    histogram: HowManyHistogramOut
    convention: str


class WhenOut(Out):
    """When `count` items will be done, starting `start`: `on_or_before` per percentile
    (None beyond the horizon)."""

    question: Literal["when"]
    window: WindowOut
    seed: int | None
    trials: int
    count: int
    start: str
    on_or_before: dict[str, str | None]
    days: dict[str, int | None]
    histogram: WhenHistogramOut
    convention: str


#: `GET /services/{key}/forecast`: `question` says which of the two was asked.
ForecastOut = Annotated[HowManyByOut | WhenOut, Field(discriminator="question")]


# The chart payload (`GET /services/{key}/metrics/charts`)


class StateOut(Out):
    name: str
    phase: str


class WipOnlyOut(Out):
    """The cumulative flow without the done bands: each line less the delivered."""

    states: list[str]
    lines: list[list[int]]


class CumulativeFlowOut(Out):
    dates: list[str]
    states: list[str]
    lines: list[list[int]]
    wip_only: WipOnlyOut
    view: Literal["all", "wip"]  # the view a page opens on (`docs/metrics.md`)


class ChartPeriodOut(PeriodOut):
    """The period of the charts, with the zone as people read it ("UTC+01:00") and the
    moment of the data in that zone."""

    timezone_label: str
    as_of_local: str


class LeadPointsOut(Out):
    keys: list[str]
    delivered: list[str]
    calendar_days: list[int]
    elapsed_days: list[Number]


class LeadHistogramOut(Out):
    days: list[int]
    items: list[int]


class LeadTimeChartOut(Out):
    points: LeadPointsOut
    percentiles: Percentiles
    histogram: LeadHistogramOut


class ThroughputChartOut(Out):
    dates: list[str]
    daily: list[int]
    week_starts: list[str]
    days_in_week: list[int]
    weekly: list[int]
    per_day: Number | None
    wip: list[int]


class AgingItemsOut(Out):
    keys: list[str]
    states: list[str]
    age_days: list[int]
    band: list[int]
    blocked: list[bool]


class AgingChartOut(Out):
    states: list[str]
    items: AgingItemsOut
    bands: Percentiles


class BlockerBarOut(Out):
    category: str
    blocked_days: Number | None
    count: int
    median_days: Number | None
    open: int
    cumulative_share: Number | None


class BlockerChartOut(Out):
    categories: list[BlockerBarOut]
    total_days: Number | None


class EfficiencyChartOut(Out):
    overall: Number | None
    median_item: Number | None
    items: int
    bins: list[str]
    counts: list[int]


class ChartWindowOut(Out):
    start: str
    end: str
    days: int
    delivered: int


class HowManyChartOut(Out):
    days: int
    end: str
    at_least: dict[str, int]
    histogram: HowManyHistogramOut


class WhenChartHistogramOut(Out):
    days: list[int]
    dates: list[str]
    trials: list[int]


class WhenChartOut(Out):
    count: int
    on_or_before: dict[str, str | None]
    days: dict[str, int | None]
    histogram: WhenChartHistogramOut
    beyond: int


class ForecastChartOut(Out):
    window: ChartWindowOut
    start: str
    trials: int
    how_many: HowManyChartOut
    when: WhenChartOut | None
    seed: int


class HeatmapOut(Out):
    weekdays: list[str]
    hours: list[int]
    counts: list[list[int]]
    days: list[int]
    per_day: list[list[Number]]


class InflowOutflowOut(Out):
    dates: list[str]
    arrived: list[int]
    delivered: list[int]
    net: list[int]


class MixRowOut(Out):
    value: str
    arrived: int
    delivered: int
    wip: int


class DemandChartOut(Out):
    heatmap: HeatmapOut
    inflow_outflow: InflowOutflowOut
    mix: dict[str, list[MixRowOut]]


class ChartsOut(Out):
    """Every chart of a service's flow for a period, the same the web page draws."""

    period: ChartPeriodOut
    where: Where
    states: list[StateOut]
    summary: SummaryOut
    cumulative_flow: CumulativeFlowOut
    lead_time: LeadTimeChartOut
    throughput: ThroughputChartOut
    aging_wip: AgingChartOut
    blockers: BlockerChartOut
    flow_efficiency: EfficiencyChartOut
    forecast: ForecastChartOut
    demand: DemandChartOut
    source: str
    filters: dict[str, list[str]]
