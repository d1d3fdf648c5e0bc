"""`flowdesk metrics`, `forecast` and `report` on bad input: one clear line naming the option or
the file and a non-zero exit, never a traceback. History files only: no database needed."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from flowdesk.cli import main

WORKFLOW = """\
[columns]
item = "key"
timestamp = "when"
state = "status"

[workflow]
timezone = "UTC"
upstream = ["Backlog"]
committed = ["Doing"]
done = ["Done"]
"""

# Two items delivered (4 and 5 March), one still in progress; the last entry is on 5 March.
HISTORY = """\
key,when,status
A-1,2024-03-01T09:00:00Z,Backlog
A-1,2024-03-02T09:00:00Z,Doing
A-1,2024-03-04T09:00:00Z,Done
A-2,2024-03-02T09:00:00Z,Backlog
A-2,2024-03-03T09:00:00Z,Doing
A-2,2024-03-05T09:00:00Z,Done
A-3,2024-03-05T08:00:00Z,Doing
"""


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    history, workflow = tmp_path / "history.csv", tmp_path / "workflow.toml"
    history.write_text(HISTORY)
    workflow.write_text(WORKFLOW)
    return history, workflow


def run(*args: str | Path) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args])


def refused(result: Result, *words: str) -> None:
    """The command failed with a message (click's SystemExit), not a Python exception."""
    assert result.exit_code != 0, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    for word in words:
        assert word in result.output, result.output


@pytest.mark.parametrize("dates, words", [
    (["--from", "2024-03-09"], ["from must be on or before the last day, 2024-03-05", "(from)"]),
    (["--to", "2024-02-20"], ["to must be on or after the first arrival, 2024-03-01", "(to)"]),
    (["--from", "2024-03-04", "--to", "2024-03-02"], ["from must be on or before to (from)"]),
])
def test_a_period_that_runs_backwards_is_refused_naming_the_option(
        files: tuple[Path, Path], dates: list[str], words: list[str]) -> None:
    history, workflow = files
    refused(run("metrics", "--history", history, "--workflow", workflow, *dates), *words)
    refused(run("report", "--history", history, "--workflow", workflow, "-o",
                history.parent / "r.html", *dates), *words)


def test_a_corrupt_gzip_history_is_a_clear_error_naming_the_file(
        files: tuple[Path, Path]) -> None:
    _, workflow = files
    broken = workflow.parent / "broken.csv.gz"
    data = bytearray(gzip.compress(HISTORY.encode() * 50))
    data[12:40] = bytes(28)
    broken.write_bytes(bytes(data))
    refused(run("metrics", "--history", broken, "--workflow", workflow),
            "cannot read the history file broken.csv.gz", "corrupt gzip data", "(history)")


def test_a_truncated_gzip_history_is_a_clear_error(files: tuple[Path, Path]) -> None:
    _, workflow = files
    cut = workflow.parent / "cut.csv.gz"
    whole = gzip.compress(HISTORY.encode())
    cut.write_bytes(whole[:-8])
    refused(run("forecast", "--history", cut, "--workflow", workflow, "--when", "2"),
            "cannot read the history file cut.csv.gz", "truncated")


@pytest.mark.parametrize("old, new, key", [
    ('upstream = ["Backlog"]', "upstream = 5", "[workflow] upstream"),
    ('done = ["Done"]', 'done = [["Done"]]', "[workflow] done"),
])
def test_a_workflow_file_with_a_list_of_the_wrong_type_names_the_key(
        files: tuple[Path, Path], old: str, new: str, key: str) -> None:
    history, workflow = files
    workflow.write_text(WORKFLOW.replace(old, new))
    refused(run("metrics", "--history", history, "--workflow", workflow),
            "cannot read the workflow file workflow.toml", key, "(workflow)")


@pytest.mark.parametrize("command, option, shown, name", [
    ("metrics", "--items", "--items", "items.csv"),
    ("report", "-o", "--output", "report.html"),
])
def test_an_output_file_in_a_missing_folder_is_refused_naming_the_option(
        files: tuple[Path, Path], command: str, option: str, shown: str, name: str) -> None:
    history, workflow = files
    target = history.parent / "nowhere" / name
    refused(run(command, "--history", history, "--workflow", workflow, option, target),
            shown, "does not exist")
    assert not target.parent.exists()  # refused before any work, nothing made


@pytest.mark.parametrize("option, value", [
    ("--seed", "-1"), ("--trials", "0"), ("--trials", "1000001"),
    ("--window-days", "0"), ("--window-days", "3651"),
])
def test_forecast_numbers_out_of_range_are_refused_naming_the_option(
        files: tuple[Path, Path], option: str, value: str) -> None:
    history, workflow = files
    refused(run("forecast", "--history", history, "--workflow", workflow, "--when", "2",
                option, value), f"Invalid value for '{option}'")


def with_bad_rows(history: Path, bad: int) -> None:
    """Append `bad` unreadable rows (lines 9 onwards: an unknown state, then bad times)."""
    rows = ["B-0,2024-03-02T09:00:00Z,Limbo"]
    rows += [f"B-{n},not a time,Backlog" for n in range(1, bad)]
    history.write_text(HISTORY + "\n".join(rows) + "\n")


def test_metrics_list_the_skipped_rows_and_count_them_in_json(
        files: tuple[Path, Path]) -> None:
    history, workflow = files
    with_bad_rows(history, 2)
    result = run("metrics", "--history", history, "--workflow", workflow, "--format", "json")
    assert result.exit_code == 0, result.output
    assert "history.csv: 2 unreadable rows skipped" in result.stderr
    assert "line 9: state 'Limbo' is not in the workflow" in result.stderr
    assert "line 10: unreadable timestamp 'not a time'" in result.stderr
    assert "more" not in result.stderr
    data = json.loads(result.stdout)
    assert data["rows_skipped"] == 2
    assert data["delivered_count"] == 2  # the readable rows still count


def test_forecast_caps_the_list_of_skipped_rows_and_says_how_many_more(
        files: tuple[Path, Path]) -> None:
    history, workflow = files
    with_bad_rows(history, 25)
    result = run("forecast", "--history", history, "--workflow", workflow, "--when", "2",
                 "--seed", "1", "--format", "json")
    assert result.exit_code == 0, result.output
    listed = [line for line in result.stderr.splitlines() if line.startswith("  line ")]
    assert len(listed) == 20
    assert listed[0] == "  line 9: state 'Limbo' is not in the workflow"
    assert listed[-1] == "  line 28: unreadable timestamp 'not a time'"
    assert "  ... and 5 more" in result.stderr
    assert json.loads(result.stdout)["rows_skipped"] == 25


def test_a_clean_history_reports_no_skipped_rows(files: tuple[Path, Path]) -> None:
    history, workflow = files
    result = run("metrics", "--history", history, "--workflow", workflow, "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["rows_skipped"] == 0
    assert "skipped" not in result.stderr


def test_the_report_lists_the_skipped_rows(files: tuple[Path, Path]) -> None:
    history, workflow = files
    with_bad_rows(history, 3)
    result = run("report", "--history", history, "--workflow", workflow, "-o",
                 history.parent / "r.html")
    assert result.exit_code == 0, result.output
    assert "line 11: unreadable timestamp 'not a time'" in result.stderr
    assert "3 unreadable rows skipped" in result.stdout


@pytest.mark.parametrize("command", [["metrics"], ["forecast", "--when", "3"],
                                     ["report", "-o", "report.html"]])
def test_team_with_a_service_is_refused_naming_team(command: list[str]) -> None:
    # A service's items carry no team, so the filter could only be ignored: refuse it
    # before opening any database.
    result = CliRunner().invoke(main, [*command, "--service", "CLM", "--team", "red"],
                                env={"FLOWDESK_DATABASE_URL": "sqlite:////nonexistent/x.db"})
    refused(result, "'--team'", "history files only")
