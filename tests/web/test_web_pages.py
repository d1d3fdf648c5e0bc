"""The read-only pages: services, board (lanes, filters, search, the done column), closed lists."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from web_env import web_post
from web_seed import Seeded

from cast import OPERATOR
from flowdesk.services import queries
from flowdesk.storage.unit_of_work import UnitOfWork
from flowdesk.web import board_page


def cards_by_key(html: str) -> dict[str, str]:
    """Each card's HTML on a page, by item key."""
    return {m.group(1): m.group(0) for m in re.finditer(
        r'<article class="card[^"]*" id="card-([A-Z0-9]+-\d+)".*?</article>', html, re.S)}


def cards_in(html: str) -> list[str]:
    """Item keys of the cards on a page, in page order."""
    return re.findall(r'<article class="card[^"]*" id="card-([A-Z0-9]+-\d+)"', html)


def test_the_services_page_lists_each_service_with_wip_blocked_and_weekly_deliveries(
        web: TestClient) -> None:
    page = web.get("/")
    assert page.status_code == 200
    html = page.text
    assert "Priority claims" in html
    assert 'href="/services/CLM/board"' in html
    # 6 committed items, 1 blocked; none delivered since Monday 00:00 (the seed delivers earlier).
    assert re.search(r"Work in progress</dt><dd>6</dd>", html)
    assert re.search(r"Blocked</dt><dd>1</dd>", html)
    assert re.search(r"Delivered this week</dt><dd>0</dd>", html)


def test_the_services_page_says_how_to_start_when_there_is_no_service(
        client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200
    assert "No services yet" in page.text


def test_the_board_groups_columns_by_phase_and_labels_the_commitment_point(
        web: TestClient, seeded: Seeded) -> None:
    html = web.get("/services/CLM/board").text
    phases = re.findall(r'<div class="phase phase-(\w+) span-(\d+)">(\w+)', html)
    assert phases == [("upstream", "2", "Upstream"), ("committed", "3", "Committed"),
                      ("done", "2", "Done")]
    assert "Commitment point" in html
    first_committed = seeded.stages["Assess"]
    assert re.search(rf'class="col-head [^"]*commit-edge" id="head-{first_committed}"', html)


def test_column_headers_show_count_and_limit_and_say_when_at_the_limit(
        web: TestClient, seeded: Seeded) -> None:
    html = web.get("/services/CLM/board").text
    settle = re.search(rf'<div class="col-head tone-(\w+)[^"]*" id="head-{seeded.stages["Settle"]}"'
                       r'.*?data-wip[^>]*>([^<]+)</span>.*?data-flag>([^<]*)<', html, re.S)
    assert settle and settle.groups() == ("at", "3 / 3", "At limit")
    assess = re.search(rf'id="head-{seeded.stages["Assess"]}".*?data-wip[^>]*>([^<]+)<', html,
                       re.S)
    assert assess and assess.group(1) == "2 / 4"


def test_a_stage_over_its_limit_after_an_override_looks_over(web: TestClient,
                                                             seeded: Seeded) -> None:
    response = web_post(web, f"/items/{seeded.keys['assess']}/move",
                        {"to_stage": seeded.stages["Settle"], "override_reason": "hospital"})
    assert response.status_code == 200
    html = web.get("/services/CLM/board").text
    settle = re.search(rf'<div class="col-head tone-(\w+)[^"]*" id="head-{seeded.stages["Settle"]}"'
                       r'.*?data-wip[^>]*>([^<]+)</span>.*?data-flag>([^<]*)<', html, re.S)
    assert settle and settle.groups() == ("over", "4 / 3", "Over limit")


def test_each_column_policy_opens_from_its_header(web: TestClient, seeded: Seeded) -> None:
    html = web.get("/services/CLM/board").text
    ready = seeded.stages["Ready"]
    assert f'popovertarget="policy-{ready}"' in html
    policy = re.search(rf'<div popover id="policy-{ready}".*?</div>\s*<button', html, re.S)
    assert policy
    assert "<li>policy number valid</li>" in policy.group(0)  # Markdown, rendered
    assert "WIP limit 6" in policy.group(0)


def test_lanes_are_by_class_of_service_by_default_with_expedite_on_top(web: TestClient) -> None:
    html = web.get("/services/CLM/board").text
    lanes = re.findall(r'<div class="lane" data-lane="([^"]*)">', html)
    assert lanes == ["expedite", "fixed_date", "standard", "intangible"]


def test_lanes_by_customer_assignee_or_none_are_kept_in_the_url(web: TestClient) -> None:
    by_customer = web.get("/services/CLM/board?lanes=customer").text
    assert re.findall(r'<div class="lane" data-lane="([^"]*)">', by_customer) == [
        "Contoso Travel", "Fabrikam Insurance", "Northwind Agency", "Tailspin Tours", ""]
    assert '<option value="customer" selected>' in by_customer
    assert 'data-query="?lanes=customer"' in by_customer
    by_person = web.get("/services/CLM/board?lanes=assignee").text
    lanes = re.findall(r'<div class="lane" data-lane="([^"]*)">', by_person)
    # Keyed by username, labelled and ordered by display name, "Unassigned" last.
    assert lanes == ["ana", "ben", "chen", "dana", ""]
    assert '<abbr class="person" title="Chen Wei">CW</abbr> Chen Wei</span>' in by_person
    single = web.get("/services/CLM/board?lanes=none").text
    assert re.findall(r'<div class="lane" data-lane="([^"]*)">', single) == ["all"]
    assert "lane-head" not in single


def test_cards_show_key_title_class_type_customer_initials_age_due_and_blocker(
        web: TestClient, seeded: Seeded) -> None:
    html = web.get("/services/CLM/board").text
    overdue = re.search(rf'<article [^>]*id="card-{seeded.keys["check_overdue"]}".*?</article>',
                        html, re.S)
    assert overdue
    card = overdue.group(0)
    assert 'class="card cos-fixed_date"' in card
    assert '<span class="cos-tag">Fixed date</span>' in card  # a label, not colour alone
    assert "Court-ordered payout, Oslo" in card
    assert '<span class="card-type">claim</span>' in card
    assert "Contoso Travel" in card
    assert '<abbr class="person" title="Chen Wei">CW</abbr>' in card
    # Committed on 24 February: on Monday 2 March it is in its 7th calendar day.
    assert re.search(r'class="card-age" title="7 calendar days since commitment[^"]*">7d<', card)
    assert 'class="due due-overdue"' in card and "Overdue · 1 Mar" in card
    soon = re.search(rf'id="card-{seeded.keys["ready_due"]}".*?</article>', html, re.S)
    assert soon and 'class="due due-soon"' in soon.group(0)
    blocked = re.search(rf'id="card-{seeded.keys["assess_blocked"]}".*?</article>', html, re.S)
    assert blocked
    assert "is-blocked" in html.split(f'id="card-{seeded.keys["assess_blocked"]}"')[0][-80:]
    assert '<span class="blocker-cat">vendor</span>' in blocked.group(0)
    assert "Waiting for the airline&#39;s PIR report" in blocked.group(0)


def test_a_board_shown_again_shows_a_changed_card_as_it_is_now_and_the_rest_as_they_were(
        web: TestClient, seeded: Seeded, uow: UnitOfWork) -> None:
    """A board paints again only what changed (web/card_html.py keeps the rest): an edited,
    blocked card shows its new title, escaped, its blocker and its new version."""
    key = seeded.keys["ready_a"]
    before = cards_by_key(web.get("/services/CLM/board").text)
    item = queries.get_item(uow, OPERATOR, key)[0]
    assert web_post(web, f"/items/{key}/edit", {
        "version": item.version, "title": "Cancelled <tour> & 'co'", "type": "claim",
        "cos": "standard", "customer": "Tailspin Tours", "due_date": "", "description": "",
    }, htmx=True).status_code == 200
    edited = queries.get_item(uow, OPERATOR, key)[0]
    assert web_post(web, f"/items/{key}/block", {
        "version": edited.version, "reason": "Waiting for <the> receipts", "category": "customer",
    }, htmx=True).status_code == 200
    after = cards_by_key(web.get("/services/CLM/board").text)
    card = after.pop(key)
    assert card != before.pop(key)
    assert "Cancelled &lt;tour&gt; &amp; &#39;co&#39;</a>" in card
    assert 'class="card cos-standard is-blocked"' in card
    assert "Waiting for &lt;the&gt; receipts" in card
    assert f'data-version="{edited.version + 1}"' in card
    assert after == before


def test_the_done_column_hides_old_deliveries_but_its_count_stays_exact(
        web: TestClient, seeded: Seeded) -> None:
    html = web.get("/services/CLM/board").text
    shown = set(cards_in(html))
    assert {seeded.keys[f"done_{n}"] for n in range(4)} <= shown
    assert not {seeded.keys["old_done_0"], seeded.keys["old_done_1"]} & shown
    done = seeded.stages["Done"]
    head = re.search(rf'id="head-{done}".*?data-wip[^>]*>([^<]+)<', html, re.S)
    assert head and head.group(1) == "6"
    assert f'href="/services/CLM/stages/{done}/items">All 6 →</a>' in html


def test_the_done_column_footer_and_limits_come_from_the_configured_window(
        web: TestClient, seeded: Seeded, monkeypatch: pytest.MonkeyPatch) -> None:
    html = web.get("/services/CLM/board").text
    assert "from the last 14 days</span>" in html
    assert 'data-closed-cap="20" data-done-days="14"' in html
    monkeypatch.setattr(board_page, "DONE_WINDOW", timedelta(days=7))
    monkeypatch.setattr(board_page, "CLOSED_PER_COLUMN", 1)
    html = web.get("/services/CLM/board").text
    assert "14 days" not in html
    assert "Newest 1 of 2 from the last 7 days</span>" in html  # done_2 and done_3
    assert 'data-closed-cap="1" data-done-days="7"' in html
    shown = set(cards_in(html))
    assert seeded.keys["done_3"] in shown and seeded.keys["done_2"] not in shown
    assert seeded.keys["done_0"] not in shown


def test_the_full_list_of_a_done_stage_is_a_link_away_newest_first(
        web: TestClient, seeded: Seeded) -> None:
    page = web.get(f"/services/CLM/stages/{seeded.stages['Done']}/items")
    assert page.status_code == 200
    keys = re.findall(r'class="card-key" href="[^"]+">([A-Z]+-\d+)<', page.text)
    assert len(keys) == 6
    assert keys[-2:] == [seeded.keys["old_done_1"], seeded.keys["old_done_0"]]
    assert "Page 1 of 1" in page.text


def test_filters_by_type_class_customer_assignee_and_blocked_keep_counts_exact(
        web: TestClient, seeded: Seeded) -> None:
    k = seeded.keys
    assert cards_in(web.get("/services/CLM/board?type=inquiry").text) == [k["ready_b"]]
    fixed = set(cards_in(web.get("/services/CLM/board?cos=fixed_date").text))
    assert fixed == {k["ready_due"], k["check_overdue"]}
    tailspin = set(cards_in(web.get("/services/CLM/board?customer=Tailspin%20Tours").text))
    assert tailspin == {k["ready_a"], k["assess_blocked"], k["discarded"]}
    by_chen = web.get("/services/CLM/board?assignee=chen").text
    assert set(cards_in(by_chen)) == {k["settle_a"], k["settle_b"], k["check_overdue"]}
    assert '<option value="chen" selected>Chen Wei</option>' in by_chen
    html = web.get("/services/CLM/board?blocked=1").text
    assert cards_in(html) == [k["assess_blocked"]]
    settle = re.search(rf'id="head-{seeded.stages["Settle"]}".*?data-wip[^>]*>([^<]+)<', html,
                       re.S)
    assert settle and settle.group(1) == "3 / 3"  # the header still counts every item
    assert '<input type="checkbox" name="blocked" value="1" checked>' in html


def test_search_finds_by_key_or_title_in_any_case(web: TestClient, seeded: Seeded) -> None:
    by_title = cards_in(web.get("/services/CLM/board?q=BARCELONA").text)
    assert by_title == [seeded.keys["ready_b"]]
    key = seeded.keys["settle_b"]
    assert cards_in(web.get(f"/services/CLM/board?q={key.lower()}").text) == [key]
    html = web.get("/services/CLM/board?q=camera&lanes=customer").text
    assert 'data-query="?lanes=customer&amp;q=camera"' in html


def test_a_partial_board_request_returns_only_the_board(web: TestClient) -> None:
    part = web.get("/services/CLM/board?lanes=none", headers={"HX-Request": "true"})
    assert part.status_code == 200
    assert part.text.lstrip().startswith('<section id="board"')
    assert "<html" not in part.text


def test_bad_board_parameters_get_a_clear_message_and_a_422_page(web: TestClient) -> None:
    for query, words in [("lanes=diagonal", "lanes must be one of"),
                         ("cos=urgent", "class of service must be one of"),
                         ("show=abc", "must be a whole number"),
                         ("show=99999999999999999999", "out of range"),
                         ("q=" + "x" * 201, "longer than 200")]:
        page = web.get(f"/services/CLM/board?{query}")
        assert page.status_code == 422, query
        assert words in page.text, query
        assert page.headers["content-type"].startswith("text/html")


def test_an_unknown_service_or_page_is_a_friendly_404(web: TestClient) -> None:
    for url in ("/services/NOPE/board", "/services/NOPE/new", "/no/such/page",
                "/services/CLM/items/CLM-99999", "/services/CLM/stages/99999/items"):
        page = web.get(url)
        assert page.status_code == 404, url
        assert page.headers["content-type"].startswith("text/html"), url
        assert "Back to the services" in page.text


def test_the_api_keeps_its_json_errors(web: TestClient) -> None:
    response = web.get("/api/v1/services/NOPE")
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"
    assert web.get("/api/v1/nothing-here").json()["error"] == "not_found"


def test_the_item_page_shows_the_board_with_the_detail_open(web: TestClient,
                                                            seeded: Seeded) -> None:
    key = seeded.keys["assess"]
    page = web.get(f"/services/CLM/items/{key}?lanes=customer")
    assert page.status_code == 200
    assert '<aside id="panel" class="panel" aria-label="Detail">' in page.text
    assert "<strong>€420</strong>" in page.text  # the description, rendered
    assert 'href="/services/CLM/board?lanes=customer" data-close-panel' in page.text
    part = web.get(f"/services/CLM/items/{key}", headers={"HX-Request": "true"})
    assert part.text.lstrip().startswith('<div class="panel-inner"')


def test_an_item_is_only_found_under_its_own_service(web: TestClient, seeded: Seeded) -> None:
    assert web.get(f"/services/OTHER/items/{seeded.keys['assess']}").status_code == 404


def test_the_timeline_says_who_did_what_when_from_where_to_where_and_why(
        web: TestClient, seeded: Seeded) -> None:
    html = web.get(f"/services/CLM/items/{seeded.keys['discarded']}").text
    timeline = html[html.index('<ol class="timeline">'):]
    assert "<strong>Discarded</strong>" in timeline
    assert "Options → Discarded" in timeline
    assert "“duplicate of an earlier claim”" in timeline
    assert '<span class="tl-who">Dana Fischer</span>' in timeline  # by display name
    assert "<strong>Created in Options</strong>" in timeline


def test_static_files_are_served_locally_with_their_licences(web: TestClient) -> None:
    for path in ("vendor/htmx/htmx.min.js", "vendor/sortablejs/Sortable.min.js",
                 "vendor/chartjs/chart.umd.min.js", "vendor/htmx/LICENSE",
                 "vendor/sortablejs/LICENSE", "vendor/chartjs/LICENSE.md", "vendor/VERSIONS",
                 "js/board.js", "js/app.js", "css/flowdesk.css", "favicon.svg"):
        assert web.get(f"/static/{path}").status_code == 200, path
    html = web.get("/services/CLM/board").text
    assert "https://" not in "".join(re.findall(r'(?:src|href)="([^"]+)"', html))


def test_pages_forbid_inline_script_and_other_origins(web: TestClient) -> None:
    page = web.get("/services/CLM/board")
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "default-src 'self'" in csp
    assert "<script>" not in page.text  # every script is a file
    assert page.headers["x-frame-options"] == "DENY"
