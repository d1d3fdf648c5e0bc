"""Mutation checks: remove a safety mechanism from a copy of the source and make sure the tests
that guard it fail.

    python tests/mutation/run.py [--no-baseline] [NAME ...]

For each mutation the script copies `src/` to a temporary folder, replaces one exact piece of
text (it stops at once when the text is not there exactly once, so it can never test an
unmutated copy by mistake), checks that Python imports `flowdesk` from the copy, and runs the
tests that should catch it (`pytest -x -q`, PYTHONPATH=<copy>/src). A mutation is `caught`
when those tests fail and SURVIVED when they pass. First the same tests run on an unmutated
copy (the baseline): a failure there would make every mutation look caught.

The locks are PostgreSQL's: without FLOWDESK_TEST_DATABASE_URL those mutations cannot be
checked, which is reported, and is a failure when FLOWDESK_REQUIRE_POSTGRES=1. The exit status
is non-zero when any mutation survived or could not be checked when it had to be.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SAFETY = "tests/safety"
RACES = f"{SAFETY}/test_wip_races.py"
TIMEOUT = 300  # seconds for one pytest run: a hung run is a failure of the script


@dataclass(frozen=True)
class Mutation:
    name: str
    path: str  # under src/
    old: str
    new: str
    tests: tuple[str, ...]  # pytest node ids
    needs_postgres: bool = False


MUTATIONS = (
    Mutation(
        "stage-lock", "flowdesk/services/items.py",
        "    if _stages_to_count(service, to_stage):\n"
        "        repo.lock_stage(conn, to_stage.id)\n",
        "    if _stages_to_count(service, to_stage):\n"
        "        pass  # mutation: no stage lock\n",
        (f"{RACES}::test_pulls_into_a_stage_with_limit_five_land_exactly_five_with_no_service_"
         "wide_limit[postgres]",),
        needs_postgres=True,
    ),
    Mutation(
        "service-lock", "flowdesk/services/items.py",
        "    if service_wide:\n"
        "        service = repo.load_service(conn, service.id, lock=True)\n",
        "    if service_wide:\n"
        "        service = repo.load_service(conn, service.id, lock=False)  # mutation\n",
        (f"{RACES}::test_pulls_under_a_class_of_service_limit_of_five_land_exactly_five"
         "[postgres]",
         f"{RACES}::test_pulls_into_two_stages_under_a_conwip_limit_of_five_land_exactly_five"
         "[postgres]"),
        needs_postgres=True,
    ),
    Mutation(
        "begin-deferred", "flowdesk/storage/db.py",
        '        mode = "IMMEDIATE" if conn.get_execution_options().get("flowdesk_write") '
        'else "DEFERRED"\n',
        '        mode = "DEFERRED"  # mutation: writers no longer take the lock at BEGIN\n',
        (f"{RACES}::test_pulls_from_several_processes_into_one_sqlite_file_land_exactly_five",),
    ),
    Mutation(
        "if-match", "flowdesk/services/items.py",
        "        authorize(actor, move_action(from_stage, to_stage, transition), service.id)\n"
        "        item.check_version(cmd.expected_version)\n",
        "        authorize(actor, move_action(from_stage, to_stage, transition), service.id)\n",
        (f"{SAFETY}/test_guards.py::test_a_move_sent_with_an_old_version_is_refused_as_stale_"
         "and_changes_nothing[sqlite]",
         f"{SAFETY}/test_guards.py::test_a_move_through_the_api_with_an_old_if_match_gets_412"
         "[sqlite]",
         "tests/storage/test_storage_races.py::test_a_move_with_a_version_that_loses_a_race_"
         "is_stale[sqlite]"),
    ),
    Mutation(
        "idempotency-lookup", "flowdesk/services/items.py",
        "            first = idempotency.find_key(conn, service_id, cmd.idempotency_key)\n",
        "            first = None  # mutation: the key is never looked up\n",
        (f"{SAFETY}/test_guards.py::test_a_create_sent_again_with_its_idempotency_key_returns_"
         "the_first_item_and_writes_nothing[sqlite]",
         "tests/storage/test_storage_races.py::test_the_same_idempotency_key_from_ten_threads_"
         "at_once_creates_one_item[sqlite]"),
    ),
)


class MutationError(Exception):
    """The script cannot do what it was asked: never reported as a caught mutation."""


def copy_source(into: Path) -> Path:
    src = into / "src"
    shutil.copytree(ROOT / "src", src, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return src


def apply(mutation: Mutation, src: Path) -> None:
    path = src / mutation.path
    text = path.read_text(encoding="utf-8")
    found = text.count(mutation.old)
    if found != 1:
        raise MutationError(f"{mutation.name}: the text to replace occurs {found} times in "
                            f"{mutation.path}, not once; update the mutation")
    path.write_text(text.replace(mutation.old, mutation.new), encoding="utf-8")


def environment(src: Path) -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(src)}
    env.pop("PYTEST_ADDOPTS", None)
    return env


def check_imports_from(src: Path) -> None:
    """The copy, not an installed Flowdesk, is what the tests will import."""
    where = subprocess.run(
        [sys.executable, "-c", "import flowdesk; print(flowdesk.__file__)"],
        env=environment(src), capture_output=True, text=True, check=True, cwd=ROOT,
    ).stdout.strip()
    if not Path(where).resolve().is_relative_to(src.resolve()):
        raise MutationError(f"the tests would import flowdesk from {where}, not from {src}")


def run_tests(src: Path, tests: tuple[str, ...]) -> tuple[int, str]:
    """pytest's exit status and the tail of its output."""
    command = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *tests]
    try:
        done = subprocess.run(command, env=environment(src), cwd=ROOT, capture_output=True,
                              text=True, timeout=TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        return -1, f"timed out after {TIMEOUT} s"
    return done.returncode, summary(done.stdout + done.stderr)


def summary(output: str) -> str:
    """The failed tests, their first error lines and pytest's last line, each cut short."""
    lines = output.strip().splitlines()
    failed = [line for line in lines if line.startswith("FAILED")]
    errors = [line for line in lines if line.startswith("E ")][:3]
    return "\n".join(line[:160] for line in [*failed, *errors, *lines[-1:]])


def outcome(status: int) -> str:
    """What a pytest exit status says about a mutation (1: a test failed)."""
    if status == 0:
        return "SURVIVED"
    if status == 1:
        return "caught"
    raise MutationError(f"pytest could not run the tests (exit status {status})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", help="mutations to check (default: all)")
    parser.add_argument("--no-baseline", action="store_true",
                        help="skip running the tests on an unmutated copy first")
    args = parser.parse_args(argv)
    chosen = [m for m in MUTATIONS if not args.names or m.name in args.names]
    unknown = set(args.names) - {m.name for m in MUTATIONS}
    if unknown:
        parser.error(f"no mutation named {', '.join(sorted(unknown))}")
    has_postgres = bool(os.environ.get("FLOWDESK_TEST_DATABASE_URL"))
    must_check_all = os.environ.get("FLOWDESK_REQUIRE_POSTGRES") == "1"
    unchecked = [m for m in chosen if m.needs_postgres and not has_postgres]
    for m in unchecked:
        print(f"{m.name}: cannot be checked without PostgreSQL (FLOWDESK_TEST_DATABASE_URL)")
    runnable = [m for m in chosen if m not in unchecked]
    results: dict[str, str] = {}
    try:
        if not args.no_baseline and runnable:
            with tempfile.TemporaryDirectory(prefix="flowdesk-baseline-") as tmp:
                src = copy_source(Path(tmp))
                check_imports_from(src)
                tests = tuple(dict.fromkeys(t for m in runnable for t in m.tests))
                status, tail = run_tests(src, tests)
                if status != 0:
                    print(f"baseline: the tests fail WITHOUT any mutation:\n{tail}")
                    return 2
                print(f"baseline: {len(tests)} tests pass on the unmutated source")
        for m in runnable:
            started = time.monotonic()
            with tempfile.TemporaryDirectory(prefix=f"flowdesk-{m.name}-") as tmp:
                src = copy_source(Path(tmp))
                apply(m, src)
                check_imports_from(src)
                status, tail = run_tests(src, m.tests)
            results[m.name] = outcome(status)
            print(f"{m.name}: {results[m.name]} ({time.monotonic() - started:.0f} s)")
            print("    " + tail.replace("\n", "\n    "))
    except MutationError as exc:
        print(f"error: {exc}")
        return 2
    survived = [name for name, result in results.items() if result == "SURVIVED"]
    if survived:
        print(f"SURVIVED: {', '.join(survived)}: the tests stay green without these guards")
        return 1
    if unchecked and must_check_all:
        print("FLOWDESK_REQUIRE_POSTGRES=1 but the lock mutations could not be checked")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
