"""`flowdesk import`, `flowdesk metrics` and `flowdesk forecast`.

Each reads either a service (`--service KEY`, the database) or a history file with its
workflow file (`--history FILE --workflow W.toml`, no database needed).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any, TypeVar

import click

from flowdesk.cli.context import (
    check_database,
    friendly_errors,
    in_existing_folder,
    unit_of_work,
)
from flowdesk.cli.progress import Progress
from flowdesk.domain.clock import SystemClock
from flowdesk.domain.people import LOCAL_USER, Actor
from flowdesk.services import analytics

F = TypeVar("F", bound=Callable[..., Any])
IMPORTER = Actor("import", "History import", operator=True)  # the local operator
SHOWN_PROBLEMS = 20  # unreadable rows listed one per line; the rest are counted


def source_options(func: F) -> F:
    """--service, or --history with --workflow; plus the slice filters."""
    options = [
        click.option("--service", "service_key", help="a service in the database, like CLM"),
        click.option("--history", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                     help="a history CSV (optionally gzipped), one row per state change"),
        click.option("--workflow", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                     help="the workflow TOML that maps the history file"),
        click.option("--type", "item_type", help="only items of this type"),
        click.option("--class-of-service", "cos", help="only items of this class of service"),
        click.option("--customer", help="only this customer's items"),
        click.option("--team", help="only this team's items"),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def load_source(service_key: str | None, history: Path | None,
                workflow: Path | None, team: str | None = None) -> analytics.FlowSource:
    """The flow source the options name; refuses --team with --service (no team data)."""
    check_source_options(service_key, history, workflow, team)
    if service_key:
        with unit_of_work() as uow:
            return analytics.from_service(uow, LOCAL_USER, service_key, SystemClock().now(),
                                          with_promises=True)
    assert history is not None and workflow is not None
    return analytics.from_history(history, workflow)


def check_source_options(service_key: str | None, history: Path | None,
                         workflow: Path | None, team: str | None = None) -> None:
    """Refuse options that name no source, or two, or --team with --service (usage errors,
    before any database is opened)."""
    if service_key and (history or workflow):
        raise click.UsageError("give either --service or --history with --workflow, not both")
    if service_key:
        if team:
            raise click.BadParameter("a service's items have no team: --team filters "
                                     "history files only (use --type, --class-of-service or "
                                     "--customer with --service)", param_hint="'--team'")
        return
    if not (history and workflow):
        raise click.UsageError("give --service KEY, or --history FILE with --workflow W.toml")


def show_skipped_rows(source: analytics.FlowSource, limit: int = SHOWN_PROBLEMS) -> int:
    """Print the history file's unreadable rows to stderr (line number and reason, the
    first `limit` of them) and return how many were skipped: 0 for a service."""
    read = source.history
    if read is None or read.problem_count == 0:
        return 0
    click.echo(f"{source.name}: {read.problem_count} unreadable rows skipped", err=True)
    shown = read.problems[:limit]
    for problem in shown:
        click.echo(f"  line {problem.line}: {problem.reason}", err=True)
    if read.problem_count > len(shown):
        click.echo(f"  ... and {read.problem_count - len(shown)} more", err=True)
    return read.problem_count


def with_rows_skipped(result: dict[str, Any], source: analytics.FlowSource) -> dict[str, Any]:
    """Add `rows_skipped` (unreadable rows of a history file) to a JSON result."""
    if source.history is not None:
        result["rows_skipped"] = source.history.problem_count
    return result


def where(item_type: str | None, cos: str | None, customer: str | None,
          team: str | None) -> Any:
    return analytics.where_of({"type": item_type, "class_of_service": cos,
                               "customer": customer, "team": team})


@click.command("import")
@click.argument("history", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--workflow", required=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="the workflow TOML that maps the history file")
@click.option("--service", "service_key", required=True, help="key of the service to fill")
@click.option("--name", help="name of the service, if it is created")
@friendly_errors
def import_command(history: Path, workflow: Path, service_key: str, name: str | None) -> None:
    """Import another tool's history into a service (safe to run twice)."""
    from flowdesk.services.imports import import_history

    check_database()
    click.echo(f"reading {history}", err=True)
    source = analytics.from_history(history, workflow)
    assert source.history is not None
    read = source.history
    show_skipped_rows(source)
    with unit_of_work() as uow, Progress(source.flow.item_count, label="importing items",
                                         past="imported", noun="items") as bar:
        result = import_history(uow, SystemClock(), IMPORTER, key=service_key, name=name,
                                history=read, workflow=source.flow.workflow,
                                progress=lambda count: bar.update(bar.done + count))
    for warning in result.warnings:
        click.echo(f"warning: {warning}", err=True)
    verb = "created" if result.service_created else "updated"
    click.echo(
        f"{verb} service {result.service.key}: {result.imported} items imported, "
        f"{result.skipped} already there, {result.events} events; "
        f"{read.rows_read} rows read, {read.rows_ignored} in ignored states, "
        f"{read.problem_count} unreadable"
    )


@click.command()
@source_options
@click.option("--from", "start", type=click.DateTime(["%Y-%m-%d"]), help="first day (included)")
@click.option("--to", "end", type=click.DateTime(["%Y-%m-%d"]), help="last day (included)")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True)
@click.option("--items", "items_out", type=click.Path(dir_okay=False, path_type=Path),
              callback=in_existing_folder, help="also write one row per item to this CSV file")
@friendly_errors
def metrics(service_key: str | None, history: Path | None, workflow: Path | None,
            item_type: str | None, cos: str | None, customer: str | None, team: str | None,
            start: datetime | None, end: datetime | None, fmt: str,
            items_out: Path | None) -> None:
    """Flow metrics for a period: lead time, throughput, WIP, flow efficiency, blockers."""
    source = load_source(service_key, history, workflow, team)
    show_skipped_rows(source)
    chosen = where(item_type, cos, customer, team)
    result = with_rows_skipped(analytics.metrics(source, _day(start), _day(end), chosen),
                               source)
    if items_out is not None:
        rows = analytics.item_rows(source, chosen)
        write_items_csv(items_out, rows)
        click.echo(f"wrote {len(rows)} items to {items_out}", err=True)
    if fmt == "json":
        click.echo(json.dumps(result, indent=2, sort_keys=True))
    else:
        click.echo(metrics_table(result))


def write_items_csv(path: Path, rows: list[dict[str, Any]]) -> None:
    columns = list(rows[0]) if rows else ["item"]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, columns)
        writer.writeheader()
        writer.writerows({k: "" if v is None else v for k, v in row.items()} for row in rows)


def _day(value: datetime | None) -> date | None:
    return None if value is None else value.date()


def metrics_table(m: dict[str, Any]) -> str:
    """The headline numbers as aligned text."""
    period = m["period"]
    lead = m["lead_time_days"]
    calendar = m["lead_time_calendar_days"]
    eff = m["flow_efficiency"]["overall"]
    lines = [
        f"{m.get('source', '')}: {period['start']} to {period['end']} "
        f"({period['days']} days, {period['timezone']})",
        f"  delivered            {m['delivered_count']}",
        f"  throughput           {m['throughput']['per_day']:.2f} per day",
        f"  arrivals             {m['arrivals']['per_day']:.2f} per day",
        f"  WIP at end           {m['wip']['end_of_period']} (mean {m['wip']['mean']:.1f})",
        "  lead time (days)     " + "  ".join(
            f"{p}%: {_num(lead.get(p))}" for p in ("50", "70", "85", "95")),
        "  lead time (calendar) " + "  ".join(
            f"{p}%: {_num(calendar.get(p))}" for p in ("50", "70", "85", "95")),
        f"  flow efficiency      {_pct(eff)}",
        *_service_level_lines(m.get("service_level") or {}),
    ]
    if "customer_lead_time" in m:  # a service, or a history file: what the customer saw
        customer = m["customer_lead_time"]["calendar_days"]
        fix, failure = m["first_time_fix"], m["failure_demand"]
        lines[2:2] = [
            "  customer lead time (calendar, arrival to delivery) " + "  ".join(
                f"{p}%: {_num(customer.get(p))}" for p in ("50", "85")),
            f"  first-time fix       {_pct(fix['rate'])} ({fix['fixed']} of "
            f"{fix['delivered']}, window {fix['window_days']} days)",
            f"  failure demand       {_pct(failure['share'])} ({failure['failure']} of "
            f"{failure['arrived']} arrivals)",
        ]
    blocked = m["blocked_days_by_category"]
    if blocked:
        lines.append("  blocked days by category")
        for name, row in sorted(blocked.items(), key=lambda kv: -kv[1]["blocked_days"]):
            lines.append(f"    {name:<22} {row['blocked_days']:>9.1f} days  "
                         f"{row['count']:>5} blockers  median {_num(row['median_days'])} days")
    return "\n".join(lines)


def _service_level_lines(level: dict[str, Any]) -> list[str]:
    """Attainment against each target, then the period's own percentile as a suggestion."""
    lines = []
    for target in level.get("targets", []):
        verdict = {True: "met", False: "NOT met", None: "nothing delivered"}[target["met"]]
        lines.append(f"  target {target['text']} ({target['scope']}): attained "
                     f"{_pct(target['attainment'])} of {target['delivered']}, {verdict}")
    if not level.get("targets"):
        lines.append("  service level        no target set")
    suggestion = level.get("suggestion")
    if suggestion:
        lines.append(f"  suggestion           {suggestion['text']} (this period's own "
                     f"{suggestion['percentile']}th percentile, not a target)")
    return lines


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f}%"


@click.command()
@source_options
@click.option("--how-many-by", "by", type=click.DateTime(["%Y-%m-%d"]),
              help="how many items will be done by this date?")
@click.option("--when", "count", type=click.IntRange(min=1), help="when will N items be done?")
@click.option("--window-days", default=analytics.DEFAULT_WINDOW_DAYS, show_default=True,
              type=click.IntRange(1, 3650), help="days of past throughput to sample")
@click.option("--trials", default=analytics.DEFAULT_TRIALS, show_default=True,
              type=click.IntRange(1, analytics.MAX_TRIALS))
@click.option("--seed", type=click.IntRange(min=0), help="seed for a repeatable forecast")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True)
@friendly_errors
def forecast(service_key: str | None, history: Path | None, workflow: Path | None,
             item_type: str | None, cos: str | None, customer: str | None, team: str | None,
             by: datetime | None, count: int | None, window_days: int, trials: int,
             seed: int | None, fmt: str) -> None:
    """Monte Carlo forecast from past daily throughput."""
    if (by is None) == (count is None):
        raise click.UsageError("give exactly one of --how-many-by DATE or --when N")
    source = load_source(service_key, history, workflow, team)
    show_skipped_rows(source)
    result = with_rows_skipped(analytics.forecast(
        source, how_many_by_date=_day(by), when_count=count, window_days=window_days,
        trials=trials, seed=seed, where=where(item_type, cos, customer, team)), source)
    if fmt == "json":
        click.echo(json.dumps(result, indent=2, sort_keys=True))
        return
    window = result["window"]
    click.echo(f"sampled {window['delivered']} deliveries over {window['days']} days "
               f"({window['start']} to {window['end']}), {result['trials']} trials")
    if window["days"] < window["days_asked"]:
        click.echo(f"  (asked for {window['days_asked']} days: the window starts no earlier "
                   "than the first arrival and leaves out the as-of day, still under way)")
    if result["question"] == "how_many_by":
        click.echo(f"items done from {result['start']} to {result['by']}:")
        for p, n in result["at_least"].items():
            click.echo(f"  {p}% chance of at least {n}")
    else:
        click.echo(f"{result['count']} items done, starting {result['start']}:")
        for p, day in result["on_or_before"].items():
            click.echo(f"  {p}% chance on or before {day or 'beyond the horizon'}")
