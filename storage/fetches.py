"""The crawler's side of the database: record fetches (blob, snapshot row, check row).

The crawl records every page it fetches, in batches, so these are a few multi-row SQL
statements per batch rather than ORM objects per page. ``Database`` (``storage.db``)
inherits them.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.engine import Connection

from storage.blobs import BlobStore
from storage.models import check_table, shop_table, snapshot_table
from storage.records import FetchRecord, Outcome

_KEPT_HEADERS = ("content-type", "content-encoding", "content-language", "etag", "last-modified", "date", "server")

_SET_VALIDATORS = (
    update(shop_table)
    .where(shop_table.c.id == bindparam("shop"))
    .values(etag=bindparam("new_etag"), last_modified=bindparam("new_last_modified"))
)


class FetchQueries:
    """Recording fetches (a part of ``Database``)."""

    blobs: BlobStore

    if TYPE_CHECKING:

        def connection(self) -> AbstractContextManager[Connection]: ...

        def shop_id(self, connection: Connection, name: str) -> int: ...

    def record_fetch(self, record: FetchRecord) -> int:
        """Store one fetch: the body as a blob (once), a snapshot row for a new body, a check row."""
        return self.record_fetches([record])[0]

    def record_fetches(self, records: Sequence[FetchRecord]) -> list[int]:
        """Store several fetches as ``record_fetch`` does, in one transaction; their check ids.

        Every blob is on disk before the transaction that refers to it commits. A successful
        fetch also stores the shop's conditional-request validators (ETag, Last-Modified).
        """
        if not records:
            return []
        hashes = [(r.blob_hash or self.blobs.put(r.body)) if r.outcome is Outcome.OK and r.body else None for r in records]
        with self.connection() as connection:
            shop_ids = [self.shop_id(connection, record.shop) for record in records]
            snapshot_ids = _snapshot_ids(connection, records, shop_ids, hashes)
            validators = [
                {"shop": shop_id, "new_etag": headers.get("etag"), "new_last_modified": headers.get("last-modified")}
                for record, shop_id in zip(records, shop_ids, strict=True)
                if record.outcome is Outcome.OK
                for headers in [{key.lower(): value for key, value in record.headers.items()}]
            ]
            if validators:
                connection.execute(_SET_VALIDATORS, validators)
            rows = [
                {
                    "shop_id": shop_id,
                    "at": record.at,
                    "outcome": record.outcome.value,
                    "status": record.status,
                    "snapshot_id": snapshot_id,
                    "elapsed_ms": record.elapsed_ms,
                    "detail": record.detail,
                }
                for record, shop_id, snapshot_id in zip(records, shop_ids, snapshot_ids, strict=True)
            ]
            return list(
                connection.scalars(insert(check_table).returning(check_table.c.id, sort_by_parameter_order=True), rows)
            )


def _snapshot_ids(
    connection: Connection, records: Sequence[FetchRecord], shop_ids: list[int], hashes: list[str | None]
) -> list[int | None]:
    """The snapshot row of each record's body: the shop's existing one, else a new one."""
    wanted = {(shop_id, digest) for shop_id, digest in zip(shop_ids, hashes, strict=True) if digest is not None}
    if not wanted:
        return [None] * len(records)
    known: dict[tuple[int, str], int] = {
        (shop_id, digest): snapshot_id
        for snapshot_id, shop_id, digest in connection.execute(
            select(snapshot_table.c.id, snapshot_table.c.shop_id, snapshot_table.c.blob_hash).where(
                snapshot_table.c.shop_id.in_({shop_id for shop_id, _ in wanted}),
                snapshot_table.c.blob_hash.in_({digest for _, digest in wanted}),
            )
        )
    }
    new: dict[tuple[int, str], dict[str, Any]] = {}
    for record, shop_id, digest in zip(records, shop_ids, hashes, strict=True):
        if digest is not None and (shop_id, digest) not in known and (shop_id, digest) not in new:
            new[(shop_id, digest)] = {
                "shop_id": shop_id,
                "blob_hash": digest,
                "fetched_at": record.at,
                "status": record.status or 200,
                "url": record.url,
                "final_url": record.final_url or record.url,
                "headers": {k.lower(): v for k, v in record.headers.items() if k.lower() in _KEPT_HEADERS},
                "size": len(record.body or b""),
                "elapsed_ms": record.elapsed_ms or 0,
            }
    if new:
        ids = connection.scalars(
            insert(snapshot_table).returning(snapshot_table.c.id, sort_by_parameter_order=True), list(new.values())
        )
        known.update(zip(new, ids, strict=True))
    return [None if digest is None else known[(shop_id, digest)] for shop_id, digest in zip(shop_ids, hashes, strict=True)]
