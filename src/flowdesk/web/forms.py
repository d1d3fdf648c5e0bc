"""Reading what a browser sent: form fields and the board's query string, into typed values.

Bad values raise InvalidInput naming the field, so the page can say what is wrong where.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any
from urllib.parse import urlencode

from flowdesk.domain.classes import ClassOfService
from flowdesk.domain.errors import InvalidInput
from flowdesk.services.board_views import BoardFilter
from flowdesk.web.lanes import LaneMode

QUERY_TEXT_MAX = 200
NUMBER_MAX = 2**31 - 1  # ids and counts fit a 32-bit column; larger numbers are mistakes
TRUE_WORDS = frozenset({"1", "on", "true", "yes"})


class FormReader:
    """Typed access to submitted fields (a form or a query string)."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.data = data

    def text(self, name: str, default: str = "") -> str:
        value = self.data.get(name, default)
        if value is None:
            return default
        if not isinstance(value, str):
            raise InvalidInput(f"{name} must be text", field=name)
        if "\x00" in value:  # no database stores it; PostgreSQL refuses it even in a search
            raise InvalidInput(f"{name} must not contain NUL characters", field=name)
        return value

    def texts(self, name: str) -> list[str]:
        """Every value sent under `name` (ticked checkboxes, a multiple select)."""
        getlist = getattr(self.data, "getlist", None)
        values = getlist(name) if getlist is not None else (
            [self.data[name]] if name in self.data else [])
        for value in values:
            if not isinstance(value, str) or "\x00" in value:
                raise InvalidInput(f"{name} must be text without NUL characters", field=name)
        return list(values)

    def optional_text(self, name: str) -> str | None:
        text = self.text(name).strip()
        return text or None

    def integer(self, name: str, what: str | None = None) -> int:
        value = self.optional_int(name, what)
        if value is None:
            raise InvalidInput(f"{what or name} is required", field=name)
        return value

    def optional_int(self, name: str, what: str | None = None) -> int | None:
        text = self.text(name).strip()
        if not text:
            return None
        try:
            value = int(text)
        except ValueError:
            raise InvalidInput(f"{what or name} must be a whole number", field=name) from None
        if not -NUMBER_MAX <= value <= NUMBER_MAX:
            raise InvalidInput(f"{what or name} is out of range", field=name)
        return value

    def day(self, name: str, what: str = "the due date") -> date | None:
        text = self.text(name).strip()
        if not text:
            return None
        try:
            return date.fromisoformat(text)
        except ValueError:
            raise InvalidInput(f"{what} must be a date like 2026-03-31", field=name) from None

    def cos(self, name: str, default: ClassOfService | None = None) -> ClassOfService | None:
        text = self.text(name).strip()
        if not text:
            return default
        try:
            return ClassOfService(text)
        except ValueError:
            allowed = ", ".join(c.value for c in ClassOfService)
            raise InvalidInput(f"class of service must be one of: {allowed}",
                               field=name) from None

    def flag(self, name: str) -> bool:
        return self.text(name).strip().lower() in TRUE_WORDS


@dataclass(frozen=True)
class BoardQuery:
    """How someone asked to see a board: lanes, filters, and a column shown in full."""

    lanes: LaneMode = LaneMode.COS
    flt: BoardFilter = field(default_factory=BoardFilter)
    show: int | None = None

    def params(self) -> dict[str, str]:
        """The query parameters that differ from the defaults."""
        out: dict[str, str] = {}
        if self.lanes is not LaneMode.COS:
            out["lanes"] = self.lanes.value
        f = self.flt
        for name, value in (("type", f.type), ("cos", f.cos.value if f.cos else ""),
                            ("customer", f.customer), ("assignee", f.assignee),
                            ("q", f.search)):
            if value:
                out[name] = value
        if f.blocked_only:
            out["blocked"] = "1"
        if self.show is not None:
            out["show"] = str(self.show)
        return out

    def query_string(self, **changes: Any) -> str:
        """`?a=b` for this view with some fields changed, or "" for the default view."""
        params = replace(self, **changes).params() if changes else self.params()
        return "?" + urlencode(params) if params else ""


def parse_board_query(params: Mapping[str, Any]) -> BoardQuery:
    """The board view a query string asks for. Raises InvalidInput naming a bad parameter."""
    reader = FormReader(params)
    for name in ("type", "customer", "assignee", "q"):
        if len(reader.text(name)) > QUERY_TEXT_MAX:
            raise InvalidInput(f"{name} is longer than {QUERY_TEXT_MAX} characters", field=name)
    lanes_text = reader.text("lanes").strip() or LaneMode.COS.value
    try:
        lanes = LaneMode(lanes_text)
    except ValueError:
        allowed = ", ".join(m.value for m in LaneMode)
        raise InvalidInput(f"lanes must be one of: {allowed}", field="lanes") from None
    flt = BoardFilter(
        type=reader.text("type").strip(),
        cos=reader.cos("cos"),
        customer=reader.text("customer").strip(),
        assignee=reader.text("assignee").strip(),
        blocked_only=reader.flag("blocked"),
        search=reader.text("q").strip(),
    )
    return BoardQuery(lanes, flt, reader.optional_int("show", "the column to show in full"))
