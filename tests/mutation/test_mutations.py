"""The mutation checks (`run.py`) pass: removing any safety mechanism makes its tests fail."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

RUN = Path(__file__).with_name("run.py")


def load_run() -> ModuleType:
    spec = importlib.util.spec_from_file_location("mutation_run", RUN)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


def test_every_mutation_finds_its_text_exactly_once_in_the_source() -> None:
    run = load_run()
    for mutation in run.MUTATIONS:
        text = (run.ROOT / "src" / mutation.path).read_text(encoding="utf-8")
        assert text.count(mutation.old) == 1, mutation.name
        assert mutation.tests, mutation.name


def test_a_mutation_whose_text_is_missing_stops_the_script(tmp_path: Path) -> None:
    run = load_run()
    src = run.copy_source(tmp_path)
    gone = run.Mutation("gone", "flowdesk/services/items.py", "no such text\n", "", ("x",))
    with pytest.raises(run.MutationError, match="occurs 0 times"):
        run.apply(gone, src)


@pytest.mark.slow
@pytest.mark.timeout(1_200)
def test_every_mutation_of_a_safety_mechanism_is_caught_by_the_tests() -> None:
    done = subprocess.run([sys.executable, str(RUN)], capture_output=True, text=True,
                          timeout=1_100, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "SURVIVED" not in done.stdout
