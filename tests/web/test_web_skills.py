"""The skills and capacity page: people by skills with their levels, proposals confirmed by the
Flow Manager, the risks, availability, the load, and lending someone to another service."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient
from web_env import client_as, web_post
from web_seed import DANA, WORKFLOW, Seeded

from cast import OPERATOR, enrol_owner, token_of
from flowdesk.domain.clock import FixedClock
from flowdesk.services import accounts, admin, availability, skills
from flowdesk.services.commands import CreateService
from flowdesk.storage.unit_of_work import UnitOfWork

PAGE = "/services/CLM/skills"
LEVELS = f"{PAGE}/levels"


@pytest.fixture
def matrix(web: TestClient, uow: UnitOfWork, clock: FixedClock, seeded: Seeded) -> TestClient:
    """Triage and medical assessment: Ana teaches triage, Ben does it alone; only Chen does
    medical assessment alone, and Chen is away this week."""
    skills.define_skills(uow, clock, OPERATOR, "CLM", [
        skills.SkillSpec("Triage"), skills.SkillSpec("Medical assessment", ["claim"])])
    for name, skill, level in [("ana", "Triage", 3), ("ben", "Triage", 2),
                               ("chen", "Medical assessment", 2), ("ben", "Medical assessment", 1)]:
        skills.set_level(uow, clock, OPERATOR, "CLM", skill, name, level)
    today = clock.now().date()
    availability.add_absence(uow, clock, OPERATOR, "chen", today, today + timedelta(days=4),
                             "leave")
    availability.set_hours(uow, clock, OPERATOR, "ben", 32)
    return web


def row(html: str, username: str) -> str:
    found = re.search(rf'<tr id="person-{username}">.*?</tr>', html, re.S)
    assert found, f"no row for {username}"
    return found.group(0)


def cell(html: str, username: str, skill: str) -> str:
    found = re.search(rf'<td class="level[^"]*" data-skill="{skill}">.*?</td>', row(html, username),
                      re.S)
    assert found, f"no cell for {username} in {skill}"
    return found.group(0)


def test_the_page_shows_people_by_skills_with_levels_risks_availability_and_the_load(
        matrix: TestClient) -> None:
    html = matrix.get(PAGE).text
    assert '<th scope="col" title="Needed by: claim">Medical assessment</th>' in html
    assert re.search(r'level-value">3</span> <span class="level-word">can teach',
                     cell(html, "ana", "Triage"))
    assert "learning" in cell(html, "ben", "Medical assessment")
    assert "32 h/week" in row(html, "ben") and "40 h/week" in row(html, "ana")
    chen = row(html, "chen")
    assert "away today" in chen and "Away 2 Mar 2026 to 6 Mar 2026" in chen
    assert re.search(r'Bus factor 1</span> Only Chen Wei can do Medical assessment alone', html)
    assert re.search(r'Gap</span> .*Medical assessment', html)
    assert "Load today and the next 2 working days" in html and "items of work" in html
    assert "Staffing suggestions" in html


def test_a_team_member_proposes_their_own_level_and_the_flow_manager_confirms_it(
        matrix: TestClient, uow: UnitOfWork, clock: FixedClock) -> None:
    ana = client_as(matrix, token_of(uow, "ana"))
    page = ana.get(PAGE).text
    assert "Propose" in cell(page, "ana", "Medical assessment")
    assert "<form" not in row(page, "ben")  # only her own row
    sent = web_post(ana, LEVELS, {"username": "ana", "skill": "Medical assessment",
                                  "level": "2"})
    assert sent.status_code == 303 and sent.headers["location"].endswith("#person-ana")
    mine = cell(ana.get(PAGE).text, "ana", "Medical assessment")
    assert "proposed 2 (can do alone)" in mine and "level-value\">0<" in mine
    refused = web_post(ana, LEVELS, {"username": "ben", "skill": "Triage", "level": "3"})
    assert refused.status_code == 403
    assert re.search(r'role="alert">to set anyone&#39;s skill levels', cell(refused.text, "ben",
                                                                           "Triage"))
    # Olivia is the Flow Manager: she sees the proposal and confirms it.
    pending = cell(matrix.get(PAGE).text, "ana", "Medical assessment")
    assert ">Confirm</button>" in pending and '<option value="2" selected>' in pending
    confirmed = web_post(matrix, LEVELS, {"username": "ana", "skill": "Medical assessment",
                                          "level": "2"})
    assert confirmed.status_code == 303
    done = cell(matrix.get(PAGE).text, "ana", "Medical assessment")
    assert "level-value\">2<" in done and "proposed" not in done
    levels = skills.skills_matrix(uow, clock, OPERATOR, "CLM").people
    ana_row = next(p for p in levels if p.username == "ana").levels["Medical assessment"]
    assert (ana_row.level, ana_row.confirmed_by, ana_row.proposed) == (2, "olivia", None)


def test_a_bad_level_is_shown_in_its_cell(matrix: TestClient) -> None:
    refused = web_post(matrix, LEVELS, {"username": "ana", "skill": "Triage", "level": "7"})
    assert refused.status_code == 422
    assert 'role="alert">' in cell(refused.text, "ana", "Triage")
    unknown = web_post(matrix, LEVELS, {"username": "ana", "skill": "Juggling", "level": "1"})
    assert unknown.status_code == 404
    assert re.search(r'class="form-error" role="alert">CLM names no skill', unknown.text)


def test_the_flow_manager_names_the_skills_and_a_bad_list_is_refused_as_typed(
        matrix: TestClient, uow: UnitOfWork, clock: FixedClock) -> None:
    saved = web_post(matrix, PAGE, {"skills": "Triage\nMedical assessment: claim\n"
                                              "Currency payments: claim, amendment\n"})
    assert saved.status_code == 303
    names = [s.name for s in skills.skills_matrix(uow, clock, OPERATOR, "CLM").skills]
    assert names == ["Triage", "Medical assessment", "Currency payments"]
    refused = web_post(matrix, PAGE, {"skills": "Triage\nTriage"})
    assert refused.status_code == 422
    assert 'role="alert">the skill Triage is named twice' in refused.text
    assert ">Triage\nTriage</textarea>" in refused.text
    assert len(skills.skills_matrix(uow, clock, OPERATOR, "CLM").skills) == 3


def test_someone_outside_the_service_is_told_there_is_no_such_service(
        matrix: TestClient, uow: UnitOfWork) -> None:
    mallory = client_as(matrix, token_of(uow, "mallory"))
    assert mallory.get(PAGE).status_code == 404
    assert web_post(mallory, LEVELS, {"username": "mallory", "skill": "Triage",
                                      "level": "2"}).status_code == 404


def settlements(uow: UnitOfWork, clock: FixedClock) -> None:
    admin.create_service(uow, clock, DANA, CreateService(
        key="INT", name="International settlements", stages=WORKFLOW))
    enrol_owner(uow, clock, "INT")


def test_the_service_delivery_manager_lends_a_team_member_until_a_date(
        matrix: TestClient, uow: UnitOfWork, clock: FixedClock) -> None:
    settlements(uow, clock)
    until = (clock.now() + timedelta(days=3)).date()
    lent = web_post(matrix, "/services/CLM/lendings", {
        "username": "ana", "to_service": "INT", "until": until.isoformat(), "back": "INT"})
    assert lent.status_code == 303 and lent.headers["location"] == \
        "/services/INT/skills?done=lent#staffing"
    assert "Lent: the membership ends by itself" in matrix.get(lent.headers["location"]).text
    ana = accounts.actor_named(uow, clock, "ana")
    assert ana.roles_in(skills_service_id(uow, clock, "INT"))


def skills_service_id(uow: UnitOfWork, clock: FixedClock, key: str) -> int:
    from flowdesk.services import queries

    return queries.get_service(uow, OPERATOR, key).id


@pytest.mark.parametrize(("until", "message"), [
    ("", "give the last day of the lending"),
    ("someday", "the last day must be a date"),
    ("2026-01-01", "until (2026-01-01) is in the past"),
])
def test_a_lending_with_a_bad_last_day_is_refused_and_nobody_is_lent(
        matrix: TestClient, uow: UnitOfWork, clock: FixedClock, until: str,
        message: str) -> None:
    settlements(uow, clock)
    refused = web_post(matrix, "/services/CLM/lendings", {
        "username": "ana", "to_service": "INT", "until": until, "back": "CLM"})
    assert refused.status_code == 422
    assert re.search(rf'role="alert">{re.escape(message)}', refused.text)
    assert not accounts.actor_named(uow, clock, "ana").roles_in(
        skills_service_id(uow, clock, "INT"))


def test_a_team_member_may_not_lend_anyone(matrix: TestClient, uow: UnitOfWork,
                                           clock: FixedClock) -> None:
    settlements(uow, clock)
    ana = client_as(matrix, token_of(uow, "ana"))
    refused = web_post(ana, "/services/CLM/lendings", {
        "username": "ben", "to_service": "INT", "until": date(2026, 3, 5).isoformat()})
    assert refused.status_code == 403
    assert 'class="form-error" role="alert">' in refused.text
