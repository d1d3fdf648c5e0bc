"""Moves from the board (drag and drop, the "Move to…" menu): JSON in and out for the script."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from flowdesk.domain.errors import FlowdeskError
from flowdesk.http.csrf import require_csrf
from flowdesk.http.deps import ActorDep, ClockDep, UowDep
from flowdesk.http.errors import flowdesk_error_response
from flowdesk.services import items as uc
from flowdesk.services.board_views import card_update
from flowdesk.services.commands import MoveItem
from flowdesk.web.deps import FormDep, answer_errors_in_json
from flowdesk.web.hints import latest_hints
from flowdesk.web.live_render import as_seen, card_payload

router = APIRouter(include_in_schema=False,
                   dependencies=[Depends(answer_errors_in_json), Depends(require_csrf)])


@router.post("/items/{item_key}/move")
def move(item_key: str, form: FormDep, uow: UowDep, clock: ClockDep,
         actor: ActorDep) -> JSONResponse:
    """Move or reorder a card. The reply is the card as it now is (200), or the API's error
    body: 409 with the WIP violations, 412 when the card changed meanwhile, 422 naming a field.
    """
    try:
        moved = uc.move_item(uow, clock, actor, MoveItem(
            item_key,
            form.integer("to_stage", "the stage to move to"),
            before=form.optional_text("before"),
            override_reason=form.optional_text("override_reason"),
            reason=form.optional_text("reason"),
            expected_version=form.optional_int("version", "the item version"),
        ))
    except FlowdeskError as exc:
        return flowdesk_error_response(exc)
    update = card_update(uow, moved.id)
    payload = card_payload(update, clock, latest_hints(uow, update.service.key))
    return JSONResponse(as_seen(payload, movable=True))  # they just moved it
