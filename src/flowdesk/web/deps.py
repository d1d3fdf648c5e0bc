"""Dependencies the web routes share: the submitted form, read once and typed, and the choice of
JSON errors for the routes a script calls."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from flowdesk.web.forms import FormReader


async def form_reader(request: Request) -> FormReader:
    """The submitted form (cached by Starlette, so the CSRF check may read it too)."""
    return FormReader(await request.form())


FormDep = Annotated[FormReader, Depends(form_reader)]


def answer_errors_in_json(request: Request) -> None:
    """Errors on this route get the API's JSON body, not an HTML page: the caller is a script
    that shows the message (list it before the CSRF check so a refusal is JSON too)."""
    request.state.json_errors = True
