"""Read a shop's stored history: resolve version references, diff two versions, import files.

The library behind ``history``, ``show``, ``diff`` and ``import``; no Scrapy, no network.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING

from monitor.decisions import FLAP_DECISIONS, HELD_PREFIX
from monitor.errors import UsageError
from storage.records import StoredVersion

if TYPE_CHECKING:
    from monitor.compare import ChangeReport
    from storage.db import Database
    from storage.reader import HistorySource

@dataclass(frozen=True)
class ShopHistory:
    """What ``history`` shows: the versions, the held checks by decision, the flap count."""

    shop: str
    versions: list[StoredVersion]
    held: dict[str, int]
    flaps: int


@dataclass(frozen=True)
class VersionDiff:
    old: StoredVersion
    new: StoredVersion
    report: ChangeReport


def parse_when(value: str) -> datetime:
    """An ISO 8601 date or datetime; a bare date means the end of that day (UTC)."""
    text = value.strip()
    try:
        if len(text) == 10:
            day = datetime.fromisoformat(text).date()
            return datetime.combine(day, time.max, tzinfo=UTC)
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(f"not a version id or an ISO 8601 date: {value!r}") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _known_shop(database: HistorySource, shop: str) -> None:
    if shop not in database.shop_names():
        raise UsageError(f"unknown shop {shop!r} (see 'policywatch shops')")


def resolve_version(database: HistorySource, shop: str, ref: str | None) -> StoredVersion:
    """A version by id, by date (the version current then), or the latest when ``ref`` is None."""
    _known_shop(database, shop)
    if ref is None:
        version = database.latest_version(shop)
        if version is None:
            raise UsageError(f"shop {shop!r} has no versions yet")
        return version
    if ref.isdigit():
        version = database.version(shop, int(ref))
        if version is None:
            raise UsageError(f"shop {shop!r} has no version {ref}")
        return version
    when = parse_when(ref)
    version = database.version_at(shop, when)
    if version is None:
        raise UsageError(f"shop {shop!r} had no version yet at {when.isoformat()}")
    return version


def versions(database: HistorySource, shop: str) -> list[StoredVersion]:
    _known_shop(database, shop)
    return database.versions(shop)


def flap_count(database: HistorySource, shop: str) -> int:
    """How many of the shop's checks returned to an earlier text (held or accepted)."""
    return _flaps(database.decision_counts(shop))


def shop_history(database: HistorySource, shop: str) -> ShopHistory:
    """The versions of ``shop``, oldest first, with its held checks and flaps."""
    found = versions(database, shop)
    counts = database.decision_counts(shop)
    held = {decision: count for decision, count in counts.items() if decision.startswith(HELD_PREFIX)}
    return ShopHistory(shop, found, held, _flaps(counts))


def _flaps(decision_counts: dict[str, int]) -> int:
    return sum(decision_counts.get(decision, 0) for decision in FLAP_DECISIONS)


def diff_versions(database: HistorySource, shop: str, old_ref: str | None, new_ref: str | None) -> VersionDiff:
    """The change between two versions; by default the last change (previous → latest)."""
    from monitor.compare import compare_texts

    _known_shop(database, shop)
    old = resolve_version(database, shop, old_ref) if old_ref is not None else None
    new = resolve_version(database, shop, new_ref)
    if old is None:
        earlier = [version for version in database.versions(shop) if version.id < new.id]
        if not earlier:
            raise UsageError(f"shop {shop!r} has no version before {new.id} to compare with")
        old = earlier[-1]
    report = compare_texts(old.text, new.text, language=new.language or old.language)
    return VersionDiff(old, new, report)


def import_file(
    database: Database, shop: str, path: Path, *, at: datetime | None, language: str | None = None
) -> StoredVersion | None:
    """Record a local file as a version of ``shop`` (for backfilling); None when unchanged."""
    from monitor.normalize import normalize_file
    from monitor.process import new_version_from

    _known_shop(database, shop)
    if not path.is_file():
        raise UsageError(f"{path}: no such file")
    document = normalize_file(path, language=language)
    seen_at = at or datetime.now(UTC)
    previous = database.version_at(shop, seen_at)
    if previous is not None and previous.text_hash == document.text_hash:
        return None
    later = [version for version in database.versions(shop) if version.first_seen > seen_at]
    if later:
        raise UsageError(
            f"shop {shop!r} already has versions after {seen_at.isoformat()}; import history oldest first"
        )
    version_id = database.add_version(None, shop, new_version_from(document, previous, snapshot_id=None, seen_at=seen_at))
    return database.version(shop, version_id)


def import_time(value: str | None) -> datetime | None:
    """``--at`` for import: a date or datetime; a bare date is that day at 00:00 UTC."""
    if value is None:
        return None
    moment = parse_when(value)
    if len(value.strip()) == 10:
        moment = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    return moment
