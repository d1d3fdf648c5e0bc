"""Swimlanes: the rows a board is cut into, by class of service, customer, assignee or none."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from flowdesk.domain.classes import CLASS_ORDER
from flowdesk.domain.items import WorkItem
from flowdesk.domain.workflow import Service
from flowdesk.services.board_views import BoardColumn


class LaneMode(StrEnum):
    COS = "cos"
    CUSTOMER = "customer"
    ASSIGNEE = "assignee"
    NONE = "none"

    @property
    def label(self) -> str:
        return {"cos": "Class of service", "customer": "Customer", "assignee": "Assignee",
                "none": "No lanes"}[self.value]


def lane_key(item: WorkItem, mode: LaneMode) -> str:
    """The lane a card sits in. A card with several assignees sits in the first one's lane."""
    if mode is LaneMode.COS:
        return item.cos.value
    if mode is LaneMode.CUSTOMER:
        return item.customer
    if mode is LaneMode.ASSIGNEE:
        return item.assignees[0] if item.assignees else ""
    return "all"


def lane_keys(item: WorkItem) -> dict[str, str]:
    """The card's lane under every mode, so a live update can place it on any board."""
    return {mode.value: lane_key(item, mode) for mode in LaneMode}


@dataclass(frozen=True)
class Lane:
    key: str
    label: str
    cells: list[list[WorkItem]]  # one list of cards per column, in rank order
    policy: str = ""  # a class of service's policy, shown from the lane header
    limit: int | None = None  # a class of service's WIP limit

    @property
    def size(self) -> int:
        return sum(len(cell) for cell in self.cells)


def build_lanes(service: Service, columns: list[BoardColumn], mode: LaneMode,
                names: Mapping[str, str] | None = None) -> list[Lane]:
    """Cut the loaded cards into lanes, keeping each column's rank order.

    Class lanes are always all shown, expedite on top, so the board keeps its shape. Customer
    and assignee lanes are those in use, with the empty value ("No customer", "Unassigned") last.
    An assignee lane is keyed by username and labelled with the display name in `names`.
    """
    grouped: dict[str, list[list[WorkItem]]] = {}
    for index, column in enumerate(columns):
        for card in column.cards:
            key = lane_key(card, mode)
            cells = grouped.get(key)
            if cells is None:  # a lane's cells are made once, not for every card
                cells = grouped[key] = [[] for _ in columns]
            cells[index].append(card)

    def cells_for(key: str) -> list[list[WorkItem]]:
        return grouped.get(key) or [[] for _ in columns]

    if mode is LaneMode.COS:
        lanes = []
        for cos in CLASS_ORDER:
            policy = service.class_policy(cos)
            lanes.append(Lane(cos.value, cos.label, cells_for(cos.value), policy.policy,
                              policy.wip_limit))
        return lanes
    if mode is LaneMode.NONE:
        return [Lane("all", "All work", cells_for("all"))]
    empty_label = "No customer" if mode is LaneMode.CUSTOMER else "Unassigned"
    labels = {k: (names or {}).get(k, k) for k in grouped if k}
    named = sorted(labels, key=lambda k: (labels[k].lower(), k))
    lanes = [Lane(k, labels[k], cells_for(k)) for k in named]
    if "" in grouped or not lanes:
        lanes.append(Lane("", empty_label, cells_for("")))
    return lanes
