"""The browser files the offline report inlines, read from the web package's static folder, so
the report draws its charts with exactly the code the analytics page uses."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

# Paths are computed rather than imported from flowdesk.web, so `flowdesk report` does not load
# the web stack (FastAPI, the routes) just to read four files.
WEB_DIR = Path(__file__).resolve().parent.parent / "web"
STATIC_DIR = WEB_DIR / "static"
TEMPLATE_DIR = WEB_DIR / "templates"

# In this order: the library, then the chart code shared with the analytics page.
SCRIPTS = ("vendor/chartjs/chart.umd.min.js", "js/chartkit.js", "js/flowcharts.js",
           "js/demandcharts.js", "js/analytics.js")
STYLES = ("css/flowdesk.css", "css/analytics.css")

_CLOSING = {"script": re.compile(r"</script", re.IGNORECASE),
            "style": re.compile(r"</style", re.IGNORECASE)}
# A stylesheet that fetches anything (an import, a font, an image) would not work offline.
_FETCHES = re.compile(r"@import|url\(", re.IGNORECASE)


@dataclass(frozen=True)
class Assets:
    scripts: tuple[str, ...]
    styles: tuple[str, ...]


def _read(relative: str, element: str) -> str:
    text = (STATIC_DIR / relative).read_text(encoding="utf-8")
    if _CLOSING[element].search(text):
        raise ValueError(f"{relative} contains </{element}> and cannot be inlined")
    if element == "style" and _FETCHES.search(text):
        raise ValueError(f"{relative} fetches other files, so it would not work offline")
    return text


def load_assets() -> Assets:
    """Return the chart library, the chart code and the stylesheets, checked for inlining.

    Raises ValueError if a file would end its element early or fetch something.
    """
    return Assets(tuple(_read(path, "script") for path in SCRIPTS),
                  tuple(_read(path, "style") for path in STYLES))
