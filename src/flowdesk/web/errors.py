"""Errors on web pages, as a person sees them: a friendly HTML message, or the way to sign in.

Which error answers with what status and code is decided once, for the API and the pages alike,
in `flowdesk.http.errors`; its one handler calls `error_page` for a request that wants HTML and
`to_sign_in` when nobody is signed in.
"""

from __future__ import annotations

from fastapi import Request
from starlette.responses import RedirectResponse, Response

from flowdesk.domain.errors import FlowdeskError
from flowdesk.http.errors import Described
from flowdesk.web.templating import is_htmx, render

HEADINGS = {
    400: "That request was not understood",
    401: "Please sign in",
    403: "Not allowed",
    404: "Not found",
    405: "Not possible here",
    409: "That clashes with the current state",
    412: "Someone changed this meanwhile",
    413: "Too large",
    422: "Please check what was sent",
    500: "Something went wrong on our side",
}
# Words for a person where the machine's message would not help them.
NO_PAGE = "There is no page at this address."
OUR_FAULT = ("Nothing was changed. Please try again; if it keeps happening, tell whoever runs "
             "Flowdesk.")


def error_page(request: Request, exc: Exception, described: Described) -> Response:
    """The error as a page, or as a fragment for a partial (htmx) request."""
    status, message = described.status, described.message
    if not described.expected:
        message = OUR_FAULT
    elif status == 404 and not isinstance(exc, FlowdeskError):
        message = NO_PAGE
    heading = HEADINGS.get(status, "That did not work")
    context = {"status": status, "code": described.code, "heading": heading, "message": message}
    template = "_error.html" if is_htmx(request) else "error.html"
    return render(request, template, context, status=status, headers=described.headers)


def to_sign_in(request: Request) -> Response:
    """Nobody is signed in: send the browser to sign in, and bring it back here afterwards
    (htmx follows HX-Redirect with a whole-page load)."""
    from flowdesk.web.routes.account import login_url

    back = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    target = login_url(back if request.method == "GET" and not is_htmx(request) else
                       request.headers.get("HX-Current-URL-Path", "/"))
    if is_htmx(request):
        return Response(status_code=401, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)
