"""The item panel's actions: each calls its use case, answers with the refreshed panel, and
shows a clear message (keeping what was typed) when something is wrong."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from web_env import web_post
from web_seed import Seeded

from cast import OPERATOR
from flowdesk.services import queries
from flowdesk.storage.unit_of_work import UnitOfWork


def version(uow: UnitOfWork, key: str) -> int:
    return queries.get_item(uow, OPERATOR, key)[0].version


def kinds(uow: UnitOfWork, key: str) -> list[str]:
    return [e.kind for e in queries.item_history(uow, OPERATOR, key)]


def test_editing_fields_saves_only_what_changed_and_shows_the_panel(
        web: TestClient, seeded: Seeded, uow: UnitOfWork) -> None:
    key = seeded.keys["ready_a"]
    item = queries.get_item(uow, OPERATOR, key)[0]
    response = web_post(web, f"/items/{key}/edit", {
        "version": item.version, "title": "Cancelled tour, Cusco (3 travellers)", "type": "claim",
        "cos": "standard", "customer": "Tailspin Tours", "due_date": "",
        "description": "Tour operator went bankrupt.\n\n* receipts attached",
    }, htmx=True)
    assert response.status_code == 200
    assert "Changes saved." in response.text
    assert "Cancelled tour, Cusco (3 travellers)" in response.text
    assert "<li>receipts attached</li>" in response.text
    edited = queries.item_history(uow, OPERATOR, key)[-1]
    assert edited.kind == "edited"
    assert set(edited.payload["changes"]) == {"title", "description"}


def test_a_bad_edit_names_the_field_and_keeps_what_was_typed(web: TestClient,
                                                             seeded: Seeded) -> None:
    key = seeded.keys["ready_a"]
    response = web_post(web, f"/items/{key}/edit", {
        "title": "Still typing this title", "type": "claim", "cos": "standard",
        "customer": "", "due_date": "31/03/2026", "description": "kept text"}, htmx=True)
    assert response.status_code == 422
    assert "the due date must be a date like 2026-03-31" in response.text
    assert 'id="edit-due" name="due_date" type="date" value="31/03/2026" aria-invalid="true"' \
        in response.text
    assert 'value="Still typing this title"' in response.text
    assert ">kept text</textarea>" in response.text
    response = web_post(web, f"/items/{key}/edit", {"title": " ", "type": "claim",
                                                     "cos": "standard"}, htmx=True)
    assert response.status_code == 422
    assert "title must not be empty" in response.text
    response = web_post(web, f"/items/{key}/edit", {"title": "t", "type": "claim",
                                                     "cos": "fixed_date"}, htmx=True)
    assert response.status_code == 422
    assert "needs a due date" in response.text


def test_a_stale_version_is_refused_with_412_and_the_current_panel(
        web: TestClient, seeded: Seeded, uow: UnitOfWork) -> None:
    key = seeded.keys["ready_a"]
    old = version(uow, key) - 1
    response = web_post(web, f"/items/{key}/block", {"version": old, "reason": "r",
                                                     "category": "customer"}, htmx=True)
    assert response.status_code == 412
    assert "changed since you read it" in response.text
    assert f'data-version="{version(uow, key)}"' in response.text
    assert "blocked" not in kinds(uow, key)


def test_blocking_and_unblocking_record_reason_and_category(web: TestClient, seeded: Seeded,
                                                            uow: UnitOfWork) -> None:
    key = seeded.keys["ready_b"]
    response = web_post(web, f"/items/{key}/block", {"reason": "Waiting for police report",
                                                     "category": "customer"}, htmx=True)
    assert response.status_code == 200
    assert '<span class="blocker-tag">Blocked</span> <span class="blocker-cat">customer</span>' \
        in response.text
    response = web_post(web, f"/items/{key}/unblock", {}, htmx=True)
    assert response.status_code == 200
    assert "Unblocked (customer)" in response.text
    assert kinds(uow, key)[-2:] == ["blocked", "unblocked"]


def test_blocking_needs_a_reason_and_a_known_category(web: TestClient, seeded: Seeded) -> None:
    key = seeded.keys["ready_b"]
    response = web_post(web, f"/items/{key}/block", {"reason": "", "category": "customer"},
                        htmx=True)
    assert response.status_code == 422
    assert "a blocker needs a reason" in response.text
    response = web_post(web, f"/items/{key}/block", {"reason": "x", "category": "aliens"},
                        htmx=True)
    assert response.status_code == 422
    assert "category must be one of" in response.text
    response = web_post(web, f"/items/{seeded.keys['assess_blocked']}/block",
                        {"reason": "again", "category": "vendor"}, htmx=True)
    assert response.status_code == 409
    assert "already blocked" in response.text


def test_assigning_and_unassigning_people(web: TestClient, seeded: Seeded,
                                          uow: UnitOfWork) -> None:
    key = seeded.keys["ready_b"]
    panel = web.get(f"/services/CLM/items/{key}", headers={"HX-Request": "true"}).text
    # The members to pick from, by display name; the form sends their username.
    assert '<option value="ana">Ana Lima</option>' in panel
    response = web_post(web, f"/items/{key}/assign", {"person": "ana"}, htmx=True)
    assert response.status_code == 200
    assert '<abbr class="person" title="Ana Lima">AL</abbr> Ana Lima' in response.text
    assert '<option value="ana">' not in response.text  # assigned already
    assert 'name="person" value="ana"' in response.text  # the unassign form
    again = web_post(web, f"/items/{key}/assign", {"person": "ana"}, htmx=True)
    assert again.status_code == 409
    assert "already assigned" in again.text
    blank = web_post(web, f"/items/{key}/assign", {"person": "  "}, htmx=True)
    assert blank.status_code == 422
    assert 'id="assign-person" name="person"' in blank.text and 'aria-invalid="true"' in blank.text
    response = web_post(web, f"/items/{key}/unassign", {"person": "ana"}, htmx=True)
    assert response.status_code == 200
    assert queries.get_item(uow, OPERATOR, key)[0].assignees == ()
    assert "Unassigned Ana Lima" in response.text  # the history names people too


def test_delivering_moves_the_item_to_done(web: TestClient, seeded: Seeded,
                                           uow: UnitOfWork) -> None:
    key = seeded.keys["check_overdue"]  # in Check, the last committed stage
    response = web_post(web, f"/items/{key}/deliver", {}, htmx=True)
    assert response.status_code == 200
    item, service = queries.get_item(uow, OPERATOR, key)
    assert service.stage(item.stage_id).name == "Done" and item.delivered_at is not None
    refused = web_post(web, f"/items/{seeded.keys['assess_blocked']}/deliver", {}, htmx=True)
    assert refused.status_code == 409
    assert "unblock it before delivering" in refused.text


def test_discarding_needs_a_reason_and_reopening_brings_it_back(
        web: TestClient, seeded: Seeded, uow: UnitOfWork) -> None:
    key = seeded.keys["option_0"]
    no_reason = web_post(web, f"/items/{key}/discard", {"reason": ""}, htmx=True)
    assert no_reason.status_code == 422
    assert 'id="discard-reason" name="reason" maxlength="1000" aria-invalid="true"' \
        in no_reason.text
    response = web_post(web, f"/items/{key}/discard", {"reason": "out of scope"}, htmx=True)
    assert response.status_code == 200
    assert "Reopen into" in response.text
    response = web_post(web, f"/items/{key}/reopen", {"to_stage": seeded.stages["Options"]},
                        htmx=True)
    assert response.status_code == 200
    assert kinds(uow, key)[-2:] == ["moved", "moved"]
    assert queries.item_history(uow, OPERATOR, key)[-1].payload["transition"] == "reopen"


def test_reopening_into_a_full_stage_offers_pull_anyway_and_records_the_override(
        web: TestClient, seeded: Seeded, uow: UnitOfWork) -> None:
    key = seeded.keys["done_0"]
    settle = seeded.stages["Settle"]
    refused = web_post(web, f"/items/{key}/reopen", {"to_stage": settle}, htmx=True)
    assert refused.status_code == 409
    assert "WIP limit reached for stage &#39;Settle&#39;: 3 of 3" in refused.text
    form = re.search(r'<form class="notice notice-warn refusal-box".*?</form>', refused.text, re.S)
    assert form
    assert f'name="to_stage" value="{settle}"' in form.group(0)
    assert 'name="override_reason"' in form.group(0)
    response = web_post(web, f"/items/{key}/reopen", {
        "to_stage": settle, "override_reason": "payment bounced; redo it now"}, htmx=True)
    assert response.status_code == 200
    events = queries.item_history(uow, OPERATOR, key)
    assert [e.kind for e in events[-2:]] == ["wip_override", "moved"]
    assert events[-2].reason == "payment bounced; redo it now"


def test_without_htmx_an_action_redirects_back_to_the_item(web: TestClient,
                                                           seeded: Seeded) -> None:
    key = seeded.keys["ready_b"]
    response = web_post(web, f"/items/{key}/assign", {"person": "chen"})
    assert response.status_code == 303
    assert response.headers["location"] == f"/services/CLM/items/{key}"
    failed = web_post(web, f"/items/{key}/assign", {"person": "chen"})
    assert failed.status_code == 409
    assert "<html" in failed.text and "already assigned" in failed.text


def test_an_action_on_an_unknown_item_is_a_404(web: TestClient) -> None:
    response = web_post(web, "/items/CLM-9999/block", {"reason": "r", "category": "vendor"},
                        htmx=True)
    assert response.status_code == 404
    assert "no item with key" in response.text


def test_bad_numbers_in_a_form_are_named_not_crashed_on(web: TestClient, seeded: Seeded) -> None:
    key = seeded.keys["ready_b"]
    for data in ({"version": "abc", "person": "x"}, {"version": "1e99", "person": "x"},
                 {"version": "99999999999999999999999", "person": "x"}):
        response = web_post(web, f"/items/{key}/assign", data, htmx=True)
        assert response.status_code == 422, data
        assert "the item version" in response.text
    response = web_post(web, f"/items/{key}/reopen", {"to_stage": "first"}, htmx=True)
    assert response.status_code == 422
    assert "the stage to reopen into must be a whole number" in response.text
