"""The snapshot step's Scrapy side: persist each ``FetchRecord`` the spider yields through ``storage.db``.

It only persists, in batches. Blobs, snapshot rows and check rows are the job of
``Database.record_fetches``.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Self

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem, NotConfigured

from storage.db import Database, open_database
from storage.errors import StorageError
from storage.records import FetchRecord

# Rows are written in batches: one transaction per BATCH_SIZE items, or per BATCH_SECONDS
# after the first waiting item. An item counts as recorded only once its batch committed.
BATCH_SIZE = 50
BATCH_SECONDS = 0.1
# Two writers overlap one blob's fsync with the next one's compression. More threads only
# fight the reactor for the interpreter lock: with four, a 2,000-shop pass took a third
# more CPU and time (bench/crawl.py).
BLOB_WRITERS = 2

# Sent once when storing fails (disk full, database gone), with ``error=StorageError``.
# The runner listens for it and raises the error once the pass has stopped.
storage_failed = object()


class SnapshotPipeline:
    """Record each ``FetchRecord``: its body as a blob, then its rows in a batch.

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
            BLOB_WRITERS, thread_name_prefix="policywatch-blobs"
        )
        self._row_writer = ThreadPoolExecutor(1, thread_name_prefix="policywatch-rows")
        # Items whose blob is on disk, waiting for the next batch of rows.
        self._batch: list[tuple[FetchRecord, asyncio.Future[None]]] = []
        self._timer: asyncio.TimerHandle | None = None

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

    async def process_item(self, record: FetchRecord) -> FetchRecord:
        if self.failed or self.database is None:
            raise DropItem("storage failed earlier in this pass", log_level="DEBUG")
        loop = asyncio.get_running_loop()
        try:
            if record.body:
                # Blob files are written in parallel, ahead of the batch that records their rows.
                digest = await loop.run_in_executor(
                    self._blob_writers, self.database.blobs.put, record.body
                )
                record = replace(record, blob_hash=digest)
            recorded: asyncio.Future[None] = loop.create_future()
            self._batch.append((record, recorded))
            if len(self._batch) >= BATCH_SIZE:
                self._write_batch()
            elif self._timer is None:
                self._timer = loop.call_later(BATCH_SECONDS, self._write_batch)
            await recorded
        except StorageError as error:
            self._fail(error)
            raise DropItem(f"not recorded: {error}", log_level="DEBUG") from error
        return record

    def _write_batch(self) -> None:
        """Record the waiting items in one transaction, on the one row-writer thread."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        batch, self._batch = self._batch, []
        if not batch or self.database is None:
            return
        records = [record for record, _ in batch]
        # One writer thread: parallel SQLite writers only wait on each other's locks.
        written = asyncio.get_running_loop().run_in_executor(
            self._row_writer, self.database.record_fetches, records
        )

        def settle(done: asyncio.Future[list[int]]) -> None:
            error = done.exception()
            for _, recorded in batch:
                if recorded.done():  # its item was cancelled while the batch was written
                    continue
                if error is not None:
                    recorded.set_exception(error)
                else:
                    recorded.set_result(None)

        written.add_done_callback(settle)

    def _fail(self, error: StorageError) -> None:
        if self.failed:
            return
        self.failed = True
        self.crawler.signals.send_catch_log(storage_failed, error=error)
        # A graceful stop: requests in flight finish, their items are dropped unrecorded.
        # The reference keeps the stopping task alive until it is done.
        self._stopping = asyncio.ensure_future(self.crawler.stop_async())
