"""The state bad-input tests run against, valid values for every parameter, and the checks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx
from api_helpers import Claims, create_service
from fastapi.testclient import TestClient
from openapi_routes import Route, Schema, kinds
from sqlalchemy import Engine, func, select

from flowdesk.storage.tables import item_events, items


@dataclass
class World:
    """Two services (CLM and INT); CLM-1 is assigned to amira, CLM-2 is delivered. CLM's
    work needs the skill "payments"; zoe is a team member of CLM only (someone to lend to
    INT); bruno has an absence (`absence`)."""

    client: TestClient
    engine: Engine
    claims: Claims
    settlements: Claims
    spare_token: int = 0  # the id of a token of Olivia's that a test may revoke
    absence: int = 0  # the id of an absence of bruno's that a test may remove
    agreement: int = 0  # CLM's service-wide agreement (a valid body is for class expedite)
    group: int = 0  # CLM's stage group over In progress and Review (limit 100)

    def path_value(self, name: str, schema: Schema) -> str:
        """A valid value for a path parameter, by its name."""
        known = {"key": "CLM", "item_key": "CLM-1", "stage_id": str(self.claims.stage["Ready"]),
                 "cos": "standard", "person": "amira", "username": "bruno",
                 "token_id": str(self.spare_token), "skill": "payments",
                 "absence_id": str(self.absence), "agreement_id": str(self.agreement),
                 "calendar_key": "clm", "group_id": str(self.group)}
        if name in known:
            return known[name]
        return "1" if schema.get("type") == "integer" else "x"

    def url(self, route: Route, **overrides: str) -> str:
        path = route.path
        for name, schema in route.path_params():
            value = overrides.get(name, self.path_value(name, schema))
            path = path.replace("{" + name + "}", quote(value, safe=""))
        return path

    def valid_body(self, route: Route) -> dict[str, Any]:
        """A body that passes validation, so a refusal can only come from what a test changes."""
        title = (route.body or {}).get("title", "")
        stage = self.claims.stage
        known: dict[str, dict[str, Any]] = {
            "ServiceIn": {"key": "NEW", "name": "New service"},
            "StageGroupIn": {"name": "Doing + Review", "limit": 3,
                             "stage_ids": [stage["In progress"], stage["Review"]]},
            "MoveIn": {"to_stage": stage["Ready"]},
            "BlockIn": {"reason": "waiting on the agency", "category": "customer"},
            "AssignIn": {"person": "bruno"},
            "LimitIn": {"limit": 3},
            "UserIn": {"username": "newcomer", "display_name": "Nia Newcomer"},
            "UserPatch": {"display_name": "Bruno Bianchi"},
            "PasswordIn": {"password": "correct horse battery"},
            "MemberIn": {"roles": ["viewer"]},
            "TokenIn": {"name": "a script"},
            "CategoriesIn": {"categories": ["vendor", "customer", "internal"]},
            "EscalateIn": {"note": "the vendor has not answered in two days"},
            "AcknowledgeIn": {"kind": "inflow_drop", "note": "the data hub is down"},
            "ThresholdsIn": {"min_usual": 6},
            "SkillsIn": {"skills": [{"name": "payments", "item_types": ["refund"]}]},
            "LevelIn": {"level": 2},
            "AvailabilityIn": {"hours_per_week": 32},
            "AbsenceIn": {"starts_on": "2026-04-06", "ends_on": "2026-04-10",
                          "reason": "holiday"},
            "LendingIn": {"username": "zoe", "to_service": "INT", "until": "2026-03-20"},
            "AgreementIn": {"class_of_service": "expedite", "calendar": "clm",
                            "target": {"value": 4, "unit": "working_hours", "share": 0.9}},
            "CustomerIn": {"name": "Nordlys Reiser",
                           "contacts": [{"name": "Ingrid", "email": "ingrid@nordlys.example"}]},
            "NamedCalendarIn": {"key": "ghent", "timezone": "Europe/Brussels",
                                "working_days": ["mon", "tue", "wed", "thu", "fri"],
                                "working_hours": ["08:30", "16:30"]},
            "HolidaysIn": {"dates": ["2026-05-01"]},
            # CLM's workflow as it is, one stage renamed.
            "WorkflowIn": {"stages": [
                {"id": s["id"], "name": "Triage" if s["name"] == "Options" else s["name"],
                 "phase": s["phase"], "kind": s["kind"], "wip_limit": s["limit"],
                 "policy": s["policy"]} for s in self.claims.body["stages"]]},
            "ServiceLevelsIn": {"targets": [{"class_of_service": "standard",
                                             "percentile": 85, "days": 5}]},
            "DeleteServiceIn": {"confirm": "CLM"},
            "FailureDemandIn": {"kind": "correction", "stems_from": "CLM-2"},
            "FixWindowIn": {"window_days": 20},
        }
        if title in known:
            return dict(known[title])
        return {name: sample(route.properties()[name], route)
                for name in route.required()}

    def valid_query(self, route: Route) -> dict[str, Any]:
        """Query parameters a request needs to succeed: the required ones, and the ones an
        endpoint asks for by its own rule (a forecast asks either "how many by" or "when")."""
        query = {name: sample(schema, route) for name, schema in route.query_params()
                 if name in route.required_query()}
        if route.path.endswith("/forecast"):
            query.setdefault("when", 10)
        return query

    def send(self, route: Route, *, url: str | None = None, **kwargs: Any) -> httpx.Response:
        kwargs.setdefault("params", self.valid_query(route))
        return self.client.request(route.method, url or self.url(route), **kwargs)

    def footprint(self) -> tuple[int, int]:
        """(events, items): a refused request must leave both unchanged."""
        with self.engine.connect() as conn:
            events = conn.execute(select(func.count()).select_from(item_events)).scalar_one()
            count = conn.execute(select(func.count()).select_from(items)).scalar_one()
        return int(events), int(count)


def sample(schema: Schema, route: Route) -> Any:
    """A plain valid value for a schema: the first non-null alternative."""
    options = kinds(schema, route.components)
    if not options:
        return None
    s = options[0]
    if "enum" in s:
        return s["enum"][0]
    kind = s.get("type")
    if kind == "string":
        return "2026-03-31" if s.get("format") == "date" else "x" * max(1, s.get("minLength", 1))
    if kind == "integer":
        return max(1, int(s.get("minimum", 1)))
    if kind == "number":
        return 1.0
    if kind == "boolean":
        return False
    if kind == "array":
        return [sample(s.get("items", {}), route) for _ in range(s.get("minItems", 0))]
    if kind == "object":
        return {}
    return None


def make_world(client: TestClient, engine: Engine) -> World:
    claims = create_service(client)
    settlements = create_service(client, key="INT", name="International settlements")
    claims.new_item("Refund for agency Nordlys", assignees=["amira"])
    delivered = claims.new_item("Duplicate payment, already settled")
    for stage in ("In progress", "Review", "Done"):  # a delivery, so flow metrics have data
        claims.moved(delivered["key"], stage)
    settlements.new_item("Transfer to Lagos")
    spare = client.post("/api/v1/me/tokens", json={"name": "spare"})
    assert spare.status_code == 201, spare.text
    for response in (
        client.put("/api/v1/services/CLM/skills", json={"skills": [{"name": "payments"}]}),
        client.put("/api/v1/services/CLM/members/zoe", json={"roles": ["team_member"]}),
    ):
        assert response.status_code == 200, response.text
    absence = client.post("/api/v1/users/bruno/absences",
                          json={"starts_on": "2026-05-04", "ends_on": "2026-05-08"})
    assert absence.status_code == 201, absence.text
    calendar = client.post("/api/v1/calendars", json={
        "key": "clm", "timezone": "Europe/Brussels", "working_days": ["mon", "tue", "wed"],
        "working_hours": ["09:00", "17:00"]})
    assert calendar.status_code == 201, calendar.text
    agreement = client.post("/api/v1/services/CLM/agreements", json={
        "calendar": "clm", "target": {"value": 2, "unit": "working_days", "share": 0.8}})
    assert agreement.status_code == 201, agreement.text
    group = client.post("/api/v1/services/CLM/stage-groups", json={
        "name": "Doing", "limit": 100,
        "stage_ids": [claims.stage["In progress"], claims.stage["Review"]]})
    assert group.status_code == 201, group.text
    return World(client, engine, claims, settlements, spare_token=int(spare.json()["id"]),
                 absence=int(absence.json()["id"]), agreement=int(agreement.json()["id"]),
                 group=int(group.json()["stage_groups"][0]["id"]))


BLOCKED_FIRST = ("/unblock", "/escalate")  # routes that act on a blocked item only


def block_if_needed(world: World, route: Route) -> None:
    """Block CLM-1 before a request that needs it blocked."""
    if route.path.endswith(BLOCKED_FIRST):
        world.client.post("/api/v1/items/CLM-1/block", json={"reason": "r", "category": "vendor"})


def assert_clean_refusal(response: httpx.Response, *, allowed: tuple[int, ...] = ()) -> None:
    """A 4xx with a JSON body that says what is wrong (or one of the `allowed` codes)."""
    assert response.status_code < 500, response.text
    if response.status_code in allowed:
        return
    assert 400 <= response.status_code < 500, (response.status_code, response.text[:300])
    assert response.headers["content-type"].startswith("application/json"), response.headers
    body = response.json()
    assert isinstance(body, dict), body
    assert isinstance(body.get("error"), str) and body["error"], body
    assert isinstance(body.get("message"), str) and body["message"], body
    assert "field" in body, body
