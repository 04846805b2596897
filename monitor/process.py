"""Turn stored checks into versions: normalize the snapshot, compare, record.

The crawler's job ends when a check (and its snapshot) is stored; this module takes it from
there, reading the stored bytes, never a live response. It is the glue of the data flow:
each step's logic lives in its own module.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from monitor.compare import compare_texts
from monitor.config import Config, ShopConfig
from monitor.errors import NormalizeError
from monitor.guard import ShopHistory, guard_settings, review
from monitor.normalize import NORMALIZER_VERSION, Document, normalize, text_hash
from monitor.notify_targets import version_outbox
from storage.db import Database
from storage.records import NewVersion, Outcome, PendingCheck, StoredFinding, StoredVersion


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


def _document(database: Database, check: PendingCheck, shop: ShopConfig) -> Document:
    assert check.snapshot_id is not None
    body, content_type, url = database.snapshot_body(check.snapshot_id)
    return normalize(
        body, content_type=content_type, url=url, select=shop.select, remove=shop.remove, language=shop.language
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
        text_hash=text_hash(document.text),
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
    if check.outcome != Outcome.OK or check.snapshot_id is None:
        database.settle_check(check, "failed")
        report.failed += 1
        return
    latest = database.latest_version(shop.name)
    if (
        latest is not None
        and check.cached_normalizer_version == NORMALIZER_VERSION
        and check.cached_text_hash == latest.text_hash
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
    digest = text_hash(document.text)
    database.cache_text_hash(check.snapshot_id, digest, NORMALIZER_VERSION)
    if latest is not None and latest.text_hash == digest:
        database.settle_check(check, "unchanged", seen=True)
        report.unchanged += 1
        return
    verdict = review(
        document,
        language=shop.language,
        history=ShopHistory(database.versions(shop.name), database.settled_checks(shop.name, check.id)),
        requested_url=check.url,
        final_url=check.final_url,
        settings=guard_settings(config.crawl),
    )
    if not verdict.accept:
        database.settle_check(check, verdict.decision, detail=verdict.detail, forget_validators=True)
        report.held += 1
        return
    new = new_version_from(document, latest, snapshot_id=check.snapshot_id, seen_at=check.at)
    new = replace(new, structural=verdict.structural)
    outbox = version_outbox(config, shop.name, new) if verdict.alerts else []
    version_id = database.add_version(check, shop.name, new, outbox, decision=verdict.decision)
    report.versions.append(
        VersionEvent(shop.name, version_id, latest.id if latest else None, new.material, new.categories)
    )


def process_pending(database: Database, config: Config, shops: Iterable[str] | None = None) -> ProcessReport:
    """Process every stored check not processed yet (all shops, or the named ones)."""
    wanted = set(shops) if shops is not None else None
    report = ProcessReport()
    for shop in config.shops:
        if wanted is not None and shop.name not in wanted:
            continue
        for check in database.pending_checks(shop.name):
            _process_check(database, config, shop, check, report)
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
        if text_hash(document.text) == latest.text_hash:
            report.unchanged += 1
            continue
        new = new_version_from(document, latest, snapshot_id=latest.snapshot_id, seen_at=latest.last_seen,
                               technical=True)
        version_id = database.add_version(None, shop.name, new)
        report.versions.append(VersionEvent(shop.name, version_id, latest.id, False, (), technical=True))
    return report
