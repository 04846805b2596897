"""Send the outbox: pending deliveries → Apprise messages, each marked sent only after success.

The notify step of the data flow. The outbox rows were written with the versions (see
``monitor.notify_targets.outbox_entries``) and the monitoring states
(``monitor.notify_monitoring``); this module claims them, sends them and records the outcome.

Exactly once: a pass holds the pass lock (``storage.lock``) and claims each row
(pending → sending, committed) before sending it. A process killed between the claim and the
mark leaves the row ``sending``; the next pass, holding the lock, knows its owner is dead and
sends it again. So nothing is lost, and nothing is sent twice except when the kill falls in
the instant between the receiver accepting the message and the mark being committed.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from monitor.config import Config
from monitor.errors import NotifyError
from monitor.message import ChangeAlert, Message, change_message, monitoring_message
from monitor.notify_targets import (
    Target,
    apprise_plugin,
    asset,
    matching_findings,
    message_format,
    shown_url,
    targets,
)
from storage.db import Database
from storage.lock import pass_lock
from storage.outbox import DeliveryRow, Outbox

# Retry after 1, 2, 4, ... minutes, at most every 6 hours; a delivery is never given up.
_FIRST_RETRY = timedelta(minutes=1)
_LONGEST_RETRY = timedelta(hours=6)


@dataclass(frozen=True)
class DeliveryResult:
    target: str
    shop: str
    events: tuple[str, ...]
    sent: bool
    error: str | None = None


@dataclass(frozen=True)
class DeliveryReport:
    sent: int = 0
    failed: int = 0
    recovered: int = 0
    results: tuple[DeliveryResult, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class DeliveryView:
    """One outbox row as ``policywatch deliveries`` shows it (target in privacy form)."""

    id: int
    target: str
    shop: str
    kind: str
    event: str
    state: str
    attempts: int
    created_at: datetime
    next_attempt_at: datetime | None
    sent_at: datetime | None
    last_error: str | None

    def to_json(self) -> dict[str, object]:
        iso = lambda value: value.isoformat().replace("+00:00", "Z") if value else None  # noqa: E731
        return {
            "id": self.id, "target": self.target, "shop": self.shop, "kind": self.kind, "event": self.event,
            "state": self.state, "attempts": self.attempts, "created_at": iso(self.created_at),
            "next_attempt_at": iso(self.next_attempt_at), "sent_at": iso(self.sent_at),
            "last_error": self.last_error,
        }


def retry_delay(attempts: int) -> timedelta:
    return min(_FIRST_RETRY * 2 ** max(attempts - 1, 0), _LONGEST_RETRY)


def send(url: str, message: Message) -> None:
    """Send one message through Apprise; raise ``NotifyError`` (secrets masked) when it fails."""
    import apprise

    plugin = apprise_plugin(url)
    notifier = apprise.Apprise(asset=asset())  # type: ignore[arg-type]
    notifier.add(plugin)
    with apprise.LogCapture(level=logging.WARNING) as captured:
        # The body was written in the target's own format, so Apprise need not convert it.
        ok = notifier.notify(title=message.title, body=message.body, body_format=plugin.notify_format)
        log = captured.getvalue()
    if not ok:
        reason = next((line.split(" - ", 2)[-1] for line in log.splitlines() if line.strip()), "no reason given")
        raise NotifyError(f"{shown_url(url)}: {_mask(reason, url)}")


def _mask(text: str, url: str) -> str:
    """Remove anything of the raw URL that Apprise's own log line may repeat."""
    masked = text.replace(url, shown_url(url))
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    for secret in (parts.password, parts.username, *parts.path.split("/"), parts.query):
        if secret and len(secret) >= 6:
            masked = masked.replace(secret, "****")
    return masked


def _change_alert(database: Database, row: DeliveryRow, target: Target) -> ChangeAlert | None:
    assert row.version_id is not None
    version = database.version(row.shop, row.version_id)
    if version is None:
        return None
    earlier = [v.id for v in database.versions(row.shop) if v.id < version.id]
    findings = tuple(matching_findings(target.config, database.findings(version.id)))
    categories = tuple(dict.fromkeys(f.category for f in findings)) or version.categories
    return ChangeAlert(row.shop, version.id, earlier[-1] if earlier else None, categories, findings)


def _message(database: Database, rows: Sequence[DeliveryRow], target: Target) -> Message:
    plugin = apprise_plugin(target.config.url)
    fmt = message_format(plugin)
    if rows[0].kind == "monitoring":
        return monitoring_message(rows[0].shop, ":start:" in rows[0].event, rows[0].detail, fmt)
    alerts = [alert for row in rows if (alert := _change_alert(database, row, target)) is not None]
    title_length = plugin.title_maxlen or None
    body_length = plugin.body_maxlen
    if not plugin.title_maxlen:
        # The service has no title: Apprise puts the title on the body's first line.
        body_length -= 250
    return change_message(alerts, fmt, max_length=body_length, title_length=title_length)


def _batches(rows: Sequence[DeliveryRow], by_key: dict[str, Target]) -> list[tuple[Target, list[DeliveryRow]]]:
    """One message per row, except the change rows of a digest target: one per period."""
    batches: dict[tuple[str, object], list[DeliveryRow]] = defaultdict(list)
    for row in rows:
        target = by_key.get(row.target)
        if target is None:
            continue  # the target left the config; its rows stay listed in `deliveries`
        digest = target.config.digest != "none" and row.kind == "change"
        batches[(row.target, row.due_at if digest else row.id)].append(row)
    return [(by_key[key[0]], batch) for key, batch in batches.items()]


def deliver_pending(database: Database, config: Config, *, now: datetime, wait: float | None = None) -> DeliveryReport:
    """Send every delivery that is due, under the pass lock; failures wait for a later pass."""
    outbox = Outbox(database)
    results: list[DeliveryResult] = []
    with pass_lock(database, wait=wait):
        recovered = outbox.release_interrupted()
        by_key = {target.key: target for target in targets(config)}
        for target, batch in _batches(outbox.ready(now), by_key):
            ids = [row.id for row in batch]
            if not outbox.claim(ids, now):
                continue
            events = tuple(row.event for row in batch)
            try:
                send(target.config.url, _message(database, batch, target))
            except NotifyError as exc:
                attempts = max(row.attempts for row in batch) + 1
                outbox.mark_failed(ids, str(exc), now + retry_delay(attempts))
                results.append(DeliveryResult(shown_url(target.config.url), batch[0].shop, events, False, str(exc)))
                continue
            outbox.mark_sent(ids, now)
            results.append(DeliveryResult(shown_url(target.config.url), batch[0].shop, events, True))
    return DeliveryReport(
        sent=sum(1 for r in results if r.sent), failed=sum(1 for r in results if not r.sent),
        recovered=recovered, results=tuple(results),
    )


def send_test(config: Config, target: int | None = None) -> list[DeliveryResult]:
    """Send a test message to every target (or the one at index ``target``); nothing is recorded."""
    chosen = targets(config)
    if target is not None:
        if not 0 <= target < len(chosen):
            from monitor.errors import UsageError

            raise UsageError(f"{config.source}: no notify target {target} (there are {len(chosen)})")
        chosen = [chosen[target]]
    message = Message("policywatch: test message", "This target will receive policywatch alerts.")
    results = []
    for item in chosen:
        try:
            send(item.config.url, message)
            results.append(DeliveryResult(shown_url(item.config.url), "", ("test",), True))
        except NotifyError as exc:
            results.append(DeliveryResult(shown_url(item.config.url), "", ("test",), False, str(exc)))
    return results


def list_deliveries(database: Database, config: Config, *, include_sent: bool = True) -> list[DeliveryView]:
    """Every outbox row, newest first, for ``policywatch deliveries``."""
    shown = {target.key: shown_url(target.config.url) for target in targets(config)}
    return [
        DeliveryView(
            row.id, shown.get(row.target, f"(target {row.target[:8]} no longer configured)"), row.shop, row.kind,
            row.event, row.state, row.attempts, row.created_at,
            row.next_attempt_at if row.state != "sent" else None, row.sent_at, row.last_error,
        )
        for row in Outbox(database).rows(include_sent=include_sent)
    ]


def notify_after_pass(database: Database, config: Config, *, now: datetime, wait: float | None = None) -> DeliveryReport:
    """The notify step of a crawl pass: monitoring states, then every due delivery, under one lock."""
    from monitor.notify_monitoring import record_monitoring

    with pass_lock(database, wait=wait):
        record_monitoring(database, config, now=now)
        return deliver_pending(database, config, now=now)
