"""Dependencies the web routes share: the submitted form, read once and typed."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Request

from flowdesk.web.forms import NUMBER_MAX, FormReader


async def form_reader(request: Request) -> FormReader:
    """The submitted form (cached by Starlette, so the CSRF check may read it too)."""
    return FormReader(await request.form())


FormDep = Annotated[FormReader, Depends(form_reader)]
StageId = Annotated[int, Path(ge=1, le=NUMBER_MAX, description="a stage id")]
