"""One crawl pass: fetch the due shops (Scrapy) while processing the new checks, deliver alerts.

The whole pass runs under the database's pass lock, so two ``crawl`` processes never fetch
and process the same shops at once. The crawler is reached through one lazy import of
``crawler.runner`` so that every other command starts without Scrapy.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from monitor.config import Config
from monitor.database import open_configured_database
from monitor.errors import UsageError
from monitor.notify import notify_after_pass
from monitor.process import BackgroundProcessing, process_pending
from storage.db import Database
from storage.lock import pass_lock


def select_shops(config: Config, database: Database, names: Sequence[str], everything: bool, now: datetime) -> list[str]:
    """The shops to fetch: the named ones, all with ``everything``, else those that are due."""
    from monitor.schedule import due_shops

    known = {shop.name for shop in config.shops}
    unknown = [name for name in names if name not in known]
    if unknown:
        raise UsageError(f"unknown shop {unknown[0]!r} (not in {config.source})")
    if names:
        return list(dict.fromkeys(names))
    if everything:
        return [shop.name for shop in config.shops]
    return [shop.name for shop in due_shops(config.shops, database.last_checks(), now, config.crawl.interval)]


def run_crawl(
    config: Config,
    names: Sequence[str],
    *,
    everything: bool,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    verbose: bool = False,
) -> dict[str, Any]:
    """Run one pass and return the summary of the interface spec.

    ``clock`` is read when the pass starts (which shops are due) and again before delivering,
    so that alerts for the versions this pass recorded are already due.
    """
    database = open_configured_database(config)
    with pass_lock(database, wait=0):
        shops = select_shops(config, database, names, everything, clock())
        fetched = None
        if shops:
            # Forked before Scrapy is imported; the workers process checks as they are stored.
            with BackgroundProcessing(config) as background:
                from crawler.runner import run_pass  # the one lazy import of the crawler

                fetched = run_pass(config, shops, verbose=verbose)
                processed = background.finish()
        else:
            processed = process_pending(database, config)
        delivered = notify_after_pass(database, config, now=clock())
    errors = [
        {"shop": shop, "outcome": outcome, "detail": detail} for shop, outcome, detail in (fetched.errors if fetched else [])
    ]
    errors += [{"shop": shop, "outcome": "unusable", "detail": detail} for shop, detail in processed.problems]
    return {
        "shops": len(shops),
        "fetched": fetched.fetched if fetched else 0,
        "unchanged": processed.unchanged,
        "new_versions": len(processed.versions),
        "material_changes": processed.material_changes,
        "held": processed.held,
        "errors": errors,
        "deliveries": {"sent": delivered.sent, "failed": delivered.failed},
    }
