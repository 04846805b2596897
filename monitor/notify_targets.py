"""The configured ``[[notify]]`` targets: stable keys, filters, digest periods, Apprise objects.

Used when a version is recorded (which targets are owed an alert: ``outbox_entries``) and when
alerts are sent. A target is known in the database only by ``target_key``, a hash of its
expanded URL; it is shown only in Apprise's privacy form.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import TYPE_CHECKING

from monitor.config import Config, NotifyConfig
from monitor.errors import NotifyError
from storage.outbox import OutboxEntry
from storage.records import NewVersion, StoredFinding

if TYPE_CHECKING:
    from apprise import AppriseAsset
    from apprise.plugins.base import NotifyBase

    from monitor.message import Format

MONITORING = "monitoring"
# The lowest Finding.severity (monitor.classify's 0-100 scale) each ``min_severity`` keeps:
# "high" keeps the core categories (processor, transfer, retention), "medium" adds
# data collected, purposes and sharing.
SEVERITY_FLOOR = {"low": 0, "medium": 50, "high": 80}


@dataclass(frozen=True)
class Target:
    index: int
    key: str
    config: NotifyConfig


def target_key(url: str) -> str:
    """A stable key for a target URL that reveals nothing of it (the URL may hold secrets)."""
    return hashlib.sha256(url.encode("utf-8")).hexdigest()[:32]


def targets(config: Config) -> list[Target]:
    return [Target(index, target_key(target.url), target) for index, target in enumerate(config.notify)]


def wants_shop(target: NotifyConfig, shop: str) -> bool:
    return target.shops is None or shop in target.shops


def wants_monitoring(target: NotifyConfig, shop: str) -> bool:
    return wants_shop(target, shop) and (target.categories is None or MONITORING in target.categories)


def matching_findings(target: NotifyConfig, findings: Sequence[StoredFinding]) -> list[StoredFinding]:
    """The findings this target is to hear of: its categories, at or above its minimum severity."""
    floor = SEVERITY_FLOOR[target.min_severity]
    return [
        finding
        for finding in findings
        if (target.categories is None or finding.category in target.categories)
        and finding.severity >= floor
    ]


def wants_change(target: NotifyConfig, shop: str, categories: Sequence[str], findings: Sequence[StoredFinding]) -> bool:
    if not wants_shop(target, shop):
        return False
    if findings:
        return bool(matching_findings(target, findings))
    # A material change without stored findings: only the category filter can apply.
    return target.min_severity == "low" and (
        target.categories is None or any(category in target.categories for category in categories)
    )


def period_end(digest: str, at: datetime) -> datetime | None:
    """When the digest period holding ``at`` ends (UTC midnight; Monday for weekly)."""
    if digest == "none":
        return None
    day = datetime.combine(at.astimezone(UTC).date(), time(), tzinfo=UTC)
    if digest == "daily":
        return day + timedelta(days=1)
    return day + timedelta(days=7 - day.weekday())


def outbox_entries(
    config: Config, shop: str, categories: Sequence[str], findings: Sequence[StoredFinding], at: datetime
) -> list[OutboxEntry]:
    """The deliveries owed for a material change of ``shop`` seen at ``at``, one per matching target."""
    return [
        OutboxEntry(target.key, period_end(target.config.digest, at))
        for target in targets(config)
        if wants_change(target.config, shop, categories, findings)
    ]


def apprise_plugin(url: str) -> NotifyBase:
    """The Apprise plugin object of one URL (its format, length limits, privacy URL)."""
    import apprise

    plugins = apprise.Apprise.instantiate(url, asset=asset())
    if plugins is None:
        raise NotifyError("notify target: not a URL Apprise can use")
    return plugins  # type: ignore[no-any-return]


def asset() -> AppriseAsset:
    import apprise

    return apprise.AppriseAsset(app_id="policywatch", app_desc="policywatch privacy policy monitor",
                                app_url="https://github.com/policywatch/policywatch")


def shown_url(url: str) -> str:
    """A target as it may be printed: Apprise's privacy form, secrets masked."""
    try:
        return str(apprise_plugin(url).url(privacy=True))
    except NotifyError:
        return "(unusable notify URL)"


def message_format(plugin: NotifyBase) -> Format:
    value = str(getattr(plugin.notify_format, "value", plugin.notify_format))
    return "html" if value == "html" else "markdown" if value == "markdown" else "text"


def version_outbox(config: Config, shop: str, new: NewVersion) -> list[OutboxEntry]:
    """The alerts owed for a version about to be recorded: none unless it is a material change."""
    if new.technical or not new.material:
        return []
    return outbox_entries(config, shop, new.categories, new.findings, new.seen_at)
