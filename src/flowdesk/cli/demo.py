"""`flowdesk demo`: load a simulated claims service centre with months of history."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import click

from flowdesk.cli.context import friendly_errors, settings, unit_of_work
from flowdesk.cli.database import shown
from flowdesk.cli.demo_accounts import (
    DemoAccounts,
    account_lines,
    accounts_file,
    accounts_text,
    make_demo_accounts,
    write_private,
)
from flowdesk.cli.progress import Progress, say
from flowdesk.demo import run_demo
from flowdesk.demo.runner import MAX_DAYS, existing_demo_services

END_FORMATS = ["%Y-%m-%d", "%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]


@click.command()
@click.option("--seed", default=7, show_default=True, type=int,
              help="random seed: the same seed (and end) gives the same history")
@click.option("--days", default=182, show_default=True, type=click.IntRange(1, MAX_DAYS),
              help="days of history to simulate")
@click.option("--end", type=click.DateTime(END_FORMATS), default=None,
              help="UTC time the history ends at (default: now, so the board looks live)")
@click.option("--remove", is_flag=True,
              help="remove the demo services and their history instead (your own services "
                   "stay)")
@friendly_errors
def demo(seed: int, days: int, end: datetime | None, remove: bool = False) -> None:
    """Load the demo: a claims service centre with two services and their history.

    It runs a seeded simulation through the same use cases people use, so every card, move,
    blocker and WIP limit is real. It refuses to run if the demo services already exist.
    Then it makes one sign-in account per role on each service and an admin, with one random
    password: printed once, and saved in demo-accounts.txt in the data folder (owner only).
    `--remove` deletes the services the demo loaded, with their history.
    """
    if remove:
        remove_demo()
        return
    where = shown(settings().database_url)
    with unit_of_work() as uow:
        present = existing_demo_services(uow)
        if present:
            raise click.ClickException(
                f"the demo services already exist ({', '.join(present)}); "
                "to load the demo again, point FLOWDESK_DATABASE_URL at an empty database"
            )
        say(f"demo: loading into the database {where}")
        say(f"demo: simulating {days:,} {'day' if days == 1 else 'days'} of the claims "
            "service centre")
        started = time.perf_counter()
        with Progress(days, label="demo: simulating days", past="demo: simulated",
                      noun="days") as bar:
            summary = run_demo(uow, seed=seed, days=days,
                               end=end.replace(tzinfo=UTC) if end else None,
                               progress=bar.update)
        elapsed = time.perf_counter() - started
        say("demo: making the sign-in accounts")
        found = make_demo_accounts(uow)
    click.echo(
        f"Loaded the demo services {' and '.join(summary.services)}: "
        f"{summary.items:,} items and {summary.events:,} events over {summary.days} days "
        f"({summary.start:%Y-%m-%d %H:%M} to {summary.end:%Y-%m-%d %H:%M} UTC), "
        f"in {elapsed:.1f} s, into the database {where}."
    )
    show_accounts(found)


def remove_demo() -> None:
    """Delete the services the demo loaded (marked when it loaded them), each with all of
    its rows; the demo's accounts stay, to be deactivated like any other."""
    from flowdesk.domain.people import LOCAL_USER
    from flowdesk.services import lifecycle

    with unit_of_work() as uow:
        gone = lifecycle.delete_demo(uow, LOCAL_USER)
    if not gone:
        click.echo("There is no demo to remove: no service here was loaded by the demo.")
        return
    for service in gone:
        click.echo(f"Removed the demo service {service.key}: {service.items:,} items and "
                   f"{service.events:,} events.")
    click.echo("The demo's sign-in accounts stay; deactivate them at /admin/users if you "
               "wish.")


def show_accounts(found: DemoAccounts) -> None:
    """Print the sign-in accounts and their password once, and keep them in a private file."""
    if found.kept:
        click.echo(f"These accounts existed already and keep their passwords: "
                   f"{', '.join(found.kept)}")
    if not found.made:
        return
    conf = settings()
    login = f"http://{conf.host}:{conf.port}/login"
    click.echo(f"Sign in at {login} as one of:")
    click.echo("\n".join(account_lines(found.made)))
    click.echo(f"Password, the same for each (shown only now): {found.password}")
    path = accounts_file()
    try:
        write_private(path, accounts_text(found, login))
    except OSError as exc:
        click.echo(f"warning: could not save the accounts to {path}: {exc.strerror or exc}; "
                   "note the password now", err=True)
        return
    click.echo(f"The accounts and the password are saved in {path} (readable only by you).")
