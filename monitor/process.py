"""Turn stored checks into versions: normalize the snapshot, compare, record.

The crawler's job ends when a check (and its snapshot) is stored; this module takes it from
there, reading the stored bytes, never a live response. It is the glue of the data flow:
each step's logic lives in its own module.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import sys
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field, replace
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Self

from monitor.compare import compare_texts
from monitor.config import Config, ShopConfig
from monitor.errors import NormalizeError
from monitor.guard import ShopHistory, guard_settings, review
from monitor.normalize import NORMALIZER_VERSION, Document, normalize
from monitor.notify_targets import version_outbox
from storage.db import Database, open_database
from storage.records import (
    NewVersion,
    Outcome,
    PendingCheck,
    StoredFinding,
    StoredVersion,
)


@dataclass(frozen=True)
class VersionEvent:
    """A version recorded by this processing run."""

    shop: str
    version_id: int
    previous_id: int | None
    material: bool
    categories: tuple[str, ...]
    technical: bool = False


@dataclass
class ProcessReport:
    checks: int = 0
    unchanged: int = 0
    failed: int = 0
    # Checks the guard held back (wrong page, collapsed text, return to an earlier text).
    held: int = 0
    versions: list[VersionEvent] = field(default_factory=list)
    problems: list[tuple[str, str]] = field(default_factory=list)

    @property
    def material_changes(self) -> int:
        return sum(1 for event in self.versions if event.material)

    def add(self, other: ProcessReport) -> None:
        """Count ``other``'s checks into this report (the reports of parallel workers)."""
        self.checks += other.checks
        self.unchanged += other.unchanged
        self.failed += other.failed
        self.held += other.held
        self.versions += other.versions
        self.problems += other.problems


def _document(database: Database, check: PendingCheck, shop: ShopConfig) -> Document:
    # The pending check carries its snapshot's blob hash, content type and final URL.
    assert check.blob_hash is not None
    return normalize(
        database.blobs.get(check.blob_hash), content_type=check.content_type, url=check.final_url,
        select=shop.select, remove=shop.remove, language=shop.language,
    )


def new_version_from(
    document: Document,
    previous: StoredVersion | None,
    *,
    snapshot_id: int | None,
    seen_at: object,
    technical: bool = False,
) -> NewVersion:
    """The version to record for ``document``, with the change from ``previous`` classified."""
    material, counts = False, {}
    categories: tuple[str, ...] = ()
    findings: tuple[StoredFinding, ...] = ()
    if previous is not None and not technical:
        report = compare_texts(previous.text, document.text, language=document.language or previous.language)
        counts = report.diff.counts()
        material = report.classification.material
        categories = tuple(report.classification.categories)
        findings = tuple(
            StoredFinding(f.category, f.change, f.entity, f.before, f.after, f.section, f.severity, f.detail)
            for f in report.classification.findings
        )
    return NewVersion(
        text=document.text,
        text_hash=document.text_hash,
        language=document.language,
        normalizer_version=NORMALIZER_VERSION,
        snapshot_id=snapshot_id,
        seen_at=seen_at,  # type: ignore[arg-type]
        technical=technical,
        material=material,
        categories=categories,
        counts=counts,
        findings=findings,
    )


def _process_check(
    database: Database, config: Config, shop: ShopConfig, check: PendingCheck, report: ProcessReport
) -> None:
    report.checks += 1
    if check.outcome == Outcome.NOT_MODIFIED:
        database.settle_check(check, "unchanged", seen=True)
        report.unchanged += 1
        return
    if check.outcome != Outcome.OK or check.snapshot_id is None or check.blob_hash is None:
        database.settle_check(check, "failed")
        report.failed += 1
        return
    # Most checks end here, on the hash alone: the texts are read only for a changed page.
    latest_hash = database.latest_text_hash(shop.name)
    if (
        latest_hash is not None
        and check.cached_normalizer_version == NORMALIZER_VERSION
        and check.cached_text_hash == latest_hash
    ):
        database.settle_check(check, "unchanged", seen=True)
        report.unchanged += 1
        return
    try:
        document = _document(database, check, shop)
    except NormalizeError as exc:
        database.settle_check(check, "unusable", detail=str(exc))
        report.problems.append((shop.name, str(exc)))
        report.failed += 1
        return
    digest = document.text_hash
    # Remembered on the snapshot in the transaction that settles the check: the next check
    # of the same body skips normalization.
    cached = (digest, NORMALIZER_VERSION)
    if latest_hash == digest:
        database.settle_check(check, "unchanged", seen=True, cached_text=cached)
        report.unchanged += 1
        return
    versions, recent = database.guard_history(shop.name, check.id)
    latest = versions[-1] if versions else None
    verdict = review(
        document,
        language=shop.language,
        history=ShopHistory(versions, recent),
        requested_url=check.url,
        final_url=check.final_url,
        settings=guard_settings(config.crawl),
    )
    if not verdict.accept:
        database.settle_check(
            check, verdict.decision, detail=verdict.detail, forget_validators=True, cached_text=cached
        )
        report.held += 1
        return
    new = new_version_from(document, latest, snapshot_id=check.snapshot_id, seen_at=check.at)
    new = replace(new, structural=verdict.structural)
    outbox = version_outbox(config, shop.name, new) if verdict.alerts else []
    version_id = database.add_version(check, shop.name, new, outbox, decision=verdict.decision, cached_text=cached)
    report.versions.append(
        VersionEvent(shop.name, version_id, latest.id if latest else None, new.material, new.categories)
    )


def drain_pending(
    database: Database,
    config: Config,
    report: ProcessReport,
    wanted: Collection[str] | None = None,
    between: Callable[[], None] = lambda: None,
    after: int | None = None,
) -> tuple[int, int | None]:
    """Process the pending checks of the wanted shops into ``report`` (only those with an id
    above ``after`` when given); returns how many, and the newest check id read (else ``after``).

    ``between`` runs after each check (a background worker looks for its parent there).
    """
    pending = database.pending_checks_of(wanted, after=after)
    done = 0
    for shop in config.shops:
        for check in pending.get(shop.name, ()):
            _process_check(database, config, shop, check, report)
            done += 1
            between()
    newest = max((checks[-1].id for checks in pending.values()), default=after)
    return done, newest


def process_pending(database: Database, config: Config, shops: Iterable[str] | None = None) -> ProcessReport:
    """Process every stored check not processed yet (all shops, or the named ones)."""
    report = ProcessReport()
    drain_pending(database, config, report, set(shops) if shops is not None else None)
    return report


def reprocess(database: Database, config: Config, shops: Iterable[str] | None = None) -> ProcessReport:
    """Re-normalize each shop's latest snapshot with the current normalizer.

    A text that differs only because the normalizer changed becomes a *technical* version:
    recorded, never classified as a change of the policy, never notified.
    """
    wanted = set(shops) if shops is not None else None
    report = ProcessReport()
    for shop in config.shops:
        if wanted is not None and shop.name not in wanted:
            continue
        latest = database.latest_version(shop.name)
        if latest is None or latest.snapshot_id is None:
            continue
        report.checks += 1
        body, content_type, url = database.snapshot_body(latest.snapshot_id)
        try:
            document = normalize(
                body, content_type=content_type, url=url, select=shop.select, remove=shop.remove,
                language=shop.language,
            )
        except NormalizeError as exc:
            report.problems.append((shop.name, str(exc)))
            continue
        if document.text_hash == latest.text_hash:
            report.unchanged += 1
            continue
        new = new_version_from(document, latest, snapshot_id=latest.snapshot_id, seen_at=latest.last_seen,
                               technical=True)
        version_id = database.add_version(None, shop.name, new)
        report.versions.append(VersionEvent(shop.name, version_id, latest.id, False, (), technical=True))
    return report


class BackgroundProcessing:
    """Process checks in forked worker processes while a crawl stores them, then drain the rest.

    The crawl keeps one core busy; the workers use the others, so most checks are processed
    by the time the last page arrives. Each worker owns a fixed share of the shops, so no
    check is ever processed twice. Workers are forked inside the caller's pass lock, which
    the caller holds until they have finished; they exit at once when the caller dies, so a
    killed pass leaves no worker behind. Every check is settled in its own transaction, and
    the next pass continues with what is still pending.

        with BackgroundProcessing(config) as background:
            run_pass(...)
            report = background.finish()
    """

    def __init__(self, config: Config, workers: int | None = None) -> None:
        self.config = config
        self.workers = max(1, workers or os.cpu_count() or 1)
        self._running: list[tuple[BaseProcess, Connection]] = []

    def __enter__(self) -> Self:
        context = multiprocessing.get_context("fork")
        for part in range(self.workers):
            mine, theirs = context.Pipe()
            worker = context.Process(
                target=_work, args=(self.config, part, self.workers, theirs, mine), daemon=True
            )
            worker.start()
            theirs.close()
            self._running.append((worker, mine))
        return self

    @property
    def pids(self) -> list[int]:
        """Process ids of the running workers."""
        return [worker.pid for worker, _ in self._running if worker.pid is not None]

    def finish(self) -> ProcessReport:
        """Let the workers process every check still pending, and return their joint report."""
        report = ProcessReport()
        failure: BaseException | None = None
        for _, connection in self._running:
            # A worker that has already exited cannot be told; what it sent before is read below.
            with contextlib.suppress(OSError):
                connection.send(_FINISH)
        for worker, connection in self._running:
            try:
                kind, value = connection.recv()
            except EOFError:
                kind, value = "error", RuntimeError(f"a processing worker died (exit code {worker.exitcode})")
            worker.join()
            if kind == "error":
                failure = failure or value
            else:
                report.add(value)
        self._running = []
        if failure is not None:
            raise failure
        return report

    def __exit__(self, *exc_info: object) -> None:
        # Left without ``finish`` (the crawl failed): stop after the current check; what is
        # still pending is processed by the next pass.
        for worker, connection in self._running:
            connection.close()
            worker.join()
        self._running = []


_FINISH = "finish"
# How long an idle worker waits for new checks before it looks again.
_IDLE_SECONDS = 0.1


def _work(config: Config, part: int, parts: int, commands: Connection, parents_end: Connection) -> None:
    parents_end.close()  # else the pipe never reports the parent's death
    _die_with_parent()
    # Ctrl-C reaches the whole process group: the crawl stops gracefully, then calls finish.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    finishing = False

    def between() -> None:
        nonlocal finishing
        try:
            while commands.poll():
                finishing = commands.recv() == _FINISH or finishing
        except (EOFError, OSError):
            os._exit(1)  # the parent is gone: stop now, the next pass continues from here

    try:
        database = open_database(config.database_url, config.blobs_path, upgrade=False)
        wanted = {shop.name for index, shop in enumerate(config.shops) if index % parts == part}
        report = ProcessReport()
        newest: int | None = None
        while True:
            # While the crawl stores checks, only those stored since the last look are read
            # (checks get ever larger ids). Once finishing, every look reads all that is
            # pending, and only such a look ends the work: none is missed, whatever order
            # the checks were committed in.
            whole = finishing
            busy, newest = drain_pending(database, config, report, wanted, between, after=None if whole else newest)
            between()
            if whole and not busy:
                break
            if not busy and not finishing:
                commands.poll(_IDLE_SECONDS)
        database.engine.dispose()
        commands.send(("report", report))
    except BaseException as exc:  # handed to the parent, which raises it
        try:
            commands.send(("error", exc))
        except Exception:  # an exception that cannot be pickled: its one line still is
            commands.send(("error", RuntimeError(f"{type(exc).__name__}: {exc}")))


def _die_with_parent() -> None:
    """On Linux, have the kernel kill this worker when its parent dies (even by ``kill -9``)."""
    if sys.platform != "linux":
        return
    import ctypes

    ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


_PR_SET_PDEATHSIG = 1
