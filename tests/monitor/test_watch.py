"""The watch loop: one pass when due, sleeps between, survives crashed passes, stops cleanly."""

from __future__ import annotations

import os
import signal
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from monitor.config import parse_config
from monitor.schedule import jitter
from monitor.watch import Watch, child_pass

START = datetime(2025, 3, 3, 12, 0, tzinfo=UTC)


class FakeTime:
    """A clock that moves only when the loop waits, and a schedule that a pass updates."""

    def __init__(self) -> None:
        self.now = START
        self.checks: dict[str, datetime] = {}
        self.passes: list[datetime] = []

    def wait(self, seconds: float) -> bool:
        self.now += timedelta(seconds=seconds)
        return False

    def crawl(self) -> int:
        self.passes.append(self.now)
        self.checks = {"alpha": self.now, "beta": self.now}
        return 0


def config(tmp_path: Path):  # type: ignore[no-untyped-def]
    text = """
[crawl]
interval = "6h"
[[shops]]
name = "alpha"
url = "https://alpha.example/privacy"
[[shops]]
name = "beta"
url = "https://beta.example/privacy"
interval = "12h"
"""
    return parse_config(text, tmp_path / "policywatch.toml")


def test_passes_run_when_shops_come_due_and_not_before(tmp_path: Path) -> None:
    fake = FakeTime()
    loop = Watch(config(tmp_path), last_checks=lambda: fake.checks, run_pass=fake.crawl,
                 now=lambda: fake.now, wait=fake.wait)
    loop.run(max_passes=3)
    gap = timedelta(hours=6) + jitter("alpha", timedelta(hours=6))
    assert fake.passes == [START, START + gap, START + 2 * gap]


def test_a_crashed_pass_is_counted_and_the_loop_goes_on(tmp_path: Path) -> None:
    fake = FakeTime()
    outcomes = iter([-9, 0])

    def crashing() -> int:
        status = next(outcomes)
        if status == 0:
            fake.crawl()
        return status

    loop = Watch(config(tmp_path), last_checks=lambda: fake.checks, run_pass=crashing,
                 now=lambda: fake.now, wait=fake.wait)
    report = loop.run(max_passes=2)
    assert (report.passes, report.failed) == (2, 1)


def test_sigterm_during_a_pass_lets_it_finish_then_stops(tmp_path: Path) -> None:
    fake = FakeTime()
    finished = []

    def pass_interrupted_by_sigterm() -> int:
        os.kill(os.getpid(), signal.SIGTERM)
        finished.append(fake.crawl())
        return 0

    loop = Watch(config(tmp_path), last_checks=lambda: fake.checks, run_pass=pass_interrupted_by_sigterm,
                 now=lambda: fake.now, wait=fake.wait)
    previous = signal.signal(signal.SIGTERM, loop.stop)
    try:
        report = loop.run(max_passes=5)
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert report.passes == 1 and finished == [0]


def test_a_child_killed_by_a_signal_reports_it_as_a_failed_status() -> None:
    crash = child_pass([sys.executable, "-c", "import os, signal; os.kill(os.getpid(), signal.SIGKILL)"])
    ok = child_pass([sys.executable, "-c", "pass"])
    assert (crash(), ok()) == (-signal.SIGKILL, 0)


def test_an_edited_config_is_read_again_and_a_broken_edit_keeps_the_last_good_one(tmp_path: Path) -> None:
    from monitor.watch import config_file_reloader

    path = tmp_path / "policywatch.toml"
    path.write_text('[[shops]]\nname = "alpha"\nurl = "https://alpha.example/privacy"\n')
    first = parse_config(path.read_text(), path)
    reload = config_file_reloader(path)
    assert reload(first) is first
    path.write_text(path.read_text() + '[[shops]]\nname = "beta"\nurl = "https://beta.example/privacy"\n')
    os.utime(path, ns=(1, 1))
    second = reload(first)
    assert [shop.name for shop in second.shops] == ["alpha", "beta"]
    path.write_text("[[shops]]\nname = 3\n")
    os.utime(path, ns=(2, 2))
    assert reload(second) is second


def test_the_loop_schedules_with_the_config_it_reloads(tmp_path: Path) -> None:
    fake = FakeTime()
    one_shop = parse_config('[[shops]]\nname = "alpha"\nurl = "https://alpha.example/privacy"\n', tmp_path / "c.toml")
    loop = Watch(one_shop, last_checks=lambda: fake.checks, run_pass=fake.crawl,
                 now=lambda: fake.now, wait=fake.wait, reload=lambda _: config(tmp_path))
    loop.run(max_passes=1)
    assert [shop.name for shop in loop.config.shops] == ["alpha", "beta"]
