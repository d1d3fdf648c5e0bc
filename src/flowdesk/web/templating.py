"""Templates and HTML responses: autoescaping on, strict undefined names, security headers."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from flowdesk import __version__
from flowdesk.analytics.timezones import zone_label
from flowdesk.domain.due_dates import zone_of
from flowdesk.http import csrf
from flowdesk.web.cards import age_days, age_of, due_of, initials
from flowdesk.web.markdown import render_markdown

TEMPLATE_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"

# Everything comes from this server: no inline script, no inline style, no other origin.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
       "form-action 'self'; frame-ancestors 'none'")
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Vary": "HX-Request",
    "Cache-Control": "no-store",
}


def static_url(path: str) -> str:
    """The URL of a file under web/static, versioned so browsers fetch a new release."""
    return f"/static/{path}?v={__version__}"


def when(moment: datetime | None, timezone: str = "UTC") -> str:
    """`2 Mar 2026, 10:00 CET`: the moment in the zone (the service's), saying which; or an
    empty string. A zone without a name of its own says its offset: `UTC+01:00`."""
    if moment is None:
        return ""
    local = moment.astimezone(zone_of(timezone))
    name = local.tzname() or ""
    if not name or name[0] in "+-":  # "Etc/GMT-1" calls itself "+01"
        name = zone_label(local.strftime("%z")[:3] + ":" + local.strftime("%z")[3:])
    return f"{local.day} {local:%b %Y, %H:%M} {name}"


def on_day(day: date | None) -> str:
    """`2 Mar 2026`, or an empty string."""
    if day is None:
        return ""
    return f"{day.day} {day:%b %Y}"


def make_environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATE_DIR),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(markdown=render_markdown, initials=initials, when=when, day=on_day,
                       thousands="{:,}".format, zone=zone_label)
    env.globals.update(static=static_url, due_of=due_of, age_days=age_days, age_of=age_of)
    return env


def environment(request: Request) -> Environment:
    env: Environment = request.app.state.web_templates
    return env


def is_htmx(request: Request) -> bool:
    """True for a partial request from htmx or the board script (only a fragment is wanted).

    htmx restoring a page from history asks for the whole page, so that is not partial.
    """
    return (request.headers.get("HX-Request") == "true"
            and request.headers.get("HX-History-Restore-Request") != "true")


def render(request: Request, name: str, context: dict[str, Any], *,
           status: int = 200, headers: dict[str, str] | None = None) -> HTMLResponse:
    """Render a template into a response, with the CSRF token in the context and the cookie."""
    token = csrf.token_for(request)
    html = environment(request).get_template(name).render(
        request=request, csrf_token=token,
        signed_in=getattr(request.state, "actor", None), **context)
    response = HTMLResponse(html, status_code=status, headers={**SECURITY_HEADERS,
                                                                 **(headers or {})})
    if getattr(request.state, "csrf_is_new", False):
        response.set_cookie(csrf.COOKIE, token, httponly=True, samesite="lax",
                            secure=request.url.scheme == "https", path="/")
    return response
