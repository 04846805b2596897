"""Benchmark of the read commands' start-up: wall time of `history`, `show` and `diff`, and what they import.

Creates a demo database (`policywatch demo --keep`), then runs each command RUNS times as a
fresh process, the way a user does, with bytecode caching on (PYTHONDONTWRITEBYTECODE is
removed from the environment; one warm-up run per command writes the caches). Prints the
median and p95 wall seconds of each, and which heavy packages one run of it imported
(read from ``python -X importtime``); the target is none of them (``diff`` needs rapidfuzz).

    python bench/startup.py [--runs 10] [--shop jcarpart] [--folder DIR] [--executable policywatch]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HEAVY = ("sqlalchemy", "sqlmodel", "alembic", "scrapy", "twisted", "rapidfuzz")
COMMANDS = (("history",), ("history", "--json"), ("show",), ("diff",))


def _environment() -> dict[str, str]:
    environment = dict(os.environ)
    environment.pop("PYTHONDONTWRITEBYTECODE", None)
    return environment


def make_demo(folder: Path, executable: str) -> Path:
    """The demo's config file in ``folder``, running the demo there first if it is not yet."""
    config = folder / "policywatch.toml"
    if not config.is_file():
        subprocess.run([executable, "demo", "--keep", str(folder)], check=True, env=_environment(),
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return config


def wall_times(argv: list[str], runs: int, cwd: Path) -> list[float]:
    """Wall seconds of ``runs`` runs of ``argv`` (after one warm-up run); each must succeed."""
    environment = _environment()
    subprocess.run(argv, check=True, cwd=cwd, env=environment, stdout=subprocess.DEVNULL)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(argv, check=True, cwd=cwd, env=environment, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return times


def heavy_imports(arguments: list[str], cwd: Path) -> list[str]:
    """The heavy top-level packages one run of ``policywatch ARGUMENTS`` imports."""
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "monitor.cli", *arguments],
        cwd=cwd, env=_environment(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, check=True,
    )
    names = {line.rsplit("|", 1)[-1].strip().split(".")[0] for line in result.stderr.splitlines() if "|" in line}
    return sorted(names & set(HEAVY))


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--shop", default="jcarpart")
    parser.add_argument("--folder", type=Path, help="Reuse (or create) the demo in this folder.")
    parser.add_argument("--executable", default="policywatch", help="The command to time (default: the console script).")
    args = parser.parse_args()
    executable = shutil.which(args.executable) or args.executable
    folder = args.folder or Path(tempfile.mkdtemp(prefix="policywatch-startup-")) / "demo"
    make_demo(folder, executable)
    print(f"{executable}, {args.runs} runs each, demo in {folder}")
    print(f"{'command':<32} {'median s':>9} {'p95 s':>9}  heavy imports")
    for command in COMMANDS:
        arguments = [command[0], args.shop, *command[1:]]
        times = wall_times([executable, *arguments], args.runs, folder)
        heavy = heavy_imports(arguments, folder)
        label = " ".join(arguments)
        print(f"{label:<32} {statistics.median(times):>9.3f} {p95(times):>9.3f}  {', '.join(heavy) or 'none'}")


if __name__ == "__main__":
    main()
