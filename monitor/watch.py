"""The long-running scheduler: sleep until a shop is due, run one crawl pass, repeat.

Each pass runs as a child process (``policywatch crawl``), one at a time: a Twisted reactor
cannot be restarted inside one process, and a crash or leak in a pass must not take the
daemon down. SIGTERM/SIGINT let the running pass finish, then the loop exits. An edited
config file is read again before the next wait (each pass reads it anyway); a broken edit is
reported and the last good config kept.
"""

from __future__ import annotations

import logging
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from monitor.config import Config, load_config
from monitor.errors import ConfigError
from monitor.schedule import next_due

log = logging.getLogger("policywatch.watch")

# Sleep at most this long at once, so that a changed schedule (a shop checked by a `crawl`
# run from elsewhere) is noticed.
_LONGEST_SLEEP = timedelta(minutes=15)
# After a pass that failed or left a shop still due, wait before the next one instead of
# looping on a shop that cannot be checked.
_PAUSE_AFTER_BAD_PASS = timedelta(minutes=1)

PassRunner = Callable[[], int]
# Returns the config to schedule with now: the last one, or a new one read from disk.
ConfigSource = Callable[[Config], Config]


@dataclass(frozen=True)
class WatchReport:
    passes: int
    failed: int


def crawl_command(config_path: Path) -> list[str]:
    return [sys.executable, "-m", "monitor.cli", "crawl", "--config", str(config_path)]


def child_pass(command: Sequence[str]) -> PassRunner:
    """A pass runner that runs ``command`` as a child process and returns its exit status.

    The child gets its own session, so a Ctrl-C in the terminal reaches only the daemon,
    which then lets the child finish its pass.
    """

    def run() -> int:
        return subprocess.run(list(command), start_new_session=True, check=False).returncode

    return run


def config_file_reloader(path: Path) -> ConfigSource:
    """A ``ConfigSource`` that reads ``path`` again whenever its modification time changes.

    A config that no longer validates is logged in one line and the last good one kept (the
    pass run with it exits 2 and is counted as failed, so the mistake shows either way).
    """
    seen = _modified(path)

    def reload(current: Config) -> Config:
        nonlocal seen
        modified = _modified(path)
        if modified == seen:
            return current
        seen = modified
        try:
            config = load_config(path)
        except ConfigError as exc:
            log.error("config not reloaded: %s", exc)
            return current
        log.warning("config reloaded from %s", path)
        return config

    return reload


def _modified(path: Path) -> int | None:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return None


def _utc_now() -> datetime:
    return datetime.now(UTC)


class Watch:
    """The scheduler loop; time, waiting, the schedule source and the pass runner are injected."""

    def __init__(
        self,
        config: Config,
        *,
        last_checks: Callable[[], Mapping[str, datetime]],
        run_pass: PassRunner,
        now: Callable[[], datetime] = _utc_now,
        wait: Callable[[float], bool] | None = None,
        reload: ConfigSource = lambda config: config,
    ) -> None:
        self.config = config
        self.reload = reload
        self.last_checks = last_checks
        self.run_pass = run_pass
        self.now = now
        self.stopping = threading.Event()
        # Waiting returns True when a stop was requested during the wait.
        self.wait = wait or self.stopping.wait

    def stop(self, *_signal: object) -> None:
        if not self.stopping.is_set():
            log.warning("stopping after the current pass")
        self.stopping.set()

    def _next_due(self) -> datetime | None:
        return next_due(self.config.shops, self.last_checks(), self.now(), self.config.crawl.interval)

    def run(self, *, max_passes: int | None = None) -> WatchReport:
        """Run passes as shops come due until stopped (or ``max_passes`` have run)."""
        passes = failed = 0
        while not self.stopping.is_set():
            self.config = self.reload(self.config)
            due = self._next_due()
            if due is None:
                log.warning("no shops in the config; nothing to watch")
                break
            delay = due - self.now()
            if delay > timedelta(0):
                if self.wait(min(delay, _LONGEST_SLEEP).total_seconds()):
                    break
                continue
            status = self.run_pass()
            passes += 1
            if status != 0:
                failed += 1
                # A negative status is the signal that killed the child (-9: SIGKILL).
                log.error("crawl pass failed with exit status %s; continuing", status)
            if max_passes is not None and passes >= max_passes:
                break
            still_due = (self._next_due() or self.now()) <= self.now()
            if (status != 0 or still_due) and self.wait(_PAUSE_AFTER_BAD_PASS.total_seconds()):
                break
        return WatchReport(passes, failed)


def watch(config: Config, *, run_pass: PassRunner | None = None) -> WatchReport:
    """``policywatch watch``: run until SIGTERM/SIGINT, each pass a ``policywatch crawl`` child."""
    from monitor.database import open_configured_database

    database = open_configured_database(config)
    loop = Watch(config, last_checks=database.last_checks,
                 run_pass=run_pass or child_pass(crawl_command(config.source)),
                 reload=config_file_reloader(config.source))
    previous = {sig: signal.signal(sig, loop.stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        return loop.run()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        database.engine.dispose()
