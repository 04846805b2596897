"""The snapshot step's Scrapy side: persist each ``FetchedPage`` through ``storage.db``.

It only persists. Blobs, snapshot rows and check rows are ``Database.record_fetch``'s job.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Self

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem, NotConfigured

from crawler.items import FetchedPage
from storage.db import Database, open_database
from storage.errors import StorageError
from storage.records import FetchRecord

# Sent once when storing fails (disk full, database gone), with ``error=StorageError``.
# The runner listens for it and raises the error once the pass has stopped.
storage_failed = object()


class SnapshotPipeline:
    """Turn each ``FetchedPage`` into a ``FetchRecord`` and record it.

    A storage failure stops the pass: later items are dropped unrecorded, and the first
    error is announced with the ``storage_failed`` signal.
    """

    def __init__(self, crawler: Crawler, database_url: str, blobs_path: str) -> None:
        self.crawler = crawler
        self.database_url = database_url
        self.blobs_path = blobs_path
        self.database: Database | None = None
        self.failed = False
        self._stopping: asyncio.Future[None] | None = None
        # Off the reactor thread, so compressing and writing never stall the downloads.
        self._blob_writers = ThreadPoolExecutor(
            4, thread_name_prefix="policywatch-blobs"
        )
        self._row_writer = ThreadPoolExecutor(1, thread_name_prefix="policywatch-rows")

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        url = crawler.settings.get("POLICYWATCH_DATABASE_URL")
        if not url:
            raise NotConfigured("POLICYWATCH_DATABASE_URL is not set")
        blobs = (
            crawler.settings.get("POLICYWATCH_BLOBS_PATH")
            or url.removeprefix("sqlite:///") + "-blobs"
        )
        return cls(crawler, url, blobs)

    def open_spider(self) -> None:
        try:
            self.database = open_database(self.database_url, Path(self.blobs_path))
        except StorageError as error:
            self._fail(error)

    def close_spider(self) -> None:
        self._blob_writers.shutdown()
        self._row_writer.shutdown()
        if self.database is not None:
            self.database.engine.dispose()

    async def process_item(self, item: FetchedPage) -> FetchedPage:
        if self.failed or self.database is None:
            raise DropItem("storage failed earlier in this pass", log_level="DEBUG")
        page = ItemAdapter(item)
        record = FetchRecord(
            shop=page["shop"],
            url=page["url"],
            outcome=page["outcome"],
            at=page["at"],
            status=page["status"],
            final_url=page["final_url"],
            headers=page["headers"],
            body=page["body"],
            elapsed_ms=page["elapsed_ms"],
            detail=page["detail"],
        )
        loop = asyncio.get_running_loop()
        try:
            if record.body:
                # Blob files can be written in parallel; record_fetch then finds the blob there.
                await loop.run_in_executor(
                    self._blob_writers, self.database.blobs.put, record.body
                )
            # One writer thread: parallel SQLite writers only wait on each other's locks.
            await loop.run_in_executor(
                self._row_writer, self.database.record_fetch, record
            )
        except StorageError as error:
            self._fail(error)
            raise DropItem(f"not recorded: {error}", log_level="DEBUG") from error
        return item

    def _fail(self, error: StorageError) -> None:
        if self.failed:
            return
        self.failed = True
        self.crawler.signals.send_catch_log(storage_failed, error=error)
        # A graceful stop: requests in flight finish, their items are dropped unrecorded.
        # The reference keeps the stopping task alive until it is done.
        self._stopping = asyncio.ensure_future(self.crawler.stop_async())
