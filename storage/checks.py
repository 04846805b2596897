"""The processing side of the database: read pending checks, settle them, record versions.

``monitor.process`` runs these once per fetched page, so they are written as SQL statements
on the tables (no ORM objects loaded): a check costs a few small statements.
``Database`` (``storage.db``) inherits them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.engine import Connection

from storage.blobs import BlobStore
from storage.errors import StorageError
from storage.models import (
    check_table,
    finding_table,
    shop_table,
    snapshot_table,
    version_table,
)
from storage.outbox import OutboxEntry, add_deliveries
from storage.records import NewVersion, PendingCheck, SettledCheck, StoredVersion

_PENDING = (
    select(
        shop_table.c.name,
        check_table.c.id,
        check_table.c.at,
        check_table.c.outcome,
        check_table.c.status,
        check_table.c.snapshot_id,
        snapshot_table.c.blob_hash,
        snapshot_table.c.url,
        snapshot_table.c.final_url,
        snapshot_table.c.headers,
        snapshot_table.c.text_hash,
        snapshot_table.c.normalizer_version,
    )
    .select_from(check_table)
    .join(shop_table, shop_table.c.id == check_table.c.shop_id)
    .outerjoin(snapshot_table, snapshot_table.c.id == check_table.c.snapshot_id)
    .where(check_table.c.id > shop_table.c.processed_through)
    .order_by(check_table.c.id)
)


# Up to this many shop names go into the pending query as parameters.
_NAMES_BOUND = 500
_PENDING_OF = _PENDING.where(shop_table.c.name.in_(bindparam("names", expanding=True)))
_PENDING_AFTER = _PENDING.where(check_table.c.id > bindparam("after"))
_PENDING_OF_AFTER = _PENDING_OF.where(check_table.c.id > bindparam("after"))
_LATEST = select(version_table).where(version_table.c.shop_id == bindparam("shop")).order_by(version_table.c.id.desc()).limit(1)
_LATEST_HASH = (
    select(version_table.c.text_hash).where(version_table.c.shop_id == bindparam("shop")).order_by(version_table.c.id.desc()).limit(1)
)
_VERSIONS = select(version_table).where(version_table.c.shop_id == bindparam("shop")).order_by(version_table.c.id)
_SETTLED = (
    select(check_table.c.id, check_table.c.decision, snapshot_table.c.text_hash)
    .select_from(check_table)
    .outerjoin(snapshot_table, snapshot_table.c.id == check_table.c.snapshot_id)
    .where(check_table.c.shop_id == bindparam("shop"), check_table.c.id < bindparam("before"), check_table.c.decision.is_not(None))
    .order_by(check_table.c.id.desc())
    .limit(bindparam("limit"))
)
_SNAPSHOT = select(snapshot_table.c.blob_hash, snapshot_table.c.headers, snapshot_table.c.final_url).where(
    snapshot_table.c.id == bindparam("snapshot")
)
_CACHE_TEXT = (
    update(snapshot_table)
    .where(snapshot_table.c.id == bindparam("snapshot"))
    .values(text_hash=bindparam("new_text_hash"), normalizer_version=bindparam("new_normalizer_version"))
)
_FORGET_VALIDATORS = update(shop_table).where(shop_table.c.id == bindparam("shop")).values(etag=None, last_modified=None)
# The latest version's last seen moves forward, never back.
_SEEN = (
    update(version_table)
    .where(
        version_table.c.id == select(func.max(version_table.c.id)).where(version_table.c.shop_id == bindparam("shop")).scalar_subquery(),
        version_table.c.last_seen < bindparam("at"),
    )
    .values(last_seen=bindparam("at"))
)
_DECIDE = update(check_table).where(check_table.c.id == bindparam("check")).values(decision=bindparam("new_decision"))
_DECIDE_WITH_DETAIL = (
    update(check_table)
    .where(check_table.c.id == bindparam("check"))
    .values(decision=bindparam("new_decision"), detail=bindparam("new_detail"))
)
# The shop's processing cursor moves forward, never back.
_ADVANCE = (
    update(shop_table)
    .where(shop_table.c.id == bindparam("shop"), shop_table.c.processed_through < bindparam("check"))
    .values(processed_through=bindparam("check"))
)
_ADD_VERSION = insert(version_table).returning(version_table.c.id)


class CheckQueries:
    """Pending checks, their settlement and new versions (a part of ``Database``)."""

    blobs: BlobStore

    if TYPE_CHECKING:

        def connection(self) -> AbstractContextManager[Connection]: ...

        def shop_id(self, connection: Connection, name: str) -> int: ...

    def pending_checks(self, shop_name: str) -> list[PendingCheck]:
        """The shop's checks after its processing cursor, oldest first."""
        return self.pending_checks_of([shop_name]).get(shop_name, [])

    def pending_checks_of(
        self, shop_names: Collection[str] | None = None, *, after: int | None = None
    ) -> dict[str, list[PendingCheck]]:
        """The pending checks of the named shops (all shops when None), in one query.

        ``after``: only the checks with a larger id, those stored since an earlier call. Such a
        query reads just the new checks; without it every shop's cursor is looked at.
        """
        # Many names are filtered here rather than bound: SQLite caps a statement's parameters.
        named = shop_names is not None and len(shop_names) <= _NAMES_BOUND
        parameters: dict[str, Any] = {"names": list(shop_names or ())} if named else {}
        if after is None:
            statement = _PENDING_OF if named else _PENDING
        else:
            statement, parameters["after"] = (_PENDING_OF_AFTER if named else _PENDING_AFTER), after
        pending: dict[str, list[PendingCheck]] = defaultdict(list)
        with self.connection() as connection:
            for row in connection.execute(statement, parameters):
                if named or shop_names is None or row.name in shop_names:
                    pending[row.name].append(_pending(row))
        return dict(pending)

    def pending_shop_names(self) -> list[str]:
        """Shops with checks after their processing cursor."""
        return sorted(self.pending_checks_of())

    def latest_version(self, shop_name: str) -> StoredVersion | None:
        with self.connection() as connection:
            row = connection.execute(_LATEST, {"shop": self.shop_id(connection, shop_name)}).first()
            return stored_version(row, shop_name) if row else None

    def latest_text_hash(self, shop_name: str) -> str | None:
        """The text hash of the shop's latest version (None before the first)."""
        with self.connection() as connection:
            return connection.execute(_LATEST_HASH, {"shop": self.shop_id(connection, shop_name)}).scalar()

    def snapshot_body(self, snapshot_id: int) -> tuple[bytes, str | None, str]:
        """The raw body of a snapshot, its content type and its final URL."""
        with self.connection() as connection:
            row = connection.execute(_SNAPSHOT, {"snapshot": snapshot_id}).first()
        if row is None:
            raise StorageError(f"snapshot {snapshot_id} does not exist")
        return self.blobs.get(row.blob_hash), (row.headers or {}).get("content-type"), row.final_url

    def cache_text_hash(self, snapshot_id: int, text_hash: str, normalizer_version: str) -> None:
        with self.connection() as connection:
            _cache(connection, snapshot_id, (text_hash, normalizer_version))

    def settle_check(
        self,
        check: PendingCheck,
        decision: str,
        *,
        seen: bool = False,
        detail: str | None = None,
        forget_validators: bool = False,
        cached_text: tuple[str, str] | None = None,
    ) -> None:
        """Close a check without a new version; ``seen`` moves the latest version's last-seen.

        ``forget_validators`` drops the shop's ETag/Last-Modified: a page held back must be
        fetched in full next time, or a 304 would confirm the latest version instead.
        ``cached_text`` (text hash, normalizer version) is remembered on the check's snapshot
        in the same transaction, as ``cache_text_hash`` does.
        """
        with self.connection() as connection:
            shop_id = self.shop_id(connection, check.shop)
            _cache(connection, check.snapshot_id, cached_text)
            if forget_validators:
                connection.execute(_FORGET_VALIDATORS, {"shop": shop_id})
            if seen:
                connection.execute(_SEEN, {"shop": shop_id, "at": check.at})
            _close(connection, shop_id, check.id, decision, detail)

    def add_version(
        self,
        check: PendingCheck | None,
        shop_name: str,
        new: NewVersion,
        outbox: Sequence[OutboxEntry] = (),
        decision: str = "new_version",
        cached_text: tuple[str, str] | None = None,
    ) -> int:
        """Record a new version, its findings and its ``outbox`` alerts; closes ``check`` in the same transaction.

        ``cached_text`` as for ``settle_check``.
        """
        with self.connection() as connection:
            shop_id = self.shop_id(connection, shop_name)
            if check is not None:
                _cache(connection, check.snapshot_id, cached_text)
            version_id: int = connection.execute(
                _ADD_VERSION,
                {
                    "shop_id": shop_id,
                    "snapshot_id": new.snapshot_id,
                    "text": new.text,
                    "text_hash": new.text_hash,
                    "language": new.language,
                    "normalizer_version": new.normalizer_version,
                    "first_seen": new.seen_at,
                    "last_seen": new.seen_at,
                    "technical": new.technical,
                    "structural": new.structural,
                    "material": new.material,
                    "categories": list(new.categories),
                    "counts": dict(new.counts),
                },
            ).scalar_one()
            if new.findings:
                connection.execute(
                    insert(finding_table), [{"version_id": version_id, **vars(finding)} for finding in new.findings]
                )
            add_deliveries(connection, outbox, shop_id=shop_id, event=f"version:{version_id}", kind="change",
                           now=new.seen_at, version_id=version_id)
            if check is not None:
                _close(connection, shop_id, check.id, decision)
            return version_id

    # --- what the guard reads --------------------------------------------------------

    def settled_checks(self, shop_name: str, before: int, limit: int = 20) -> list[SettledCheck]:
        """The shop's processed checks before check ``before``, newest first, with their text hash."""
        with self.connection() as connection:
            return _settled(connection, self.shop_id(connection, shop_name), before, limit)

    def guard_history(
        self, shop_name: str, before: int, limit: int = 20
    ) -> tuple[list[StoredVersion], list[SettledCheck]]:
        """The shop's versions (oldest first) and ``settled_checks``, read in one transaction."""
        with self.connection() as connection:
            shop_id = self.shop_id(connection, shop_name)
            rows = connection.execute(_VERSIONS, {"shop": shop_id})
            return [stored_version(row, shop_name) for row in rows], _settled(connection, shop_id, before, limit)


def stored_version(row: Any, shop_name: str) -> StoredVersion:
    """A ``StoredVersion`` from a row of the version table (an ORM object or a result row)."""
    return StoredVersion(
        id=row.id or 0,
        shop=shop_name,
        text=row.text,
        text_hash=row.text_hash,
        language=row.language,
        normalizer_version=row.normalizer_version,
        first_seen=row.first_seen,
        last_seen=row.last_seen,
        snapshot_id=row.snapshot_id,
        technical=row.technical,
        structural=row.structural,
        material=row.material,
        categories=tuple(row.categories or ()),
        counts=dict(row.counts or {}),
    )


def _pending(row: Any) -> PendingCheck:
    return PendingCheck(
        id=row.id,
        shop=row.name,
        at=row.at,
        outcome=row.outcome,
        status=row.status,
        snapshot_id=row.snapshot_id,
        blob_hash=row.blob_hash,
        url=row.url,
        final_url=row.final_url,
        content_type=(row.headers or {}).get("content-type") if row.blob_hash else None,
        cached_text_hash=row.text_hash,
        cached_normalizer_version=row.normalizer_version,
    )


def _cache(connection: Connection, snapshot_id: int | None, cached_text: tuple[str, str] | None) -> None:
    if snapshot_id is not None and cached_text is not None:
        text_hash, normalizer_version = cached_text
        connection.execute(
            _CACHE_TEXT,
            {"snapshot": snapshot_id, "new_text_hash": text_hash, "new_normalizer_version": normalizer_version},
        )


def _close(connection: Connection, shop_id: int, check_id: int, decision: str, detail: str | None = None) -> None:
    """Record the check's decision and move the shop's processing cursor past it."""
    if detail:
        connection.execute(_DECIDE_WITH_DETAIL, {"check": check_id, "new_decision": decision, "new_detail": detail})
    else:
        connection.execute(_DECIDE, {"check": check_id, "new_decision": decision})
    connection.execute(_ADVANCE, {"shop": shop_id, "check": check_id})


def _settled(connection: Connection, shop_id: int, before: int, limit: int) -> list[SettledCheck]:
    rows = connection.execute(_SETTLED, {"shop": shop_id, "before": before, "limit": limit})
    return [SettledCheck(check_id or 0, decision, digest) for check_id, decision, digest in rows]
