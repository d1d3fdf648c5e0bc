"""What a board receives when one card changes: its HTML, place, lanes and column counts."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flowdesk.domain.clock import Clock
from flowdesk.domain.errors import NotFound
from flowdesk.services.board_views import CardUpdate, card_update
from flowdesk.services.queries import DONE_WINDOW
from flowdesk.storage.unit_of_work import UnitOfWork, Written
from flowdesk.web.card_html import card_body, epoch_ms, move_button
from flowdesk.web.cards import column_state
from flowdesk.web.hints import NO_HINTS, BoardHints, latest_hints
from flowdesk.web.lanes import lane_keys
from flowdesk.web.live import RESYNC, LiveChange

# The card without its "Move to…" button, for browsers of people who may not move cards.
READ_ONLY_HTML = "read_only_html"


class CardRenderer:
    """Turns notices into live changes, one per item, reading the database once per item."""

    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self.uow = uow
        self.clock = clock

    def __call__(self, service_id: int, notices: list[Written]) -> list[LiveChange]:
        event_ids: dict[int, list[int]] = {}
        rules_changed = False
        for notice in notices:
            if notice.item_id is None:
                rules_changed = True  # a limit or policy: every header may read differently
            else:
                event_ids.setdefault(notice.item_id, []).append(notice.event_id)
        changes = []
        for item_id, ids in event_ids.items():
            try:
                changes.append(self.change(card_update(self.uow, item_id, ids)))
            except NotFound:
                changes.append(RESYNC)
        if rules_changed:
            changes.append(RESYNC)
        return changes

    def change(self, update: CardUpdate) -> LiveChange:
        """The payload for one updated card."""
        hints = latest_hints(self.uow, update.service.key)
        return LiveChange(update.item, card_payload(update, self.clock, hints))


def card_payload(update: CardUpdate, clock: Clock,
                 hints: BoardHints = NO_HINTS) -> dict[str, Any]:
    """JSON the board script applies: the same for a live update and a move's own reply.
    `hints` are the flow hints of the service's last board (web/hints.py)."""
    now = clock.now()
    item, service = update.item, update.service
    stage = service.stage(item.stage_id)
    closed_at = item.delivered_at or item.discarded_at
    done_since = now - DONE_WINDOW
    on_board = stage.phase.is_open or (closed_at is not None and closed_at >= done_since)
    body = card_body(item, now, service.key, hints.for_item(item.key), update.names,
                     timezone=service.timezone, calendars=update.calendars)
    counts = []
    for stage_id, count in sorted(update.counts.items()):
        state = column_state(service.stage(stage_id), count)
        counts.append({"stage": stage_id, "count": count, "tone": state.tone,
                       "text": state.text, "title": state.title, "flag": state.flag})
    return {
        "key": item.key, "version": item.version, "stage": item.stage_id,
        # Open columns are in (rank, id) order, within each lane; done and discarded columns
        # list the newest first: a card closing now goes on top.
        "rank": item.rank, "id": item.id, "at_top": not stage.phase.is_open,
        # Closed cards older than this (ms, the server's clock) have left the board.
        "done_since": epoch_ms(done_since),
        "lanes": lane_keys(item), "on_board": on_board,
        "html": body + move_button(item) + "</article>",
        READ_ONLY_HTML: body + "</article>",
        "counts": counts,
    }


def as_seen(data: Mapping[str, Any], movable: bool) -> dict[str, Any]:
    """A card payload as one browser receives it: the card has its "Move to…" button only
    for someone who may move cards. (Rendered once for everyone, chosen per browser.)"""
    seen = dict(data)
    read_only = seen.pop(READ_ONLY_HTML, None)
    if not movable and read_only is not None:
        seen["html"] = read_only
    return seen
