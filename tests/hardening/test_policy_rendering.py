"""Explicit policies are short, and each is rendered once however often boards are viewed:
hostile Markdown cannot make every board view slow."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient

from flowdesk.domain.workflow import POLICY_MAX
from flowdesk.web import markdown

API = "/api/v1"


def stages(policies: list[str]) -> list[dict[str, Any]]:
    phases = ["upstream"] + ["committed"] * (len(policies) - 3) + ["done", "discarded"]
    return [{"name": f"Stage {n}", "phase": phase, "policy": policy}
            for n, (phase, policy) in enumerate(zip(phases, policies, strict=True))]


def test_a_policy_longer_than_the_cap_is_refused_naming_it(client: TestClient) -> None:
    too_long = "x" * (POLICY_MAX + 1)
    created = client.post(f"{API}/services", json={
        "key": "CLM", "name": "Claims", "stages": stages(["", too_long, "", ""])})
    assert created.status_code == 422, created.text
    assert "policy" in created.json()["field"]
    body = client.post(f"{API}/services", json={"key": "CLM", "name": "Claims"}).json()
    stage = body["stages"][0]["id"]
    response = client.put(f"{API}/services/CLM/stages/{stage}/policy", json={"policy": too_long})
    assert response.status_code == 422, response.text
    assert response.json()["field"] == "policy"
    fits = client.put(f"{API}/services/CLM/stages/{stage}/policy",
                      json={"policy": "[" * POLICY_MAX})
    assert fits.status_code == 200, fits.text


def test_each_distinct_policy_is_rendered_once_across_board_views(
        client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    hostile = [f"{uuid.uuid4()} " + "[" * (POLICY_MAX - 40) for _ in range(6)]
    policies = [hostile[0], *hostile, hostile[1], ""]  # two stages share one policy
    created = client.post(f"{API}/services", json={"key": "CLM", "name": "Claims",
                                                   "stages": stages(policies)})
    assert created.status_code == 201, created.text
    rendered: list[str] = []
    real = markdown._md.render

    def counting(text: str) -> str:
        rendered.append(text)
        return str(real(text))

    monkeypatch.setattr(markdown._md, "render", counting)
    for _ in range(3):
        assert client.get("/services/CLM/board").status_code == 200
    assert sorted(t for t in rendered if t in hostile) == sorted(hostile)
