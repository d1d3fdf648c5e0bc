"""`flowdesk user`, `flowdesk member`, `flowdesk token` and `flowdesk roles`, through click's
CliRunner on both databases."""

from __future__ import annotations

import io
from typing import Any

import pytest
from click.testing import CliRunner, Result

from cast import OPERATOR
from flowdesk.cli import main, people
from flowdesk.domain import policy
from flowdesk.domain.clock import SystemClock
from flowdesk.domain.errors import Unauthenticated
from flowdesk.domain.people import Role, Scope
from flowdesk.services import accounts, admin
from flowdesk.services.commands import CreateService
from flowdesk.storage.unit_of_work import UnitOfWork

PASSWORD = "correct horse battery"
CLOCK = SystemClock()  # the command line signs people in on the real clock


def flowdesk(database_url: str, *args: str, stdin: str | None = None) -> Result:
    return CliRunner().invoke(main, list(args), input=stdin,
                              env={"FLOWDESK_DATABASE_URL": database_url})


def sign_in(uow: UnitOfWork, username: str, password: str) -> accounts.SignedIn:
    return accounts.sign_in(uow, CLOCK, username, password, address="cli-test", salt="tests")


def create(database_url: str, username: str, *options: str,
           password: str = PASSWORD) -> Result:
    return flowdesk(database_url, "user", "create", username, *options, "--password-stdin",
                    stdin=f"{password}\n")


def test_user_create_makes_an_account_that_signs_in_with_the_password_from_stdin(
        database_url: str, uow: UnitOfWork) -> None:
    result = create(database_url, "ana", "--name", "Ana Lima", "--email", "ana@example.org")
    assert result.exit_code == 0, result.output
    assert "created ana (Ana Lima)" in result.stdout
    assert PASSWORD not in result.output
    assert sign_in(uow, "ana", PASSWORD).username == "ana"
    made = accounts.get_user(uow, OPERATOR, "ana")
    assert (made.email, made.is_admin) == ("ana@example.org", False)


def test_user_create_with_admin_makes_an_organisation_admin(database_url: str,
                                                            uow: UnitOfWork) -> None:
    result = create(database_url, "olga", "--admin")
    assert result.exit_code == 0, result.output
    assert "an organisation admin" in result.stdout
    assert accounts.get_user(uow, OPERATOR, "olga").is_admin
    assert accounts.actor_named(uow, CLOCK, "olga").is_admin


def test_only_the_first_line_of_stdin_is_the_password_and_its_line_ending_is_dropped(
        database_url: str, uow: UnitOfWork) -> None:
    result = flowdesk(database_url, "user", "create", "ben", "--password-stdin",
                      stdin=f"{PASSWORD}\r\nsecond line\n")
    assert result.exit_code == 0, result.output
    assert sign_in(uow, "ben", PASSWORD).username == "ben"


@pytest.mark.parametrize("stdin", ["", "\n"])
def test_an_empty_password_on_stdin_is_refused_with_a_clear_message(
        database_url: str, uow: UnitOfWork, stdin: str) -> None:
    result = flowdesk(database_url, "user", "create", "chen", "--password-stdin", stdin=stdin)
    assert result.exit_code == 2
    assert "no password on standard input" in result.stderr
    assert [u.username for u in accounts.list_users(uow, OPERATOR)] == ["local"]


def test_a_password_is_never_taken_without_password_stdin(database_url: str) -> None:
    result = flowdesk(database_url, "user", "create", "chen", stdin=f"{PASSWORD}\n")
    assert result.exit_code == 2
    assert "--password-stdin" in result.stderr


def test_a_short_password_is_refused_in_one_line_without_a_traceback(database_url: str) -> None:
    result = create(database_url, "dana", password="short")
    assert result.exit_code == 1
    assert result.stderr == "Error: a password needs at least 10 characters (password)\n"


def test_a_taken_username_is_refused_in_one_line(database_url: str) -> None:
    assert create(database_url, "dana").exit_code == 0
    again = create(database_url, "Dana")
    assert again.exit_code == 1
    assert again.stderr == "Error: the username dana is taken (username)\n"


def test_user_passwd_sets_the_password_and_ends_every_session(database_url: str,
                                                              uow: UnitOfWork) -> None:
    assert create(database_url, "emre").exit_code == 0
    session = sign_in(uow, "emre", PASSWORD)
    assert accounts.session_actor(uow, CLOCK, session.session_id) is not None
    result = flowdesk(database_url, "user", "passwd", "emre", "--password-stdin",
                      stdin="a brand new passphrase\n")
    assert result.exit_code == 0, result.output
    assert "brand new" not in result.output
    assert accounts.session_actor(uow, CLOCK, session.session_id) is None
    with pytest.raises(Unauthenticated):
        sign_in(uow, "emre", PASSWORD)
    assert sign_in(uow, "emre", "a brand new passphrase").username == "emre"


def test_user_passwd_of_an_unknown_user_says_so(database_url: str) -> None:
    result = flowdesk(database_url, "user", "passwd", "nobody", "--password-stdin",
                      stdin=f"{PASSWORD}\n")
    assert result.exit_code == 1
    assert result.stderr == "Error: no user named 'nobody' (username)\n"


def test_member_add_gives_a_user_their_roles_in_the_service(database_url: str,
                                                            uow: UnitOfWork) -> None:
    service = admin.create_service(uow, CLOCK, OPERATOR, CreateService("CLM", "Claims"))
    assert create(database_url, "fatou").exit_code == 0
    result = flowdesk(database_url, "member", "add", "clm", "fatou", "flow_manager",
                      "TEAM_MEMBER")
    assert result.exit_code == 0, result.output
    assert result.stdout == "fatou is a member of CLM as Flow Manager, Team member\n"
    actor = accounts.actor_named(uow, CLOCK, "fatou")
    assert actor.roles_in(service.id) == {Role.FLOW_MANAGER, Role.TEAM_MEMBER}


def test_member_add_refuses_an_unknown_role_naming_the_roles(database_url: str) -> None:
    result = flowdesk(database_url, "member", "add", "CLM", "fatou", "chief")
    assert result.exit_code == 2
    assert "'chief' is not one of" in result.stderr and "service_delivery_manager" in result.stderr


def test_member_add_to_an_unknown_service_says_so_in_one_line(database_url: str) -> None:
    assert create(database_url, "goran").exit_code == 0
    result = flowdesk(database_url, "member", "add", "NOPE", "goran", "viewer")
    assert result.exit_code == 1
    assert "no service with key 'NOPE'" in result.stderr
    assert "Traceback" not in result.output


@pytest.mark.parametrize("scope", ["read", "write"])
def test_token_create_prints_the_token_alone_and_it_acts_for_the_user_in_its_scope(
        database_url: str, uow: UnitOfWork, scope: str) -> None:
    assert create(database_url, "hana").exit_code == 0
    result = flowdesk(database_url, "token", "create", "hana", "--scope", scope)
    assert result.exit_code == 0, result.output
    token = result.stdout.removesuffix("\n")
    assert result.stdout == f"{token}\n" and " " not in token and token.startswith("fd_")
    actor = accounts.token_actor(uow, CLOCK, token)
    assert actor is not None
    assert (actor.username, actor.scope) == ("hana", Scope(scope))


def test_a_token_with_expires_days_expires_then(database_url: str, uow: UnitOfWork) -> None:
    assert create(database_url, "ivo").exit_code == 0
    result = flowdesk(database_url, "token", "create", "ivo", "--scope", "read",
                      "--expires-days", "30")
    assert result.exit_code == 0, result.output
    assert "until" in result.stderr
    (row,) = accounts.list_tokens(uow, accounts.actor_named(uow, CLOCK, "ivo"))
    assert row.expires_at is not None
    assert 29.9 < (row.expires_at - row.created_at).total_seconds() / 86_400 <= 30


def test_token_create_needs_a_scope_and_a_known_user(database_url: str) -> None:
    assert flowdesk(database_url, "token", "create", "nobody").exit_code == 2
    result = flowdesk(database_url, "token", "create", "nobody", "--scope", "write")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == "Error: no active user named 'nobody' (username)\n"


def test_roles_markdown_prints_exactly_the_rendered_policy() -> None:
    result = CliRunner().invoke(main, ["roles", "--markdown"])
    assert result.exit_code == 0
    assert result.stdout == policy.roles_markdown()


def test_roles_lists_every_action_with_the_roles_that_may_take_it() -> None:
    result = CliRunner().invoke(main, ["roles"])
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    for action in policy.POLICY:
        assert any(line.startswith(f"{action.value} ") for line in lines), action
    move = next(line for line in lines if line.startswith("item.move "))
    assert move.split(maxsplit=1)[1] == "Team member"
    assert "change their own password" in result.stdout


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_on_a_terminal_the_password_is_asked_for_hidden_and_twice(
        monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[dict[str, Any]] = []

    def prompt(text: str, **options: Any) -> str:
        asked.append({"text": text, **options})
        return PASSWORD

    monkeypatch.setattr(people.sys, "stdin", Terminal(""))
    monkeypatch.setattr(people.click, "prompt", prompt)
    assert people.read_password(True) == PASSWORD
    assert asked == [{"text": "Password", "hide_input": True, "confirmation_prompt": True,
                      "err": True}]
