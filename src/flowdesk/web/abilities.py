"""What the signed-in person may do on a board or an item, asked of the one policy table.

The pages only show or leave out controls by these answers: the use cases still decide every
request, so a control forced back into a page is refused all the same.
"""

from __future__ import annotations

from flowdesk.domain.items import WorkItem
from flowdesk.domain.people import Actor
from flowdesk.domain.policy import Action, may
from flowdesk.domain.workflow import Phase, Service


def may_move_cards(actor: Actor, service_id: int) -> bool:
    """Whether the board lets the person drag cards and offers "Move to…": team members move
    work, Service Request Managers order the options upstream."""
    return (may(actor, Action.MOVE_ITEM, service_id)
            or may(actor, Action.ORDER_UPSTREAM, service_id))


def board_can(actor: Actor, service_id: int) -> dict[str, bool]:
    """The board's controls: moving cards, "New request", and what the panel offers."""
    def can(action: Action) -> bool:
        return may(actor, action, service_id)

    return {
        "move": may_move_cards(actor, service_id),
        "create": can(Action.CREATE_ITEM),
        "edit": can(Action.EDIT_ITEM),
        "block": can(Action.BLOCK_ITEM),
        "assign": can(Action.ASSIGN_ITEM),
        "limits": can(Action.WIP_LIMITS),
        "design": can(Action.DESIGN_WORKFLOW),
        "people": can(Action.MANAGE_MEMBERS),
        "groups": can(Action.STAGE_GROUPS),
        "class_policy": can(Action.CLASS_POLICY),
        "upstream_policy": can(Action.UPSTREAM_POLICY),
        "downstream_policy": can(Action.DOWNSTREAM_POLICY),
    }


def item_can(actor: Actor, item: WorkItem, service: Service) -> dict[str, bool]:
    """The item panel's forms, for the item in the stage it is in now."""
    def can(action: Action) -> bool:
        return may(actor, action, service.id)

    stage = service.stage(item.stage_id)
    phase = stage.phase
    own_blocker = item.blocker is not None and item.blocker.started_by == actor.username
    return {
        "edit": can(Action.EDIT_ITEM),
        "block": can(Action.BLOCK_ITEM),
        "unblock": can(Action.UNBLOCK_ANY) or (own_blocker and can(Action.UNBLOCK_OWN)),
        "assign": can(Action.ASSIGN_ITEM),
        # Only where the service lets work be delivered from: by default its last committed
        # stage, so that one click never skips a check such as an approval.
        "deliver": can(Action.MOVE_ITEM) and service.may_deliver_from(stage),
        "discard": can(Action.DISCARD_UPSTREAM if phase is Phase.UPSTREAM
                       else Action.DISCARD_COMMITTED),
        "reopen": can(Action.REOPEN),
    }


def demand_can(actor: Actor, service_id: int) -> dict[str, bool]:
    """The demand alerts' forms: acknowledging an alert, and the thresholds (the SDM's)."""
    return {"acknowledge": may(actor, Action.ACKNOWLEDGE_ALERT, service_id),
            "thresholds": may(actor, Action.SERVICE_LEVELS, service_id)}


def skills_can(actor: Actor, service_id: int) -> dict[str, bool]:
    """The skills page's forms: naming the skills, setting (so confirming) anyone's level,
    proposing one's own. Lending is asked of the lending service (`Action.LEND_PEOPLE`)."""
    return {"define": may(actor, Action.DEFINE_SKILLS, service_id),
            "confirm": may(actor, Action.CONFIRM_SKILLS, service_id),
            "propose": may(actor, Action.PROPOSE_SKILL, service_id)}
