"""`flowdesk user`, `flowdesk member` and `flowdesk token`: accounts from the command line.

The command line acts as the local operator, who holds the database and so may do anything.
Passwords are read from standard input (never from an argument, which other users of the machine
can see) and never echoed; a token is printed alone on standard output, so it can be captured.
"""

from __future__ import annotations

import sys

import click

from flowdesk.cli.context import friendly_errors, unit_of_work
from flowdesk.domain.clock import SystemClock
from flowdesk.domain.people import LOCAL_USER, ROLE_ORDER, Role, Scope
from flowdesk.services import accounts, members
from flowdesk.services.accounts import TOKEN_MAX_DAYS, NewUser

PASSWORD_STDIN = click.option(
    "--password-stdin", "password_stdin", is_flag=True,
    help="read the password from standard input, one line (prompted for, hidden, on a "
         "terminal)")


def read_password(password_stdin: bool) -> str:
    """The password from standard input: one line without its line ending. On a terminal it
    is asked for twice, hidden. An empty one is refused."""
    if not password_stdin:
        raise click.UsageError("give --password-stdin and pass the password on standard input, "
                               "e.g. printf '%s\\n' \"$PASSWORD\" | flowdesk ... "
                               "--password-stdin (never as an argument)")
    stdin = sys.stdin
    if stdin.isatty():
        password = str(click.prompt("Password", hide_input=True, confirmation_prompt=True,
                                    err=True))
    else:
        password = stdin.readline().removesuffix("\n").removesuffix("\r")
    if not password:
        raise click.UsageError("no password on standard input: pipe one line in, e.g. "
                               "printf '%s\\n' \"$PASSWORD\" | flowdesk ... --password-stdin")
    return password


@click.group()
def user() -> None:
    """Create accounts and set their passwords."""


@user.command("create")
@click.argument("username")
@click.option("--admin", "is_admin", is_flag=True,
              help="an organisation admin: manages users and services")
@click.option("--email", default="", help="their e-mail address")
@click.option("--name", "display_name", default="", help="the name shown (default: USERNAME)")
@PASSWORD_STDIN
@friendly_errors
def create_user(username: str, is_admin: bool, email: str, display_name: str,
                password_stdin: bool) -> None:
    """Create an account that signs in with the password given on standard input."""
    password = read_password(password_stdin)
    with unit_of_work() as uow:
        made = accounts.create_user(uow, SystemClock(), LOCAL_USER, NewUser(
            username, display_name, email, password=password, is_admin=is_admin))
    kind = "an organisation admin" if made.is_admin else "a user"
    click.echo(f"created {made.username} ({made.display_name}), {kind}; they can sign in now")


@user.command("passwd")
@click.argument("username")
@PASSWORD_STDIN
@friendly_errors
def set_password(username: str, password_stdin: bool) -> None:
    """Set someone's password (from standard input); every session of theirs ends."""
    password = read_password(password_stdin)
    with unit_of_work() as uow:
        accounts.reset_password(uow, SystemClock(), LOCAL_USER, username, password)
    click.echo(f"set the password of {username.strip().lower()}; their sessions have ended")


@click.group()
def member() -> None:
    """Put people in a service, in its Kanban roles."""


@member.command("add")
@click.argument("service_key")
@click.argument("username")
@click.argument("roles", nargs=-1, required=True, metavar="ROLE...",
                type=click.Choice([r.value for r in Role], case_sensitive=False))
@friendly_errors
def add_member(service_key: str, username: str, roles: tuple[str, ...]) -> None:
    """Make USERNAME a member of SERVICE_KEY with these ROLES (replacing the roles they held).

    ROLES: service_request_manager, service_delivery_manager, flow_manager, team_member,
    viewer (one or more).
    """
    with unit_of_work() as uow:
        found = members.put_member(uow, SystemClock(), LOCAL_USER, service_key, username, roles)
    name = username.strip().lower()
    held = next((m.roles for m in found.members if m.user.username == name),
                frozenset(Role(r) for r in roles))
    labels = ", ".join(r.label for r in ROLE_ORDER if r in held)
    click.echo(f"{name} is a member of {found.service.key} as {labels}")


@click.group()
def token() -> None:
    """API tokens, for `Authorization: Bearer <token>`."""


@token.command("create")
@click.argument("username")
@click.option("--scope", required=True, type=click.Choice([s.value for s in Scope]),
              help="read: only reads; write: reads and acts in the user's roles")
@click.option("--expires-days", type=click.IntRange(1, TOKEN_MAX_DAYS),
              help="days until it stops working (default: never)")
@click.option("--name", default="", help="a label to recognise it by (default: API token)")
@friendly_errors
def create_token(username: str, scope: str, expires_days: int | None, name: str) -> None:
    """Make an API token for USERNAME and print it alone on standard output.

    It is shown once: only its hash is kept. It acts for the user, in their roles, with the
    scope given.
    """
    with unit_of_work() as uow:
        made = accounts.create_token(uow, SystemClock(), LOCAL_USER, username=username,
                                     name=name, scope=Scope(scope), expires_days=expires_days)
    until = f"until {made.row.expires_at:%Y-%m-%d %H:%M} UTC" if made.row.expires_at \
        else "with no expiry"
    click.echo(f"{made.row.scope.value} token {made.row.name!r} for "
               f"{username.strip().lower()}, {until}; it is shown only now", err=True)
    click.echo(made.token)
