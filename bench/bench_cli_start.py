"""Benchmark the command line as whole processes: how soon it starts, and the metrics of a
history file from start to finish.

    python bench/bench_cli_start.py [--items 100000] [--runs 9]

Runs, in turn and `--runs` times each, `python -c pass` (the interpreter alone),
`flowdesk --help` and `flowdesk metrics --history H --workflow W` on a seeded synthetic
history of `--items` items (bench/synth_history.py, cached in the git-ignored bench/.data/).
It prints the median wall time of each next to its target, and each one's ratio to
`python -c pass` in the same run: on a busy machine every process is slower, and the ratio
says how much of a figure is the machine.

Flowdesk's modules are compiled to bytecode first, as `pip install` does for an installed
package: an editable install under PYTHONDONTWRITEBYTECODE=1 would otherwise compile some
forty modules from source on every start (`--no-compile` skips this step, and so measures
that case where no bytecode has been written yet).
"""

from __future__ import annotations

import argparse
import compileall
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from synth_history import WORKFLOW_TOML, write_history  # noqa: E402

TARGETS = {"flowdesk --help": 0.150, "flowdesk metrics --history": 0.450}


def history_files(items: int) -> tuple[Path, Path]:
    data = HERE / ".data"
    history = data / f"history-{items}.csv.gz"
    workflow = data / "workflow.toml"
    if not history.exists():
        print(f"writing {history} ...", flush=True)
        write_history(history, items)
    data.mkdir(exist_ok=True)
    workflow.write_text(WORKFLOW_TOML, encoding="utf-8")
    return history, workflow


def compile_flowdesk() -> None:
    """Write the bytecode of Flowdesk's modules, as installing the package does."""
    import flowdesk

    compileall.compile_dir(Path(flowdesk.__file__).parent, quiet=1)


def wall(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--no-compile", action="store_true",
                        help="do not compile Flowdesk's modules to bytecode first")
    args = parser.parse_args()
    if not args.no_compile:
        compile_flowdesk()
    history, workflow = history_files(args.items)
    flowdesk = str(Path(sys.executable).with_name("flowdesk"))
    commands = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "flowdesk --help": [flowdesk, "--help"],
        "flowdesk metrics --history": [flowdesk, "metrics", "--history", str(history),
                                       "--workflow", str(workflow)],
    }
    for command in commands.values():  # warm the file cache once
        wall(command)
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(args.runs):  # in turn, so a busy spell touches every command alike
        for name, command in commands.items():
            times[name].append(wall(command))
    base = statistics.median(times["python -c pass"])
    print(f"{args.items:,} items, median of {args.runs} runs, "
          f"load average {os.getloadavg()[0]:.2f}, "
          f"{'no bytecode written' if args.no_compile else 'bytecode compiled'}")
    for name, measured in times.items():
        median = statistics.median(measured)
        target = TARGETS.get(name)
        verdict = "" if target is None else (
            ("  ok" if median <= target else "  OVER") + f" (target {target:.2f} s)")
        print(f"  {name:<28} {median:6.3f} s  {median / base:5.1f}x python -c pass{verdict}")


if __name__ == "__main__":
    main()
