"""The flow report: chart data for a service or a history file, and the offline HTML report.

`chart_data` gives the JSON the charts API serves and the report embeds; `render_report`
turns it into one self-contained HTML file.
"""

from flowdesk.reporting.data import chart_data
from flowdesk.reporting.html import render_report

__all__ = ["chart_data", "render_report"]
