"""The snapshot pipeline: a ``FetchRecord`` becomes a recorded check (and a snapshot when ok)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest
from scrapy.exceptions import DropItem, NotConfigured
from scrapy.utils.test import get_crawler

from crawler.pipelines import BATCH_SIZE, SnapshotPipeline, storage_failed
from storage.db import open_database
from storage.errors import StorageError
from storage.records import FetchRecord, Outcome

AT = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)


def _pipeline(tmp_path: Path, blobs: Path | None = None) -> SnapshotPipeline:
    url = f"sqlite:///{tmp_path / 'policywatch.db'}"
    open_database(url, tmp_path / "blobs").sync_shops(
        [("alpha", "http://alpha.example/privacy", None)]
    )
    crawler = get_crawler(
        settings_dict={
            "POLICYWATCH_DATABASE_URL": url,
            "POLICYWATCH_BLOBS_PATH": str(blobs or tmp_path / "blobs"),
        }
    )
    pipeline = SnapshotPipeline.from_crawler(crawler)
    pipeline.open_spider()
    return pipeline


def _page(outcome: Outcome, body: bytes | None = None, **fields: object) -> FetchRecord:
    return FetchRecord(
        shop="alpha",
        url="http://alpha.example/privacy",
        outcome=outcome,
        at=AT,
        body=body,
        **fields,
    )  # type: ignore[arg-type]


def test_pipeline_stays_off_without_a_database_url() -> None:
    with pytest.raises(NotConfigured, match="POLICYWATCH_DATABASE_URL"):
        SnapshotPipeline.from_crawler(get_crawler())


def test_an_ok_page_is_stored_once_and_checked_twice(tmp_path: Path) -> None:
    pipeline = _pipeline(tmp_path)
    page = _page(Outcome.OK, b"<p>Policy</p>", status=200, headers={"etag": '"v1"'})
    asyncio.run(pipeline.process_item(page))
    asyncio.run(pipeline.process_item(page))
    database = pipeline.database
    assert database is not None
    pending = database.pending_checks("alpha")
    assert [c.outcome for c in pending] == ["ok", "ok"]
    assert (
        pending[0].snapshot_id is not None
        and pending[0].snapshot_id == pending[1].snapshot_id
    )
    assert database.snapshot_body(pending[0].snapshot_id)[0] == b"<p>Policy</p>"
    assert database.conditional_validators()["alpha"] == ('"v1"', None)


def test_a_failed_fetch_is_a_check_without_a_snapshot(tmp_path: Path) -> None:
    pipeline = _pipeline(tmp_path)
    asyncio.run(
        pipeline.process_item(_page(Outcome.TIMEOUT, detail="DownloadTimeoutError"))
    )
    assert pipeline.database is not None
    (check,) = pipeline.database.pending_checks("alpha")
    assert (check.outcome, check.snapshot_id) == ("timeout", None)


def test_a_storage_failure_is_announced_once_and_drops_the_rest(tmp_path: Path) -> None:
    not_a_folder = tmp_path / "blobs-file"
    not_a_folder.write_text("a file where the blob folder should be")
    pipeline = _pipeline(tmp_path, blobs=not_a_folder)
    announced: list[StorageError] = []

    def on_failed(error: StorageError) -> None:
        announced.append(error)

    pipeline.crawler.signals.connect(on_failed, signal=storage_failed)

    async def two_items() -> None:
        for _ in range(2):
            with pytest.raises(DropItem):
                await pipeline.process_item(_page(Outcome.OK, b"<p>Policy</p>"))

    asyncio.run(two_items())
    assert len(announced) == 1 and "blob" in str(announced[0])


def test_items_arriving_together_are_all_recorded_in_batches(tmp_path: Path) -> None:
    pipeline = _pipeline(tmp_path)
    count = BATCH_SIZE + 7  # one full batch, and a rest written when its timer fires

    async def together() -> None:
        pages = [_page(Outcome.OK, f"<p>Policy {n}</p>".encode(), status=200) for n in range(count)]
        await asyncio.gather(*(pipeline.process_item(page) for page in pages))

    asyncio.run(together())
    assert pipeline.database is not None
    pending = pipeline.database.pending_checks("alpha")
    assert len(pending) == count and len({check.snapshot_id for check in pending}) == count


def test_a_batch_that_cannot_be_written_drops_all_its_items_and_is_announced_once(tmp_path: Path) -> None:
    pipeline = _pipeline(tmp_path)
    announced: list[StorageError] = []

    def on_failed(error: StorageError) -> None:  # a named receiver: signals hold weak references
        announced.append(error)

    pipeline.crawler.signals.connect(on_failed, signal=storage_failed)

    async def together() -> list[object]:
        pages = [_page(Outcome.TIMEOUT), FetchRecord(shop="unknown", url="http://unknown.example/",
                                                     outcome=Outcome.TIMEOUT, at=AT)]
        return await asyncio.gather(*(pipeline.process_item(page) for page in pages), return_exceptions=True)

    results = asyncio.run(together())
    assert [type(result) for result in results] == [DropItem, DropItem]
    assert len(announced) == 1 and "unknown" in str(announced[0])
    assert pipeline.database is not None and pipeline.database.pending_checks("alpha") == []
