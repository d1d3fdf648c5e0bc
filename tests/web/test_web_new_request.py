"""The "New request" form: it puts work upstream, or says what to fix and keeps the text."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from web_env import web_post
from web_seed import Seeded

from cast import OPERATOR
from flowdesk.services import queries
from flowdesk.storage.unit_of_work import UnitOfWork


def test_the_form_opens_over_the_board_and_offers_the_upstream_stages(
        web: TestClient, seeded: Seeded) -> None:
    page = web.get("/services/CLM/new?lanes=customer")
    assert page.status_code == 200
    assert '<h2 id="panel-title">New request</h2>' in page.text
    stages = re.findall(r'<select id="new-stage" name="stage_id">(.*?)</select>', page.text, re.S)
    assert re.findall(r">(\w+)</option>", stages[0]) == ["Options", "Ready"]
    assert 'href="/services/CLM/board?lanes=customer" data-close-panel' in page.text
    part = web.get("/services/CLM/new", headers={"HX-Request": "true"})
    assert part.text.lstrip().startswith('<div class="panel-inner" data-new-request>')


def test_a_new_request_lands_upstream_and_opens_its_page(web: TestClient, seeded: Seeded,
                                                         uow: UnitOfWork) -> None:
    form = {"title": "Lost luggage, Naples", "type": "claim", "cos": "fixed_date",
            "customer": "Contoso Travel", "due_date": "2026-03-20", "assignee": "ana",
            "stage_id": str(seeded.stages["Ready"]), "description": "Bag never arrived.",
            "idempotency_key": "form-1"}
    response = web_post(web, "/services/CLM/items", form)
    assert response.status_code == 303
    key = response.headers["location"].rsplit("/", 1)[1]
    item, service = queries.get_item(uow, OPERATOR, key)
    assert (item.title, item.cos.value, item.customer, str(item.due_date), item.assignees) == (
        "Lost luggage, Naples", "fixed_date", "Contoso Travel", "2026-03-20", ("ana",))
    assert service.stage(item.stage_id).name == "Ready"
    again = web_post(web, "/services/CLM/items", form)  # the same form, sent twice
    assert again.headers["location"].endswith(f"/{key}")  # a double submit makes one item


def test_with_htmx_the_new_item_panel_is_returned_and_its_url_pushed(
        web: TestClient, seeded: Seeded) -> None:
    response = web_post(web, "/services/CLM/items", {"title": "Strike in Lisbon"}, htmx=True)
    assert response.status_code == 200
    assert "Strike in Lisbon" in response.text
    assert re.fullmatch(r"/services/CLM/items/CLM-\d+", response.headers["HX-Push-Url"])


def test_invalid_fields_are_named_and_what_was_typed_is_kept(web: TestClient,
                                                             seeded: Seeded) -> None:
    response = web_post(web, "/services/CLM/items", {
        "title": "", "type": "claim", "cos": "fixed_date", "customer": "Tailspin Tours",
        "due_date": "next friday", "description": "Keep me, please."}, htmx=True)
    assert response.status_code == 422
    html = response.text
    assert "a title is needed" in html
    assert "the due date must be a date like 2026-03-31" in html
    assert 'id="new-title" name="title" maxlength="200" required value="" aria-invalid="true"' \
        in html
    assert 'value="next friday" aria-invalid="true"' in html
    assert 'value="Tailspin Tours"' in html
    assert ">Keep me, please.</textarea>" in html
    assert '<option value="fixed_date" selected>' in html


@pytest.mark.parametrize("field", ["title", "type", "customer", "assignee", "description",
                                   "idempotency_key"])
def test_a_nul_character_in_one_field_is_named_and_the_rest_is_kept(
        web: TestClient, seeded: Seeded, uow: UnitOfWork, field: str) -> None:
    before = queries.latest_event_id(uow, "CLM")
    typed = {"title": "Refund for order 88", "type": "claim", "customer": "Tailspin Tours",
             "assignee": "Ana Lima", "description": "Keep me, please.",
             "idempotency_key": "abc123"}
    response = web_post(web, "/services/CLM/items", {**typed, field: "bad\x00value"}, htmx=True)
    assert response.status_code == 422
    html = response.text
    assert f"{field} must not contain NUL characters" in html
    assert 'class="field-error"' in html or field == "idempotency_key"  # hidden: alert only
    for name, value in typed.items():
        if name != field and name != "idempotency_key":
            assert value in html, name
    assert queries.latest_event_id(uow, "CLM") == before  # nothing was created


def test_rules_of_the_use_case_come_back_as_field_errors(web: TestClient,
                                                         seeded: Seeded) -> None:
    missing_date = web_post(web, "/services/CLM/items", {"title": "Court order",
                                                         "cos": "fixed_date"})
    assert missing_date.status_code == 422
    assert "needs a due date" in missing_date.text and "<html" in missing_date.text
    committed = web_post(web, "/services/CLM/items", {"title": "x",
                                                      "stage_id": seeded.stages["Assess"]})
    assert committed.status_code == 422
    assert "new work starts upstream" in committed.text
    for data, words in [({"title": "x", "cos": "urgent"}, "class of service must be one of"),
                        ({"title": "x" * 201}, "longer than 200"),
                        ({"title": "x", "stage_id": "first"}, "must be a whole number"),
                        ({"title": "x", "stage_id": "424242"}, "not part of service")]:
        response = web_post(web, "/services/CLM/items", data, htmx=True)
        assert 400 <= response.status_code < 500, data
        assert words in response.text, data


def test_a_new_request_for_an_unknown_service_is_a_404(web: TestClient) -> None:
    response = web_post(web, "/services/NOPE/items", {"title": "x"})
    assert response.status_code == 404


def test_a_full_first_stage_refuses_the_request_until_a_reason_is_given(
        web: TestClient, seeded: Seeded, uow: UnitOfWork) -> None:
    ready = str(seeded.stages["Ready"])  # limit 6
    form = {"title": "Flooded hotel, Venice", "stage_id": ready, "customer": "Contoso Travel"}
    refused = None
    for _ in range(7):
        response = web_post(web, "/services/CLM/items", form, htmx=True)
        if response.status_code != 200:
            refused = response
            break
    assert refused is not None and refused.status_code == 409
    html = refused.text
    assert "WIP limit reached for stage &#39;Ready&#39;: 6 of 6" in html
    assert 'name="override_reason"' in html  # the form now asks why it may go over
    assert 'value="Flooded hotel, Venice"' in html and 'value="Contoso Travel"' in html
    before = queries.latest_event_id(uow, "CLM")
    blank = web_post(web, "/services/CLM/items", {**form, "override_reason": "  "}, htmx=True)
    assert blank.status_code == 409 and queries.latest_event_id(uow, "CLM") == before
    created = web_post(web, "/services/CLM/items",
                       {**form, "override_reason": "storm claims, agreed with Dana"})
    assert created.status_code == 303
    key = created.headers["location"].rsplit("/", 1)[1]
    item, service = queries.get_item(uow, OPERATOR, key)
    assert service.stage(item.stage_id).name == "Ready"
    kinds = [(e.kind, e.reason) for e in queries.item_history(uow, OPERATOR, key)]
    assert ("wip_override", "storm claims, agreed with Dana") in kinds
