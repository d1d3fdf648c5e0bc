"""The offline report: one HTML file with the chart library, the chart code, the styles and
the data inside it, so it opens from a disk or an e-mail with no server and no network."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from flowdesk import __version__
from flowdesk.analytics.charts import where_text
from flowdesk.analytics.timezones import Zone
from flowdesk.reporting.assets import TEMPLATE_DIR, load_assets

REPORT_TEMPLATES = Path(__file__).resolve().parent / "templates"
# JSON inside <script> must not contain "</script>" or "<!--": escaping <, > and & keeps it
# valid JSON that the HTML parser cannot end early.
_SCRIPT_SAFE = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"})


def embedded_json(data: dict[str, Any]) -> Markup:
    """Return the data as JSON that is safe inside a <script type="application/json">."""
    text = json.dumps(data, allow_nan=False, separators=(",", ":"), ensure_ascii=False)
    return Markup(text.translate(_SCRIPT_SAFE))  # noqa: S704 - escaped for <script> above


def _environment() -> Environment:
    return Environment(
        loader=ChoiceLoader([FileSystemLoader(REPORT_TEMPLATES), FileSystemLoader(TEMPLATE_DIR)]),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
    )


def _local(moment: datetime, timezone: str) -> str:
    """A moment as the service's wall clock shows it, naming the zone."""
    local = moment.astimezone(Zone.parse(timezone).info)
    return f"{local:%Y-%m-%d %H:%M} ({timezone})"


def render_report(data: dict[str, Any], generated_at: datetime) -> str:
    """Return the report for a chart payload (`reporting.chart_data`) as one HTML document."""
    assets = load_assets()
    template = _environment().get_template("report.html")
    return template.render(
        data=data,
        data_json=embedded_json(data),
        filters=where_text(data["where"]),
        generated=_local(generated_at, data["period"]["timezone"]),
        version=__version__,
        # Checked by load_assets: no closing tag inside, nothing fetched.
        scripts=[Markup(text) for text in assets.scripts],  # noqa: S704
        styles=[Markup(text) for text in assets.styles],  # noqa: S704
    )
