"""The service event feed: cursor-paginated, oldest first, for integrations and analytics."""

from __future__ import annotations

from api_helpers import API, Claims


def test_the_feed_pages_through_every_event_with_a_cursor(claims: Claims) -> None:
    for n in range(7):
        claims.new_item(f"claim {n}")
    seen: list[int] = []
    after = 0
    while True:
        page = claims.client.get(f"{API}/services/CLM/events", params={"after": after,
                                                                       "limit": 3}).json()
        if not page["events"]:
            assert page["next_cursor"] == after
            break
        assert len(page["events"]) <= 3
        seen += [e["seq"] for e in page["events"]]
        assert page["next_cursor"] == page["events"][-1]["seq"]
        after = page["next_cursor"]
    # the setup (service_created, member_added ...) + 7 created, numbered per service
    assert seen == list(range(1, claims.setup_seq + 8))


def test_each_service_numbers_its_feed_from_one(claims: Claims, settlements: Claims) -> None:
    claims.new_item()
    settlements.new_item()
    claims.new_item()
    for service, added in ((claims, 2), (settlements, 1)):
        events = service.client.get(f"{API}/services/{service.key}/events").json()["events"]
        assert [e["seq"] for e in events] == list(range(1, service.setup_seq + added + 1))


def test_the_feed_holds_rule_changes_and_item_events(claims: Claims) -> None:
    item = claims.new_item()
    claims.client.put(f"{API}/services/CLM/stages/{claims.stage['Review']}/limit",
                      json={"limit": 4})
    claims.moved(item["key"], "In progress")
    events = claims.client.get(f"{API}/services/CLM/events").json()["events"]
    assert events[0]["kind"] == "service_created"
    assert [(e["kind"], e["item"]) for e in events[claims.setup_seq:]] == [
        ("created", "CLM-1"), ("limit_changed", None), ("moved", "CLM-1")]


def test_the_feed_only_shows_its_own_services_events(claims: Claims,
                                                     settlements: Claims) -> None:
    settlements.new_item()
    events = claims.client.get(f"{API}/services/CLM/events").json()["events"]
    assert [e["kind"] for e in events] == ["service_created"] + ["member_added"] * (
        claims.setup_seq - 1)


def test_the_feed_of_an_unknown_service_is_not_found(claims: Claims) -> None:
    assert claims.client.get(f"{API}/services/NOPE/events").status_code == 404


def test_a_feed_limit_out_of_range_is_refused(claims: Claims) -> None:
    for limit in (0, -1, 1_000_000):
        response = claims.client.get(f"{API}/services/CLM/events", params={"limit": limit})
        assert response.status_code == 422
        assert response.json()["field"] == "limit"
