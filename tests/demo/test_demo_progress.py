"""`flowdesk demo` says what it is doing while it works: where the database is, a line per
tenth of the simulation when its output is not a terminal, and a bar when it is."""

from __future__ import annotations

import io
import re
from pathlib import Path

from click.testing import CliRunner

from flowdesk.cli import main
from flowdesk.cli.progress import Progress

END = "2026-03-02T12:00"


def test_the_demo_prints_the_database_and_a_plain_line_per_step_off_a_terminal(
        tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    result = CliRunner().invoke(main, ["demo", "--days", "5", "--end", END, "--seed", "3"], env={
        "FLOWDESK_DATABASE_URL": url, "FLOWDESK_DATA_DIR": str(tmp_path / "data")})
    assert result.exit_code == 0, result.output
    lines = result.stderr.splitlines()
    assert lines[0] == f"demo: loading into the database {url}"
    assert lines[1] == "demo: simulating 5 days of the claims service centre"
    steps = lines[2:-1]
    assert steps, result.stderr
    assert all(re.fullmatch(r"demo: simulated \d of 5 days \(\d+%\)", s) for s in steps), steps
    counts = [int(s.split()[2]) for s in steps]
    assert counts == sorted(set(counts)) and counts[-1] == 5  # rising, one line each, to the end
    assert steps[-1] == "demo: simulated 5 of 5 days (100%)"
    assert lines[-1] == "demo: making the sign-in accounts"
    assert "\r" not in result.stderr and "[#" not in result.stderr  # no bar in a log
    assert f"into the database {url}." in result.stdout


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_on_a_terminal_the_progress_is_a_bar_not_lines() -> None:
    screen = Terminal()
    with Progress(182, label="demo: simulating days", past="demo: simulated", noun="days",
                  stream=screen) as bar:
        for day in range(1, 183):
            bar.update(day)
    text = screen.getvalue()
    assert "demo: simulating days" in text and "100%" in text and "#" in text
    assert "demo: simulated" not in text


def test_off_a_terminal_there_is_one_line_per_tenth_even_for_many_updates() -> None:
    log = io.StringIO()
    with Progress(1000, label="importing", past="imported", noun="items", stream=log) as bar:
        for done in range(0, 1001, 7):
            bar.update(done)
        bar.update(1000)
    lines = log.getvalue().splitlines()
    assert len(lines) == 10
    assert lines[0] == "imported 105 of 1,000 items (10%)"
    assert lines[-1] == "imported 1,000 of 1,000 items (100%)"
