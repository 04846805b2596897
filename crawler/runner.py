"""Run one crawl pass in-process: config → Scrapy settings → ``PolicySpider`` → snapshots.

The only entry point used from outside the crawler. A Twisted reactor cannot restart, so
call ``run_pass`` at most once per process (``watch`` runs each pass as a child process).
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from scrapy import signals
from scrapy.crawler import AsyncCrawlerProcess
from scrapy.settings import Settings

from crawler import settings as crawler_settings
from crawler.pipelines import storage_failed
from crawler.spiders.policy import PolicySpider
from monitor.config import Config, ShopConfig
from monitor.errors import UsageError
from storage.db import Database, open_database
from storage.errors import StorageError
from storage.records import FetchRecord, Outcome


@dataclass(frozen=True)
class PassReport:
    """What one pass fetched: counts per outcome and each failed shop with its detail."""

    fetched: int
    by_outcome: dict[str, int] = field(default_factory=dict)
    errors: list[tuple[str, str, str]] = field(default_factory=list)


def scrapy_settings(config: Config, *, verbose: bool = False) -> Settings:
    """The Scrapy settings of a pass: ``crawler/settings.py`` plus the config, at project priority."""
    crawl = config.crawl
    settings = Settings()
    settings.setmodule(crawler_settings, priority="project")
    settings.update(
        {
            "DOWNLOAD_TIMEOUT": crawl.timeout.total_seconds(),
            "RETRY_TIMES": crawl.retries,
            "ROBOTSTXT_OBEY": crawl.obey_robots,
            "DOWNLOAD_MAXSIZE": crawl.max_page_bytes,
            "CONCURRENT_REQUESTS": crawl.concurrency,
            "CONCURRENT_REQUESTS_PER_DOMAIN": crawl.per_domain_concurrency,
            "USER_AGENT": crawl.user_agent,
            "REDIRECT_MAX_TIMES": crawl.max_redirects,
            "DOWNLOAD_DELAY": crawl.delay.total_seconds(),
            "POLICYWATCH_ALLOW_PRIVATE_NETWORKS": crawl.allow_private_networks,
            "POLICYWATCH_DATABASE_URL": config.database_url,
            "POLICYWATCH_BLOBS_PATH": str(config.blobs_path),
            "LOG_LEVEL": "INFO" if verbose else "WARNING",
        },
        priority="project",
    )
    return settings


def run_pass(
    config: Config, shop_names: Sequence[str], *, verbose: bool = False
) -> PassReport:
    """Fetch the named shops once and store a snapshot or a failure outcome for each.

    Raises ``UsageError`` for a shop not in the config and ``StorageError`` when the
    database or blob store fails (the pass stops at the first storage failure).
    """
    shops = []
    for name in shop_names:
        shop = config.shop(name)
        if shop is None:
            raise UsageError(f"unknown shop {name!r} (not in {config.source})")
        shops.append(shop)
    database = open_database(config.database_url, config.blobs_path)
    database.sync_shops([(shop.name, shop.url, shop.language) for shop in config.shops])
    if not shops:
        return PassReport(fetched=0)
    validators = database.conditional_validators()

    recorded: dict[str, tuple[Outcome, str | None]] = {}
    failures: list[StorageError] = []

    def on_item(item: Any) -> None:
        if isinstance(item, FetchRecord):
            recorded[item.shop] = (item.outcome, item.detail)

    def on_storage_failed(error: StorageError) -> None:
        failures.append(error)

    process = AsyncCrawlerProcess(scrapy_settings(config, verbose=verbose))
    if not verbose:
        # A shop that cannot be reached also fails its robots.txt request, which Scrapy logs
        # as an error with a traceback; the shop's own outcome already records the failure.
        logging.getLogger("scrapy.downloadermiddlewares.robotstxt").setLevel(
            logging.CRITICAL
        )
    crawler = process.create_crawler(PolicySpider)
    crawler.signals.connect(on_item, signal=signals.item_scraped)
    crawler.signals.connect(on_storage_failed, signal=storage_failed)
    process.crawl(
        crawler, shops=[(shop.name, shop.url) for shop in shops], validators=validators
    )
    process.start()
    if failures:
        raise failures[0]
    _record_missing(database, shops, recorded)
    database.engine.dispose()

    counts = Counter(outcome.value for outcome, _ in recorded.values())
    errors = [
        (name, outcome.value, detail or outcome.value)
        for name, (outcome, detail) in recorded.items()
        if outcome not in (Outcome.OK, Outcome.NOT_MODIFIED)
    ]
    return PassReport(fetched=len(recorded), by_outcome=dict(counts), errors=errors)


def _record_missing(
    database: Database,
    shops: Sequence[ShopConfig],
    recorded: dict[str, tuple[Outcome, str | None]],
) -> None:
    """Give every shop its check, even one the crawl lost (stopped early, dropped request)."""
    for shop in shops:
        if shop.name not in recorded:
            detail = "the crawl ended without a result for this shop"
            database.record_fetch(
                FetchRecord(
                    shop=shop.name,
                    url=shop.url,
                    outcome=Outcome.ERROR,
                    at=datetime.now(UTC),
                    detail=detail,
                )
            )
            recorded[shop.name] = (Outcome.ERROR, detail)
