"""Signing in costs a request one statement: the token's lookup, which brings the user with their
memberships. Authorisation itself reads nothing more, so a move and a board render run at most
one statement more than they did before accounts."""

from __future__ import annotations

from api_helpers import API, Claims
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from flowdesk.storage.db import statements_run

BOARD_BEFORE_ACCOUNTS = 14  # the HTML board, as bench/bench_board.py counted it
DISPLAY_NAMES = 1  # since then, one query names every card's people (not authorisation)
# see test_storage_item_reads.py (PostgreSQL's 5 is 4 since a move reads the bottom rank with
# its item)
MOVE_BEFORE_ACCOUNTS = {"postgresql": 5, "sqlite": 6}


def busy_board(claims: Claims) -> list[str]:
    """Cards in every open column, assigned, one blocked, some delivered; returns the keys of
    two items left in Options."""
    keys = [claims.new_item(f"Claim {n}", customer=f"Agency {n % 3}")["key"] for n in range(8)]
    for key in keys[:2]:
        claims.moved(key, "Ready")
    for key in keys[2:4]:
        claims.moved(key, "In progress")
        assert claims.client.post(f"{API}/items/{key}/assignees",
                                  json={"person": "amira"}).status_code == 200
    for key in keys[4:6]:
        claims.moved(key, "In progress", override_reason="a busy morning")
        claims.moved(key, "Review")
        claims.moved(key, "Done")
    blocked = claims.client.post(f"{API}/items/{keys[2]}/block",
                                 json={"reason": "waiting on the agency", "category": "customer"})
    assert blocked.status_code == 200, blocked.text
    return keys[6:]


def only_one_reads_the_token(seen: list[str]) -> bool:
    return sum("api_tokens" in s for s in seen) == 1 and "api_tokens" in seen[0]


def test_a_board_render_signed_in_with_a_token_runs_one_statement_more_than_before(
        client: TestClient, claims: Claims, engine: Engine) -> None:
    busy_board(claims)
    board = f"/services/{claims.key}/board"
    for _ in range(2):  # warm: the workflow cached, the flow hints computed
        assert client.get(board).status_code == 200
    with statements_run(engine) as seen:
        response = client.get(board)
    assert response.status_code == 200
    assert response.text.count('<article class="card') == 8
    assert only_one_reads_the_token(seen), "\n".join(seen)
    assert len(seen) <= BOARD_BEFORE_ACCOUNTS + DISPLAY_NAMES + 1, "\n".join(seen)


def test_a_move_signed_in_with_a_token_runs_one_statement_more_than_before(
        client: TestClient, claims: Claims, engine: Engine) -> None:
    first, second = busy_board(claims)
    claims.moved(first, "Ready")  # warm
    with statements_run(engine) as seen:  # a move no WIP limit concerns, as counted before
        claims.moved(second, "Ready")
    assert only_one_reads_the_token(seen), "\n".join(seen)
    assert len(seen) <= MOVE_BEFORE_ACCOUNTS[engine.dialect.name] + 1, "\n".join(seen)
