"""The database: engine, schema upgrade on open, shops, and the version queries the CLI uses.

``Database`` is the one repository interface of policywatch. Its hot paths live in their own
modules: recording fetches (``storage.fetches``, for the crawler) and settling checks into
versions (``storage.checks``, for processing). Deciding "unchanged" happens there, in the
transaction that settles the check.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import event, func, insert, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlmodel import Session, col, create_engine, select

from storage.blobs import BlobStore, DirectoryBlobStore
from storage.checks import CheckQueries, stored_version
from storage.errors import StorageError
from storage.fetches import FetchQueries
from storage.migrate import schema_is_current, upgrade_schema
from storage.models import Check, FindingRecord, Shop, Version, shop_table
from storage.records import (
    ShopState,
    StoredFinding,
    StoredVersion,
)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def create_db_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        path = url.removeprefix("sqlite:///")
        if path and path != ":memory:":
            try:
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StorageError(f"database {path}: cannot create its folder ({exc.strerror})") from exc
        engine = create_engine(url, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


def _describe(url: str, exc: Exception) -> str:
    reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
    shown = url.split("@")[-1] if "@" in url else url
    return f"database {shown}: {reason}"


class Database(FetchQueries, CheckQueries):
    """One policywatch database and its blob store."""

    def __init__(self, url: str, blobs: BlobStore) -> None:
        self.url = url
        self.blobs = blobs
        self.engine = create_db_engine(url)
        self._shop_ids: dict[str, int] = {}

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A transaction: committed on success, rolled back on error; failures become StorageError."""
        try:
            with Session(self.engine, expire_on_commit=False) as session:
                yield session
                session.commit()
        except SQLAlchemyError as exc:
            raise StorageError(_describe(self.url, exc)) from exc

    @contextmanager
    def connection(self) -> Iterator[Connection]:
        """A transaction on a plain connection, as ``session`` but without the ORM's upkeep.

        The per-page paths (``storage.fetches``, ``storage.checks``) run only SQL statements:
        a session costs them twice as much per transaction.
        """
        try:
            with self.engine.begin() as connection:
                yield connection
        except SQLAlchemyError as exc:
            raise StorageError(_describe(self.url, exc)) from exc

    # --- shops -----------------------------------------------------------------------

    def sync_shops(self, shops: Iterable[tuple[str, str, str | None]]) -> None:
        """Create or update the configured shops (name, url, language)."""
        wanted = list(shops)
        try:
            self._sync_shops(wanted)
        except StorageError as exc:
            if not isinstance(exc.__cause__, IntegrityError):
                raise
            self._sync_shops(wanted)  # another process created the same shops at the same moment

    def _sync_shops(self, shops: list[tuple[str, str, str | None]]) -> None:
        with self.session() as session:
            stored = select(shop_table.c.name, shop_table.c.url, shop_table.c.language)
            existing = {row.name: row for row in session.execute(stored)}
            new, changed = [], []
            for name, url, language in shops:
                row = existing.get(name)
                if row is None:
                    new.append({"name": name, "url": url, "language": language, "created_at": _now()})
                elif row.url != url or (language and row.language != language):
                    values = {"url": url, "language": language or row.language}
                    if row.url != url:
                        values |= {"etag": None, "last_modified": None}
                    changed.append((name, values))
            if new:
                session.execute(insert(shop_table), new)
            for name, values in changed:
                session.execute(update(shop_table).where(shop_table.c.name == name).values(**values))

    def shop_names(self) -> list[str]:
        with self.session() as session:
            return list(session.exec(select(Shop.name).order_by(Shop.name)))

    def conditional_validators(self) -> dict[str, tuple[str | None, str | None]]:
        """ETag and Last-Modified of each shop's last successful fetch."""
        with self.session() as session:
            return {s.name: (s.etag, s.last_modified) for s in session.exec(select(Shop))}

    def last_checks(self) -> dict[str, datetime]:
        """When each shop was last checked (any outcome), for the scheduler."""
        with self.session() as session:
            rows = session.exec(
                select(Shop.name, func.max(Check.at)).join(Check, isouter=True).group_by(Shop.name)
            )
            return {name: at for name, at in rows if at is not None}

    def shop_states(self) -> list[ShopState]:
        with self.session() as session:
            states = []
            for shop in session.exec(select(Shop).order_by(Shop.name)):
                last = session.exec(
                    select(Check).where(Check.shop_id == shop.id).order_by(col(Check.id).desc()).limit(1)
                ).first()
                count, last_change = session.exec(
                    select(func.count(col(Version.id)), func.max(Version.first_seen)).where(Version.shop_id == shop.id)
                ).one()
                states.append(
                    ShopState(
                        name=shop.name,
                        url=shop.url,
                        language=shop.language,
                        last_check_at=last.at if last else None,
                        last_outcome=last.outcome if last else None,
                        last_status=last.status if last else None,
                        last_detail=(last.detail or last.decision) if last else None,
                        last_change_at=_aware(last_change),
                        versions=count,
                    )
                )
            return states

    def shop_id(self, session: Session | Connection, name: str) -> int:
        """The id of the named shop; ``StorageError`` when it is not in the database."""
        # Shops are never deleted nor renumbered: their ids are read once per Database, all
        # at once (a pass touches every shop).
        if name not in self._shop_ids:
            names = select(shop_table.c.name, shop_table.c.id)
            self._shop_ids.update((shop, shop_id) for shop, shop_id in session.execute(names))
        if name not in self._shop_ids:
            raise StorageError(f"shop {name!r} is not in the database")
        return self._shop_ids[name]

    def _shop(self, session: Session, name: str) -> Shop:
        shop = session.exec(select(Shop).where(Shop.name == name)).first()
        if shop is None:
            raise StorageError(f"shop {name!r} is not in the database")
        return shop

    # --- versions --------------------------------------------------------------------

    def versions(self, shop_name: str) -> list[StoredVersion]:
        """All versions of a shop, oldest first."""
        with self.session() as session:
            shop_id = self.shop_id(session, shop_name)
            rows = session.exec(select(Version).where(Version.shop_id == shop_id).order_by(col(Version.id)))
            return [stored_version(row, shop_name) for row in rows]

    def version(self, shop_name: str, version_id: int) -> StoredVersion | None:
        with self.session() as session:
            shop = self._shop(session, shop_name)
            row = session.get(Version, version_id)
            return stored_version(row, shop_name) if row and row.shop_id == shop.id else None

    def version_at(self, shop_name: str, when: datetime) -> StoredVersion | None:
        """The version that was current at ``when`` (the last first seen at or before it)."""
        with self.session() as session:
            shop = self._shop(session, shop_name)
            row = session.exec(
                select(Version)
                .where(Version.shop_id == shop.id, col(Version.first_seen) <= when)
                .order_by(col(Version.first_seen).desc(), col(Version.id).desc())
                .limit(1)
            ).first()
            return stored_version(row, shop_name) if row else None

    def findings(self, version_id: int) -> list[StoredFinding]:
        with self.session() as session:
            rows = session.exec(
                select(FindingRecord).where(FindingRecord.version_id == version_id).order_by(col(FindingRecord.id))
            )
            return [
                StoredFinding(r.category, r.change, r.entity, r.before, r.after, r.section, r.severity, r.detail)
                for r in rows
            ]

    def snapshot_ids(self, shop_name: str) -> list[tuple[int, datetime]]:
        """Snapshot ids of a shop's successful checks in check order, for re-processing."""
        with self.session() as session:
            shop = self._shop(session, shop_name)
            rows = session.exec(
                select(Check.snapshot_id, Check.at)
                .where(Check.shop_id == shop.id, col(Check.snapshot_id).is_not(None))
                .order_by(col(Check.id))
            )
            return [(snapshot_id, at) for snapshot_id, at in rows if snapshot_id is not None]

    def decision_counts(self, shop_name: str) -> dict[str, int]:
        """How many of the shop's checks ended with each decision."""
        with self.session() as session:
            shop = self._shop(session, shop_name)
            rows = session.exec(
                select(Check.decision, func.count(col(Check.id)))
                .where(Check.shop_id == shop.id, col(Check.decision).is_not(None))
                .group_by(Check.decision)
            )
            return {decision: count for decision, count in rows if decision is not None}


def _aware(value: datetime | None) -> datetime | None:
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


def _now() -> datetime:
    return datetime.now(UTC)


def open_database(url: str, blobs_dir: Path, *, upgrade: bool = True) -> Database:
    """Open the database, bringing its schema to the current revision (or refusing with StorageError)."""
    from storage.lock import schema_lock

    database = Database(url, DirectoryBlobStore(blobs_dir))
    if upgrade:
        try:
            if not schema_is_current(database.engine):
                with schema_lock(database):
                    upgrade_schema(database.engine)
        except SQLAlchemyError as exc:
            raise StorageError(_describe(url, exc)) from exc
    return database
