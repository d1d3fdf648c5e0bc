"""The board's move endpoint (drag and drop, the Move to… menu): JSON in, JSON out."""

from __future__ import annotations

from fastapi.testclient import TestClient
from web_env import web_post
from web_seed import Seeded

from cast import OPERATOR
from flowdesk.services import queries
from flowdesk.storage.unit_of_work import UnitOfWork


def test_a_move_into_room_answers_with_the_card_its_place_and_the_column_counts(
        web: TestClient, seeded: Seeded, uow: UnitOfWork) -> None:
    key, st = seeded.keys["ready_a"], seeded.stages
    item = queries.get_item(uow, OPERATOR, key)[0]
    response = web_post(web, f"/items/{key}/move", {"to_stage": st["Assess"],
                                                    "version": item.version})
    assert response.status_code == 200
    body = response.json()
    assert body["key"] == key and body["stage"] == st["Assess"]
    assert body["version"] == item.version + 1
    assert body["html"].startswith(f'<article class="card cos-standard" id="card-{key}"')
    assert '<abbr class="person" title="Ben Okafor">BO</abbr>' in body["html"]
    assert "read_only_html" not in body
    assert body["lanes"] == {"cos": "standard", "customer": "Tailspin Tours",
                             "assignee": "ben", "none": "all"}
    assert body["on_board"] is True and body["at_top"] is False
    moved = queries.get_item(uow, OPERATOR, key)[0]
    assert (body["rank"], body["id"]) == (moved.rank, moved.id)
    assert f'data-rank="{moved.rank}" data-id="{moved.id}"' in body["html"]
    counts = {c["stage"]: (c["count"], c["text"], c["tone"]) for c in body["counts"]}
    assert counts == {st["Ready"]: (3, "3 / 6", "ok"), st["Assess"]: (3, "3 / 4", "ok")}


def test_reordering_within_a_stage_puts_the_card_in_front_of_another(
        web: TestClient, seeded: Seeded, uow: UnitOfWork) -> None:
    k, st = seeded.keys, seeded.stages
    response = web_post(web, f"/items/{k['ready_due']}/move",
                        {"to_stage": st["Ready"], "before": k["ready_a"]})
    assert response.status_code == 200
    # The board places it by rank within its own lane: just before ready_a in the stage.
    ranks = {role: queries.get_item(uow, OPERATOR, k[role])[0].rank
             for role in ("ready_a", "ready_b")}
    assert response.json()["rank"] < ranks["ready_a"] < ranks["ready_b"]


def test_a_move_into_a_full_stage_is_refused_with_the_limit_count_and_scope(
        web: TestClient, seeded: Seeded, uow: UnitOfWork) -> None:
    key = seeded.keys["assess"]
    response = web_post(web, f"/items/{key}/move", {"to_stage": seeded.stages["Settle"]})
    assert response.status_code == 409
    body = response.json()
    assert body["error"] == "wip_limit"
    assert body["violations"] == [{
        "scope": "stage", "name": "Settle", "limit": 3, "count": 3,
        "covers": "all items in stage 'Settle'",
        "message": "WIP limit reached for stage 'Settle': 3 of 3 (all items in stage 'Settle')",
    }]
    assert queries.item_history(uow, OPERATOR, key)[-1].kind == "moved"  # nothing new was written
    assert queries.get_item(uow, OPERATOR, key)[0].stage_id == seeded.stages["Assess"]


def test_pull_anyway_records_the_reason(web: TestClient, seeded: Seeded,
                                        uow: UnitOfWork) -> None:
    key = seeded.keys["assess"]
    response = web_post(web, f"/items/{key}/move", {"to_stage": seeded.stages["Settle"],
                                                    "override_reason": "client in hospital"})
    assert response.status_code == 200
    assert {"stage": seeded.stages["Settle"], "count": 4, "tone": "over", "text": "4 / 3",
            "title": "4 items, limit 3: over the limit by 1", "flag": "Over limit"} \
        in response.json()["counts"]
    override = queries.item_history(uow, OPERATOR, key)[-2]
    assert override.kind == "wip_override" and override.reason == "client in hospital"


def test_stale_versions_missing_reasons_and_bad_fields_are_refused_in_json(
        web: TestClient, seeded: Seeded, uow: UnitOfWork) -> None:
    k, st = seeded.keys, seeded.stages
    stale = web_post(web, f"/items/{k['ready_a']}/move", {"to_stage": st["Assess"],
                                                          "version": 1})
    assert stale.status_code == 412 and stale.json()["error"] == "stale_version"
    discard = web_post(web, f"/items/{k['ready_a']}/move", {"to_stage": st["Discarded"]})
    assert discard.status_code == 422 and discard.json()["field"] == "reason"
    for data, field in [({}, "to_stage"), ({"to_stage": "x"}, "to_stage"),
                        ({"to_stage": 999999}, "to_stage"),
                        ({"to_stage": st["Ready"], "before": "CLM-99999"}, "before"),
                        ({"to_stage": st["Assess"], "version": "v2"}, "version")]:
        response = web_post(web, f"/items/{k['ready_a']}/move", data)
        assert 400 <= response.status_code < 500, data
        assert response.json()["field"] == field, data
    blocked = web_post(web, f"/items/{k['assess_blocked']}/move", {"to_stage": st["Done"]})
    assert blocked.status_code == 409 and "unblock it" in blocked.json()["message"]
    assert web_post(web, "/items/CLM-99999/move", {"to_stage": st["Ready"]}).status_code == 404
