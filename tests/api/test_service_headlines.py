"""The services page leads with what the customer saw in the last four weeks: customer lead
time, first-time fix and failure-demand share (and the promise's attainment), worked out by
hand here, read in the same number of queries however many services there are."""

from __future__ import annotations

from datetime import timedelta

from api_helpers import API, Claims, create_service
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from cast import OPERATOR
from flowdesk.domain.clock import FixedClock
from flowdesk.services import queries
from flowdesk.services.headlines import service_headlines
from flowdesk.storage import repository as repo
from flowdesk.storage.db import statements_run
from flowdesk.storage.unit_of_work import UnitOfWork


def history(claims: Claims, client: TestClient, clock: FixedClock) -> None:
    """A (1 calendar day), B (3 days), C (reopened, 3 days), then D, a correction of A."""
    claims.deliver_from_any_stage()  # the work goes straight to Done
    a = claims.new_item("A")["key"]
    b = claims.new_item("B")["key"]
    c = claims.new_item("C")["key"]
    claims.moved(a, "Done")
    clock.advance(timedelta(days=1))
    claims.moved(c, "Done")
    claims.moved(c, "In progress")  # reopened
    clock.advance(timedelta(days=1))
    claims.moved(b, "Done")
    claims.moved(c, "Done")
    d = claims.new_item("D")["key"]
    marked = client.put(f"{API}/items/{d}/failure-demand",
                        json={"kind": "correction", "stems_from": a})
    assert marked.status_code == 200, marked.text


def test_the_headline_of_a_small_history_by_hand(
        client: TestClient, claims: Claims, clock: FixedClock, uow: UnitOfWork) -> None:
    history(claims, client, clock)
    summary = next(s for s in queries.list_services(uow, OPERATOR, clock.now())
                   if s.service.key == "CLM")
    h = summary.headline
    assert h is not None
    assert (h.delivered, h.arrived) == (3, 4)
    # Calendar days, arrival to delivery: A 1, C 3, B 3; the 85th percentile is 3.
    assert h.customer_lead_time_85 == 3
    # A has a correction, C was reopened: only B was fixed first time.
    assert h.first_time_fix == 1 / 3
    assert h.failure_demand == 1 / 4
    assert (h.promise_attainment, h.promised) == (None, 0)  # no agreement promised a time


def test_the_headline_reads_as_many_statements_for_one_service_as_for_three(
        client: TestClient, claims: Claims, clock: FixedClock, uow: UnitOfWork,
        engine: Engine) -> None:
    history(claims, client, clock)

    def count(keys: list[str]) -> int:
        with uow.read() as conn:
            loaded = [repo.load_service(conn, repo.service_id_for_key(conn, k)) for k in keys]
            with statements_run(engine) as seen:
                service_headlines(conn, loaded, clock.now())
        return len(seen)

    one = count(["CLM"])
    assert one == 5
    for key in ("INT", "OPS"):
        other = create_service(client, key=key, name=f"Service {key}")
        history(other, client, clock)
    assert count(["CLM", "INT", "OPS"]) == one


def test_the_services_page_leads_with_the_customer_measures(
        client: TestClient, claims: Claims, clock: FixedClock) -> None:
    history(claims, client, clock)
    page = client.get("/").text
    assert page.index("Customer lead time, 85%") < page.index("Delivered this week")
    assert page.index("Promise attainment") < page.index("First-time fix") \
        < page.index("Failure demand") < page.index("Work in progress")
    assert "<dd>33%</dd>" in page and "<dd>25%</dd>" in page and "<dd>3 days</dd>" in page
