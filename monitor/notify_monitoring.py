"""Monitoring alerts: stored checks → problem states (page gone, unreachable, ...) → outbox rows.

Separate from change alerts: a problem is announced once when it starts and once when it
ends, never on every run. It starts when a shop's last N checks all show it and ends at the
first check that does not, so a single flaky fetch neither starts nor ends one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from monitor.config import Config
from monitor.notify_targets import targets, wants_monitoring
from storage.db import Database
from storage.lock import pass_lock
from storage.outbox import CheckSummary, Outbox, OutboxEntry, ProblemState

_GONE_STATUSES = (404, 410)
_NETWORK_FAILURES = ("timeout", "dns_error", "refused", "truncated", "redirect_loop", "error")


@dataclass(frozen=True)
class ProblemChange:
    shop: str
    problem: str
    started: bool
    detail: str


def _gone(check: CheckSummary) -> bool:
    return check.outcome == "http_error" and check.status in _GONE_STATUSES


def _unreachable(check: CheckSummary) -> bool:
    return check.outcome in _NETWORK_FAILURES or (check.outcome == "http_error" and not _gone(check))


def _unusable(check: CheckSummary) -> bool:
    return check.outcome == "empty" or check.decision == "unusable"


def _held(check: CheckSummary) -> bool:
    # A flap is the page alternating between known texts, not a page that looks wrong.
    return (check.decision or "").startswith("held:") and check.decision != "held:flap"


def _comparable(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return (parts.hostname or "").removeprefix("www."), parts.path.rstrip("/") or "/"


def _redirected(check: CheckSummary) -> bool:
    # http→https and "www." or a trailing slash are the same page; another host or path is not.
    return bool(check.url and check.final_url) and _comparable(check.url or "") != _comparable(check.final_url or "")


@dataclass(frozen=True)
class Problem:
    name: str
    checks: int  # consecutive checks that must show it before it starts
    shows: Callable[[CheckSummary], bool]
    describe: Callable[[CheckSummary, int], str]


PROBLEMS = (
    Problem("gone", 3, _gone, lambda c, n: f"the policy page is gone (HTTP {c.status} for {n} checks)"),
    Problem("unreachable", 3, _unreachable,
            lambda c, n: f"the shop is unreachable ({c.outcome}{f' {c.status}' if c.status else ''} "
                         f"for {n} consecutive checks)"),
    Problem("unusable", 2, _unusable,
            lambda c, n: f"the page cannot be used as the policy ({c.detail or c.outcome}) for {n} checks"),
    Problem("redirected", 2, _redirected, lambda c, n: f"the policy page redirects to {c.final_url}"),
    Problem("held", 2, _held, lambda c, n: f"the fetched page is held, not recorded ({c.detail or c.decision}) "
                                           f"for {n} checks"),
)


def _transition(problem: Problem, checks: Sequence[CheckSummary], state: ProblemState | None) -> bool | None:
    """True when the problem starts, False when it ends, None when nothing changes."""
    active = state is not None and state.active
    if not checks:
        return None
    if not active and len(checks) >= problem.checks and all(problem.shows(c) for c in checks[: problem.checks]):
        return True
    if active and not problem.shows(checks[0]):
        return False
    return None


def record_monitoring(database: Database, config: Config, *, now: datetime) -> list[ProblemChange]:
    """Compare each shop's recent checks with its problem states; record and enqueue the changes."""
    outbox = Outbox(database)
    depth = max(problem.checks for problem in PROBLEMS)
    changes: list[ProblemChange] = []
    with pass_lock(database):
        inputs = outbox.monitoring_inputs([shop.name for shop in config.shops], depth)
        for shop in config.shops:
            checks, states = inputs[shop.name]
            for problem in PROBLEMS:
                started = _transition(problem, checks, states.get(problem.name))
                if started is None:
                    continue
                latest = checks[0]
                detail = problem.describe(latest, problem.checks) if started else states[problem.name].detail
                entries = [
                    OutboxEntry(target.key)
                    for target in targets(config)
                    if wants_monitoring(target.config, shop.name)
                ]
                state = ProblemState(shop.name, problem.name, started, latest.id, latest.at, detail)
                event = f"monitoring:{problem.name}:{'start' if started else 'end'}:{latest.id}"
                outbox.change_problem(state, entries, event=event, now=now)
                changes.append(ProblemChange(shop.name, problem.name, started, detail))
    return changes
