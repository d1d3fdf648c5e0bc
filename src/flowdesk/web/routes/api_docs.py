"""The interactive API docs, served from Flowdesk's own files (no CDN), open to everyone."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from flowdesk.web.templating import CSP, render

router = APIRouter(include_in_schema=False)

# Swagger UI sets styles inline as it draws; scripts stay this server's own files only.
DOCS_CSP = CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")


@router.get("/api/docs", response_class=HTMLResponse)
def api_docs(request: Request) -> HTMLResponse:
    return render(request, "api_docs.html", {},
                  headers={"Content-Security-Policy": DOCS_CSP})
