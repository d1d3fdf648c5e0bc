"""`flowdesk report`: one self-contained HTML file with every flow chart, for a service or a
history file. It opens offline: the chart library, the code, the styles and the data are inside."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from flowdesk.analytics.charts import DEFAULT_FORECAST_DAYS, MAX_FORECAST_DAYS
from flowdesk.cli.analytics import (
    check_source_options,
    load_source,
    show_skipped_rows,
    source_options,
)
from flowdesk.cli.analytics import where as where_of
from flowdesk.cli.context import check_database, friendly_errors, in_existing_folder
from flowdesk.domain.clock import SystemClock
from flowdesk.reporting import chart_data, render_report
from flowdesk.reporting.data import DEFAULT_SEED
from flowdesk.services.analytics import FlowSource

Step = tuple[str, Callable[[], None]]


@click.command()
@source_options
@click.option("--from", "start", type=click.DateTime(["%Y-%m-%d"]), help="first day (included)")
@click.option("--to", "end", type=click.DateTime(["%Y-%m-%d"]), help="last day (included)")
@click.option("-o", "--output", required=True,
              type=click.Path(dir_okay=False, writable=True, path_type=Path),
              callback=in_existing_folder, help="the HTML file to write, like report.html")
@click.option("--forecast-days", default=DEFAULT_FORECAST_DAYS, show_default=True,
              type=click.IntRange(1, MAX_FORECAST_DAYS),
              help='days ahead for "how many will be done?"')
@click.option("--forecast-count", type=click.IntRange(min=1),
              help='items for "when will they be done?" (default: the WIP at the end)')
@click.option("--seed", default=DEFAULT_SEED, show_default=True, type=click.IntRange(min=0),
              help="seed of the forecasts: the same seed gives the same report")
@friendly_errors
def report(service_key: str | None, history: Path | None, workflow: Path | None,
           item_type: str | None, cos: str | None, customer: str | None, team: str | None,
           start: datetime | None, end: datetime | None, output: Path, forecast_days: int,
           forecast_count: int | None, seed: int) -> None:
    """Write an offline HTML flow report: charts, headline numbers and what they mean."""
    check_source_options(service_key, history, workflow, team)
    if service_key:
        check_database()  # before the progress bar: one line if it cannot be opened
    found: dict[str, Any] = {}

    def read() -> None:
        found["source"] = load_source(service_key, history, workflow, team)

    def compute() -> None:
        source: FlowSource = found["source"]
        found["data"] = chart_data(
            source, start.date() if start else None, end.date() if end else None,
            where_of(item_type, cos, customer, team), seed=seed, forecast_days=forecast_days,
            forecast_count=forecast_count)

    def write() -> None:
        html = render_report(found["data"], SystemClock().now())
        output.write_text(html, encoding="utf-8")
        found["size"] = len(html.encode("utf-8"))

    what = f"service {service_key}" if service_key else f"{history}"
    steps: list[Step] = [(f"reading {what}", read),
                         ("computing metrics and forecasts", compute),
                         (f"writing {output}", write)]
    with click.progressbar(steps, label="flow report", file=sys.stderr,
                           item_show_func=lambda step: step[0] if step else None) as bar:
        for _label, run in bar:
            run()
    skipped = show_skipped_rows(found["source"])
    data = found["data"]
    period = data["period"]
    click.echo(f"wrote {output} ({found['size'] / 1_000_000:.1f} MB): {data['source']}, "
               f"{period['start']} to {period['end']}, "
               f"{data['summary']['delivered_count']} items delivered"
               + (f"; {skipped} unreadable rows skipped" if skipped else ""))
