"""The first run's sign-in accounts: `flowdesk demo` (and so `flowdesk run` on an empty database)
makes them with one random password, prints it once and keeps it in a file only its owner reads.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from flowdesk.cli import demo as demo_module
from flowdesk.cli import main
from flowdesk.cli import serve as serve_module
from flowdesk.demo import run_demo
from flowdesk.demo.claims import SCENARIO
from flowdesk.demo.people import sign_in_accounts
from flowdesk.domain.clock import SystemClock
from flowdesk.domain.errors import Unauthenticated
from flowdesk.domain.people import LOCAL_USER
from flowdesk.services import accounts
from flowdesk.storage.db import make_engine
from flowdesk.storage.migrate import upgrade
from flowdesk.storage.unit_of_work import UnitOfWork

END = "2026-03-02T12:00"
USERNAMES = [a.username for a in sign_in_accounts(SCENARIO)]
PASSWORD_LINE = re.compile(r"^Password, the same for each \(shown only now\): (\S+)$", re.M)


def load_demo(folder: Path, *args: str) -> Result:
    """`flowdesk demo` on a new database in `folder`, with its data folder there too."""
    return CliRunner().invoke(main, ["demo", "--days", "2", "--end", END, *args], env={
        "FLOWDESK_DATABASE_URL": f"sqlite:///{folder / 'flowdesk.db'}",
        "FLOWDESK_DATA_DIR": str(folder / "data" / "flowdesk")})


def accounts_path(folder: Path) -> Path:
    return folder / "data" / "flowdesk" / "demo-accounts.txt"


def printed_password(result: Result) -> str:
    found = PASSWORD_LINE.search(result.stdout)
    assert found, result.stdout
    return found.group(1)


def signs_in(folder: Path, username: str, password: str) -> bool:
    engine = make_engine(f"sqlite:///{folder / 'flowdesk.db'}")
    try:
        accounts.sign_in(UnitOfWork(engine), SystemClock(), username, password,
                         address="first-run-test", salt="tests")
    except Unauthenticated:
        return False
    finally:
        engine.dispose()
    return True


def test_the_demo_prints_every_sign_in_account_with_its_service_and_role_and_a_password(
        tmp_path: Path) -> None:
    result = load_demo(tmp_path)
    assert result.exit_code == 0, result.output
    for username in USERNAMES:
        assert re.search(rf"^  {re.escape(username)} ", result.stdout, re.M), username
    assert re.search(r"^  clm-sdm +Service Delivery Manager on CLM$", result.stdout, re.M)
    assert re.search(r"^  int-viewer +Viewer on INT$", result.stdout, re.M)
    assert re.search(r"^  admin +organisation admin", result.stdout, re.M)
    assert len(printed_password(result)) >= 20
    assert str(accounts_path(tmp_path)) in result.stdout


def test_every_printed_account_signs_in_with_the_printed_password(tmp_path: Path) -> None:
    result = load_demo(tmp_path)
    password = printed_password(result)
    assert all(signs_in(tmp_path, name, password) for name in USERNAMES)
    assert not signs_in(tmp_path, "admin", password + "x")


def test_the_accounts_file_is_readable_by_its_owner_only_and_holds_the_same_password(
        tmp_path: Path) -> None:
    result = load_demo(tmp_path)
    path = accounts_path(tmp_path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    text = path.read_text(encoding="utf-8")
    assert f"password (the same for each): {printed_password(result)}\n" in text
    for username in USERNAMES:
        assert f"  {username} " in text


def test_the_file_is_created_private_whatever_the_umask_and_whatever_was_there_before(
        tmp_path: Path) -> None:
    path = accounts_path(tmp_path)
    path.parent.mkdir(parents=True)
    path.write_text("an older copy\n", encoding="utf-8")
    path.chmod(0o644)
    old = os.umask(0)  # a file made with the default mode and chmod-ed later would show it
    try:
        result = load_demo(tmp_path)
    finally:
        os.umask(old)
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert printed_password(result) in path.read_text(encoding="utf-8")


def test_two_first_runs_give_two_different_passwords(tmp_path: Path) -> None:
    first, second = tmp_path / "one", tmp_path / "two"
    one, two = printed_password(load_demo(first)), printed_password(load_demo(second))
    assert one != two
    assert signs_in(first, "admin", one) and not signs_in(second, "admin", one)


def test_the_simulation_itself_makes_no_sign_in_account(tmp_path: Path) -> None:
    """The accounts are made around `run_demo`, which stays the same for a seed."""
    engine = make_engine(f"sqlite:///{tmp_path / 'plain.db'}")
    try:
        upgrade(engine)
        uow = UnitOfWork(engine)
        run_demo(uow, seed=3, days=2, end=SystemClock().now())
        names = {u.username for u in accounts.list_users(uow, LOCAL_USER)}
    finally:
        engine.dispose()
    assert names.isdisjoint(USERNAMES)


def test_an_existing_account_keeps_its_password_and_is_named(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'flowdesk.db'}"
    made = CliRunner().invoke(main, ["user", "create", "admin", "--admin", "--password-stdin"],
                              input="my own passphrase\n",
                              env={"FLOWDESK_DATABASE_URL": database})
    assert made.exit_code == 0, made.output
    result = load_demo(tmp_path)
    assert result.exit_code == 0, result.output
    assert "existed already and keep their passwords: admin" in result.stdout
    assert not re.search(r"^  admin ", result.stdout, re.M)
    assert signs_in(tmp_path, "admin", "my own passphrase")
    assert signs_in(tmp_path, "clm-sdm", printed_password(result))


def test_run_on_an_empty_database_loads_the_demo_prints_the_accounts_and_serves(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    served: list[dict[str, Any]] = []
    monkeypatch.setattr(serve_module.uvicorn, "run", lambda *a, **kw: served.append(kw))
    monkeypatch.setattr(demo_module, "run_demo",  # two days, not six months
                        lambda uow, **kw: run_demo(uow, **{**kw, "days": 2}))
    result = CliRunner().invoke(main, ["run", "--port", "8123"], env={
        "FLOWDESK_DATABASE_URL": f"sqlite:///{tmp_path / 'flowdesk.db'}",
        "FLOWDESK_DATA_DIR": str(tmp_path / "data" / "flowdesk")})
    assert result.exit_code == 0, result.output
    assert "the database is empty: loading the demo" in result.stdout
    password = printed_password(result)
    assert signs_in(tmp_path, "clm-member", password)
    assert password in accounts_path(tmp_path).read_text(encoding="utf-8")
    assert [c["port"] for c in served] == [8123]
