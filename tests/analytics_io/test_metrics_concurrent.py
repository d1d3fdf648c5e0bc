"""Concurrent metrics requests share nothing through numpy's process-wide settings.

numpy's floating-point error handling (`np.seterr`, and `np.errstate` in numpy 1.x) is
state every thread of a server shares. The analytics never toggle it: they divide only where
a divisor is not zero. So many requests at once give the answers one request alone gives,
with no warning, and the setting a watcher thread reads never changes.
"""

from __future__ import annotations

import ast
import threading
import warnings
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient

from flowdesk.domain.clock import FixedClock
from threads import run_together

SOURCE = Path(__file__).resolve().parents[2] / "src" / "flowdesk"
ROUTES = ("/api/v1/services/CLM/metrics", "/api/v1/services/CLM/metrics/charts",
          "/api/v1/services/CLM/metrics/on-time", "/api/v1/services/CLM/metrics/items")


@pytest.fixture
def claims(client: TestClient, clock: FixedClock) -> TestClient:
    """Items never committed (no active or waiting time: nothing to divide), one delivered,
    one blocked and one in progress."""
    assert client.post("/api/v1/services", json={  # the claims go straight to Done
        "key": "CLM", "name": "Claims", "deliver_from_any_stage": True}).is_success
    stages = {s["name"]: s["id"]
              for s in client.get("/api/v1/services/CLM").json()["stages"]}
    for n in range(6):
        assert client.post("/api/v1/services/CLM/items",
                           json={"title": f"claim {n}"}).is_success
    start = clock.now()
    for n, stage in ((1, "In progress"), (2, "In progress"), (3, "In progress")):
        clock.set(start + timedelta(hours=n))
        assert client.post(f"/api/v1/items/CLM-{n}/move",
                           json={"to_stage": stages[stage]}).is_success
    assert client.post("/api/v1/items/CLM-2/block",
                       json={"reason": "waiting on the agency",
                             "category": "customer"}).is_success
    clock.set(start + timedelta(days=2))
    assert client.post("/api/v1/items/CLM-1/move",
                       json={"to_stage": stages["Done"]}).is_success
    clock.set(start + timedelta(days=3))
    return client


def test_concurrent_metrics_requests_match_one_alone_and_leave_numpy_alone(
        claims: TestClient) -> None:
    alone = {route: claims.get(route).json() for route in ROUTES}
    default = np.geterr()
    seen: list[dict[str, str]] = []
    stop = threading.Event()

    def watch() -> None:
        while not stop.is_set():
            now = np.geterr()
            if now != default:
                seen.append(now)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", RuntimeWarning)  # a division by zero would raise
            results = run_together(8, lambda i: [claims.get(route) for route in ROUTES
                                                 for _ in range(3)])
    finally:
        stop.set()
        watcher.join()
    for outcome in results:
        assert not isinstance(outcome, BaseException), outcome
        for n, response in enumerate(outcome):
            assert response.status_code == 200, response.text
            assert response.json() == alone[ROUTES[n // 3]]
    assert seen == []
    assert np.geterr() == default


def test_no_module_toggles_numpys_process_wide_error_setting() -> None:
    """`np.seterr` and `np.errstate` change what every thread's arithmetic does."""
    toggles = []
    for path in SOURCE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr in {"seterr", "errstate",
                                                                  "seterrcall"}:
                toggles.append(f"{path.relative_to(SOURCE)}:{node.lineno} {node.attr}")
    assert toggles == []
