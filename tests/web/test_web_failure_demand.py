"""The item panel marks failure demand: the kind and the delivered item it stems from, shown
with a link to it; a bad link is refused naming the field and keeping what was typed."""

from __future__ import annotations

from fastapi.testclient import TestClient
from web_env import web_post
from web_seed import Seeded

from cast import OPERATOR
from flowdesk.services import queries
from flowdesk.storage.unit_of_work import UnitOfWork


def test_the_panel_marks_a_correction_of_a_delivered_item_and_clears_it(
        web: TestClient, seeded: Seeded, uow: UnitOfWork) -> None:
    key, earlier = seeded.keys["ready_a"], seeded.keys["done_0"]
    panel = web.get(f"/services/CLM/items/{key}", headers={"HX-Request": "true"}).text
    assert "Value demand" in panel and 'name="stems_from"' in panel
    version = queries.get_item(uow, OPERATOR, key)[0].version
    response = web_post(web, f"/items/{key}/failure-demand",
                        {"version": version, "kind": "correction", "stems_from": earlier},
                        htmx=True)
    assert response.status_code == 200, response.text
    assert 'class="tag tag-failure">Correction</span> of ' in response.text
    assert f'href="/services/CLM/items/{earlier}">{earlier}</a>' in response.text
    item = queries.get_item(uow, OPERATOR, key)[0]
    assert (item.failure_kind, item.stems_from_key) == ("correction", earlier)
    assert "Marked as failure demand: correction of " + earlier in response.text
    cleared = web_post(web, f"/items/{key}/failure-demand",
                       {"version": item.version, "kind": "", "stems_from": earlier}, htmx=True)
    assert cleared.status_code == 200
    assert queries.get_item(uow, OPERATOR, key)[0].failure_kind is None


def test_a_link_to_work_not_delivered_is_refused_and_keeps_what_was_typed(
        web: TestClient, seeded: Seeded, uow: UnitOfWork) -> None:
    key, still_open = seeded.keys["ready_a"], seeded.keys["ready_b"]
    before = queries.get_item(uow, OPERATOR, key)[0]
    response = web_post(web, f"/items/{key}/failure-demand",
                        {"kind": "repeat", "stems_from": still_open}, htmx=True)
    assert response.status_code == 422
    assert "is not delivered" in response.text
    assert f'value="{still_open}" aria-invalid="true"' in response.text
    assert queries.get_item(uow, OPERATOR, key)[0] == before
