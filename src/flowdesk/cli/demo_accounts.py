"""The demo's sign-in accounts: one random password, shown once and kept in a private file.

`flowdesk demo` (and so a first `flowdesk run`) makes one account per role on each demo service
and an organisation admin, all with one password from `passwords.new_password()`. There is never
a fixed default password. The accounts and the password are printed once and written to
`demo-accounts.txt` in the data folder (FLOWDESK_DATA_DIR), created readable by its owner only.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from flowdesk.cli.context import settings
from flowdesk.demo.claims import SCENARIO
from flowdesk.demo.people import SignInAccount, create_sign_in_accounts
from flowdesk.domain.clock import SystemClock
from flowdesk.domain.people import LOCAL_USER
from flowdesk.services import accounts, passwords
from flowdesk.storage.unit_of_work import UnitOfWork

ACCOUNTS_FILE = "demo-accounts.txt"
FILE_MODE = 0o600  # the owner reads and writes it; nobody else
FOLDER_MODE = 0o700


@dataclass(frozen=True)
class DemoAccounts:
    made: list[SignInAccount]  # made now, with `password`
    kept: list[str]  # usernames that existed already: their passwords are left alone
    password: str


def accounts_file() -> Path:
    """In the data folder (FLOWDESK_DATA_DIR), beside the default database."""
    return settings().data_dir / ACCOUNTS_FILE


def make_demo_accounts(uow: UnitOfWork) -> DemoAccounts:
    """The sign-in accounts of the demo services, sharing one new random password."""
    existing = {u.username for u in accounts.list_users(uow, LOCAL_USER)}
    password = passwords.new_password()
    wanted = create_sign_in_accounts(uow, SystemClock(), SCENARIO, password)
    return DemoAccounts([a for a in wanted if a.username not in existing],
                        [a.username for a in wanted if a.username in existing], password)


def describe(account: SignInAccount) -> str:
    if account.service is None or account.role is None:
        return "organisation admin: manages users and services (on no board)"
    return f"{account.role.label} on {account.service}"


def account_lines(made: list[SignInAccount]) -> list[str]:
    width = max((len(a.username) for a in made), default=0)
    return [f"  {a.username:<{width}}  {describe(a)}" for a in made]


def accounts_text(found: DemoAccounts, login_url: str) -> str:
    """What the file holds: where to sign in, the accounts, the password."""
    lines = [f"Flowdesk demo accounts: sign in at {login_url}", "", *account_lines(found.made),
             "", f"password (the same for each): {found.password}", "",
             "Each account can change its own at /account/password; the command line sets any",
             "account's with: flowdesk user passwd USERNAME --password-stdin"]
    return "\n".join(lines) + "\n"


def write_private(path: Path, text: str) -> None:
    """Write `text` to a new file that only its owner can read: created with that mode (an
    older file is removed first, so no other mode carries over; a link is not followed). A
    folder it has to make is private too."""
    path.parent.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0),
                 FILE_MODE)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)

