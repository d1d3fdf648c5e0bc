"""The workflow editor page: the whole stage list in one form, applied by the same use case as
the API; refusals shown with the reason and the items that block a retirement; the Deliver
button only where the service lets work be delivered from."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from web_env import client_as, web_post
from web_seed import Seeded

from cast import OPERATOR, enrol, token_of
from flowdesk.services import queries
from flowdesk.storage.unit_of_work import UnitOfWork

PAGE = "/services/CLM/workflow"


def form_of(web: TestClient, uow: UnitOfWork) -> dict[str, Any]:
    """The editor's form as the page fills it: every stage as it is."""
    service = queries.get_service(uow, OPERATOR, "CLM")
    form: dict[str, Any] = {}
    for n, s in enumerate(service.stages):
        form.update({f"id-{n}": s.id, f"name-{n}": s.name, f"phase-{n}": s.phase.value,
                     f"kind-{n}": s.kind.value, f"limit-{n}": s.wip_limit or "",
                     f"policy-{n}": s.policy, f"order-{n}": n + 1})
    return form


def names(uow: UnitOfWork) -> list[str]:
    return [s.name for s in queries.get_service(uow, OPERATOR, "CLM").stages]


def test_the_board_links_to_the_editor_which_lists_every_stage(web: TestClient) -> None:
    assert 'href="/services/CLM/workflow"' in web.get("/services/CLM/board").text
    html = web.get(PAGE).text
    for name in ("Options", "Ready", "Assess", "Settle", "Check", "Done", "Discarded"):
        assert f'value="{name}"' in html
    assert "Save the workflow" in html


def test_adding_renaming_and_reordering_from_the_form(web: TestClient, uow: UnitOfWork) -> None:
    form = form_of(web, uow)
    form["name-3"] = "Pay out"  # Settle
    form["order-2"], form["order-3"] = 4, 3  # Pay out before Assess
    form.update({"name-n9": "Approval", "phase-n9": "committed", "kind-n9": "queue",
                 "limit-n9": "2", "policy-n9": "", "order-n9": 5, "id-n9": ""})
    form.update({"order-4": 6, "order-5": 7, "order-6": 8})  # Check, Done, Discarded after it
    answer = web_post(web, PAGE, form)
    assert answer.status_code == 303, answer.text
    assert names(uow) == ["Options", "Ready", "Pay out", "Assess", "Approval", "Check", "Done",
                          "Discarded"]
    html = web.get(PAGE + "?done=saved").text
    assert "Workflow saved." in html
    assert "renamed 'Settle' to 'Pay out'" in html
    assert "added stage 'Approval'" in html


def test_retiring_a_stage_that_holds_items_shows_them_and_changes_nothing(
        web: TestClient, uow: UnitOfWork, seeded: Seeded) -> None:
    form = form_of(web, uow)
    form["retired-3"] = "1"  # Settle holds three claims
    answer = web_post(web, PAGE, form)
    assert answer.status_code == 409, answer.text
    for role in ("settle_a", "settle_b", "settle_c"):
        key = seeded.keys[role]
        assert f'href="/services/CLM/items/{key}"' in answer.text
    assert names(uow)[3] == "Settle"


@pytest.mark.parametrize(("change", "status", "words"), [
    ({"name-1": "  "}, 422, "has no name"),
    ({"name-1": "Assess"}, 422, "used twice"),
    ({"limit-2": "-1"}, 422, "at least 1"),
    ({"phase-0": "done"}, 422, "upstream, then committed"),
])
def test_a_bad_workflow_is_refused_with_the_reason_and_the_form_as_sent(
        web: TestClient, uow: UnitOfWork, change: dict[str, str], status: int,
        words: str) -> None:
    before = names(uow)
    form = {**form_of(web, uow), **change}
    answer = web_post(web, PAGE, form)
    assert answer.status_code == status, answer.text
    assert words in answer.text
    assert names(uow) == before


def test_the_form_needs_its_csrf_token(web: TestClient, uow: UnitOfWork) -> None:
    answer = web_post(web, PAGE, form_of(web, uow), token="forged")
    assert answer.status_code == 403
    assert names(uow)[0] == "Options"


def test_a_team_member_sees_the_workflow_without_the_form(
        web: TestClient, uow: UnitOfWork, clock: Any) -> None:
    enrol(uow, clock, "CLM", ["amira"])
    member = client_as(web, token_of(uow, "amira"))
    assert 'href="/services/CLM/workflow"' not in member.get("/services/CLM/board").text
    html = member.get(PAGE).text
    assert "Save the workflow" not in html
    assert "Only the Service Delivery Manager and the Service Request Manager" in html


def test_deliver_is_offered_only_from_the_last_committed_stage_unless_the_service_allows_it(
        web: TestClient, uow: UnitOfWork, seeded: Seeded) -> None:
    in_assess = f"/services/CLM/items/{seeded.keys['assess']}"
    in_check = f"/services/CLM/items/{seeded.keys['check_overdue']}"
    assert ">Deliver</button>" not in web.get(in_assess).text
    assert ">Deliver</button>" in web.get(in_check).text
    refused = web_post(web, f"/items/{seeded.keys['assess']}/deliver", {}, htmx=True)
    assert "delivered only from &#39;Check&#39;" in refused.text
    assert web_post(web, PAGE, {**form_of(web, uow), "deliver_from_any_stage": "1"}
                    ).status_code == 303
    assert ">Deliver</button>" in web.get(in_assess).text


def test_a_retired_stage_is_brought_back_to_its_old_place(web: TestClient, uow: UnitOfWork,
                                                          clock: Any) -> None:
    form = form_of(web, uow)
    form.update({"name-n9": "Approval", "phase-n9": "committed", "kind-n9": "queue",
                 "limit-n9": "2", "policy-n9": "Two signatures", "order-n9": 4, "id-n9": ""})
    assert web_post(web, PAGE, form).status_code == 303
    before = names(uow)
    approval = next(s for s in queries.get_service(uow, OPERATOR, "CLM").stages
                    if s.name == "Approval")
    form = form_of(web, uow)
    form[f"retired-{names(uow).index('Approval')}"] = "1"
    assert web_post(web, PAGE, form).status_code == 303
    assert "Approval" not in names(uow)
    html = web.get(PAGE).text
    assert f'name="stage_id" value="{approval.id}"' in html
    # A team member may not bring it back, and an id that is no retired stage is refused.
    enrol(uow, clock, "CLM", ["amira"])
    member = client_as(web, token_of(uow, "amira"))
    assert "Bring back" not in member.get(PAGE).text
    assert web_post(member, PAGE + "/restore", {"stage_id": approval.id}).status_code == 403
    wrong = web_post(web, PAGE + "/restore", {"stage_id": "abc"})
    assert wrong.status_code == 422
    stage = queries.get_service(uow, OPERATOR, "CLM").stages[0]
    assert web_post(web, PAGE + "/restore", {"stage_id": stage.id}).status_code == 422
    assert "Approval" not in names(uow)

    answer = web_post(web, PAGE + "/restore", {"stage_id": approval.id})
    assert (answer.status_code, answer.headers["location"]) == (
        303, "/services/CLM/workflow?done=restored")
    assert names(uow) == before
    back = next(s for s in queries.get_service(uow, OPERATOR, "CLM").stages
                if s.name == "Approval")
    assert (back.id, back.wip_limit, back.policy) == (approval.id, 2, "Two signatures")
    page = web.get(PAGE + "?done=restored").text
    assert "brought back 'Approval'" in page
