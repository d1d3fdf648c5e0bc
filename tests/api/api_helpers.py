"""API test helpers: a claims service created through the API, and small request helpers."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

API = "/api/v1"
TEAM = ("amira", "bruno", "ana", "ben", "chen", "dana")  # accounts (cast.py), not Olivia

# Options and Ready are upstream; In progress (limit 2) and Review (limit 2) are committed.
CLAIMS_WORKFLOW = [
    {"name": "Options", "phase": "upstream", "kind": "queue"},
    {"name": "Ready", "phase": "upstream", "kind": "queue"},
    {"name": "In progress", "phase": "committed", "kind": "activity", "wip_limit": 2},
    {"name": "Review", "phase": "committed", "kind": "queue", "wip_limit": 2},
    {"name": "Done", "phase": "done", "kind": "queue"},
    {"name": "Discarded", "phase": "discarded", "kind": "queue"},
]


class Claims:
    """The priority-claims service as the API returned it, with stage ids by name."""

    def __init__(self, client: TestClient, body: dict[str, Any]) -> None:
        self.client = client
        self.body = body
        self.key: str = body["key"]
        self.stage = {s["name"]: int(s["id"]) for s in body["stages"]}
        # The last event of the setup (the service created, its members added).
        self.setup_seq = 0

    def new_item(self, title: str = "Refund for agency Nordlys", **fields: Any) -> dict[str, Any]:
        """Create an item through the API and return its JSON."""
        response = self.client.post(f"{API}/services/{self.key}/items",
                                    json={"title": title, **fields})
        assert response.status_code == 201, response.text
        return dict(response.json())

    def move(self, item_key: str, stage: str, **body: Any) -> Any:
        """POST a move to the named stage; returns the response."""
        return self.client.post(f"{API}/items/{item_key}/move",
                                json={"to_stage": self.stage[stage], **body})

    def moved(self, item_key: str, stage: str, **body: Any) -> dict[str, Any]:
        response = self.move(item_key, stage, **body)
        assert response.status_code == 200, response.text
        return dict(response.json())

    def deliver_from_any_stage(self) -> None:
        """Let work be delivered from any stage (by default only from the last committed)."""
        body = self.client.get(f"{API}/services/{self.key}").json()
        stages = [{"id": s["id"], "name": s["name"], "phase": s["phase"], "kind": s["kind"],
                   "wip_limit": s["limit"], "policy": s["policy"]} for s in body["stages"]]
        response = self.client.put(f"{API}/services/{self.key}/workflow",
                                   json={"stages": stages, "deliver_from_any_stage": True})
        assert response.status_code == 200, response.text

    def events(self, item_key: str) -> list[dict[str, Any]]:
        response = self.client.get(f"{API}/items/{item_key}/events")
        assert response.status_code == 200, response.text
        return list(response.json())

    def board(self) -> dict[str, dict[str, Any]]:
        response = self.client.get(f"{API}/services/{self.key}/board")
        assert response.status_code == 200, response.text
        return {s["name"]: s for s in response.json()["stages"]}


def create_service(client: TestClient, key: str = "CLM", name: str = "Priority claims",
                   **extra: Any) -> Claims:
    body = {"key": key, "name": name, "stages": CLAIMS_WORKFLOW, **extra}
    response = client.post(f"{API}/services", json=body)
    assert response.status_code == 201, response.text
    for person in TEAM:  # people the tests assign work to are members of the service
        joined = client.put(f"{API}/services/{key}/members/{person}",
                            json={"roles": ["team_member"]})
        assert joined.status_code == 200, joined.text
    claims = Claims(client, response.json())
    feed = client.get(f"{API}/services/{key}/events").json()["events"]
    claims.setup_seq = feed[-1]["seq"]
    return claims
