"""Read stored shops and versions through DB-API alone, for the commands that only read.

Sits beside ``storage.db``: ``history``, ``show`` and ``shops`` read through a
``HistoryReader`` (stdlib ``sqlite3``, or ``psycopg`` for PostgreSQL) and get the same
records as ``Database`` gives, without importing SQLAlchemy. It never writes: SQLite is
opened with ``mode=ro``, PostgreSQL sessions are read-only. ``open_reader`` returns None
whenever the full path must decide instead (no database yet, schema behind or ahead, a URL
it does not understand): that path then migrates or refuses exactly as it always has.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import quote

from storage.errors import StorageError
from storage.records import ShopState, StoredVersion
from storage.revision import HEAD_REVISION

# The format SQLAlchemy's SQLite dialect stores DateTime columns in (naive UTC, see
# storage.models.UTCDateTime): bound values must compare as these strings do.
_SQLITE_DATETIME = "%Y-%m-%d %H:%M:%S.%f"
_VERSION_COLUMNS = (
    "id, text, text_hash, language, normalizer_version, first_seen, last_seen, snapshot_id,"
    " technical, structural, material, categories, counts"
)


class HistorySource(Protocol):
    """The reads ``monitor.history`` needs; ``storage.db.Database`` and ``HistoryReader`` both give them."""

    def shop_names(self) -> list[str]: ...

    def versions(self, shop_name: str) -> list[StoredVersion]: ...

    def latest_version(self, shop_name: str) -> StoredVersion | None: ...

    def version(self, shop_name: str, version_id: int) -> StoredVersion | None: ...

    def version_at(self, shop_name: str, when: datetime) -> StoredVersion | None: ...

    def decision_counts(self, shop_name: str) -> dict[str, int]: ...


class HistoryReader:
    """A read-only DB-API connection and the queries of ``Database`` that only read."""

    def __init__(self, connection: Any, error: type[Exception], *, sqlite: bool, shown: str) -> None:
        self._connection = connection
        self._error = error  # the driver's DB-API Error class
        self._sqlite = sqlite
        self._shown = shown

    def close(self) -> None:
        self._connection.close()

    def _rows(self, sql: str, parameters: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        # One statement, one short transaction (as each Database method has its own session).
        try:
            try:
                return list(self._connection.execute(sql if self._sqlite else sql.replace("?", "%s"), tuple(parameters)))
            finally:
                if not self._sqlite:
                    self._connection.rollback()
        except self._error as exc:
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise StorageError(f"database {self._shown}: {reason}") from exc

    def _when(self, moment: datetime) -> Any:
        return moment.astimezone(UTC).strftime(_SQLITE_DATETIME) if self._sqlite else moment

    # --- shops -----------------------------------------------------------------------

    def shops(self) -> list[tuple[str, str, str | None]]:
        """Every stored shop as (name, url, language)."""
        return [(name, url, language) for name, url, language in self._rows('SELECT name, url, language FROM "shop"')]

    def shop_names(self) -> list[str]:
        return [name for (name,) in self._rows('SELECT name FROM "shop" ORDER BY name')]

    def _shop_id(self, shop_name: str) -> int:
        rows = self._rows('SELECT id FROM "shop" WHERE name = ?', (shop_name,))
        if not rows:
            raise StorageError(f"shop {shop_name!r} is not in the database")
        return int(rows[0][0])

    def shop_states(self) -> list[ShopState]:
        """As ``Database.shop_states``: each shop's last check and its number of versions."""
        states = []
        for shop_id, name, url, language in self._rows('SELECT id, name, url, language FROM "shop" ORDER BY name'):
            last = self._rows(
                'SELECT at, outcome, status, detail, decision FROM "check" WHERE shop_id = ? ORDER BY id DESC LIMIT 1',
                (shop_id,),
            )
            ((count, last_change),) = self._rows(
                'SELECT count(id), max(first_seen) FROM "version" WHERE shop_id = ?', (shop_id,)
            )
            at, outcome, status, detail, decision = last[0] if last else (None,) * 5
            states.append(
                ShopState(
                    name=name,
                    url=url,
                    language=language,
                    last_check_at=_utc(at),
                    last_outcome=outcome,
                    last_status=status,
                    last_detail=(detail or decision) if last else None,
                    last_change_at=_utc(last_change),
                    versions=count,
                )
            )
        return states

    # --- versions --------------------------------------------------------------------

    def versions(self, shop_name: str) -> list[StoredVersion]:
        """All versions of a shop, oldest first."""
        rows = self._rows(
            f'SELECT {_VERSION_COLUMNS} FROM "version" WHERE shop_id = ? ORDER BY id', (self._shop_id(shop_name),)
        )
        return [_version(row, shop_name) for row in rows]

    def latest_version(self, shop_name: str) -> StoredVersion | None:
        rows = self._rows(
            f'SELECT {_VERSION_COLUMNS} FROM "version" WHERE shop_id = ? ORDER BY id DESC LIMIT 1',
            (self._shop_id(shop_name),),
        )
        return _version(rows[0], shop_name) if rows else None

    def version(self, shop_name: str, version_id: int) -> StoredVersion | None:
        rows = self._rows(
            f'SELECT {_VERSION_COLUMNS} FROM "version" WHERE id = ? AND shop_id = ?',
            (version_id, self._shop_id(shop_name)),
        )
        return _version(rows[0], shop_name) if rows else None

    def version_at(self, shop_name: str, when: datetime) -> StoredVersion | None:
        """The version that was current at ``when`` (the last first seen at or before it)."""
        rows = self._rows(
            f'SELECT {_VERSION_COLUMNS} FROM "version" WHERE shop_id = ? AND first_seen <= ?'
            " ORDER BY first_seen DESC, id DESC LIMIT 1",
            (self._shop_id(shop_name), self._when(when)),
        )
        return _version(rows[0], shop_name) if rows else None

    def decision_counts(self, shop_name: str) -> dict[str, int]:
        """How many of the shop's checks ended with each decision."""
        rows = self._rows(
            'SELECT decision, count(id) FROM "check" WHERE shop_id = ? AND decision IS NOT NULL GROUP BY decision',
            (self._shop_id(shop_name),),
        )
        return {decision: count for decision, count in rows}


def open_reader(url: str) -> HistoryReader | None:
    """A read-only reader of the database at ``url``, or None when the full path must open it.

    None when the database does not exist, cannot be opened, has no schema or another
    revision than ``HEAD_REVISION``, or the URL is of a form only SQLAlchemy understands.
    """
    if url.startswith("sqlite:///"):
        reader = _open_sqlite(url.removeprefix("sqlite:///"))
    elif url.startswith(("postgresql://", "postgresql+psycopg://")):
        reader = _open_postgres(url)
    else:
        return None
    if reader is None:
        return None
    try:
        revisions = {row[0] for row in reader._rows("SELECT version_num FROM alembic_version")}
    except StorageError:  # no alembic_version table: an empty database, to be created
        revisions = set()
    if revisions != {HEAD_REVISION}:
        reader.close()
        return None
    return reader


def _open_sqlite(path: str) -> HistoryReader | None:
    import sqlite3

    # In-memory databases and URL query options are left to SQLAlchemy.
    if not path or path == ":memory:" or "?" in path or "%" in path or not Path(path).is_file():
        return None
    try:
        # timeout = the busy_timeout storage.db sets: wait for a writer rather than fail.
        connection = sqlite3.connect(f"file:{quote(path)}?mode=ro", uri=True, timeout=30)
    except sqlite3.Error:
        return None
    return HistoryReader(connection, sqlite3.Error, sqlite=True, shown=path)


def _open_postgres(url: str) -> HistoryReader | None:
    import psycopg

    # libpq understands SQLAlchemy's URL once the driver name is gone; query options it
    # does not know make the connection fail, and the full path reports that as before.
    conninfo = url.replace("postgresql+psycopg://", "postgresql://", 1)
    try:
        connection = psycopg.connect(conninfo)
        connection.read_only = True
    except psycopg.Error:
        return None
    return HistoryReader(connection, psycopg.Error, sqlite=False, shown=url.split("@")[-1])


def _utc(value: datetime | str | None) -> datetime | None:
    """A stored instant as an aware UTC datetime (SQLite hands back naive UTC strings)."""
    if value is None:
        return None
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _json(value: Any) -> Any:
    # SQLite keeps JSON columns as text; psycopg already decodes PostgreSQL's json type.
    return json.loads(value) if isinstance(value, str) else value


def _version(row: Sequence[Any], shop_name: str) -> StoredVersion:
    (version_id, text, text_hash, language, normalizer_version, first_seen, last_seen, snapshot_id,
     technical, structural, material, categories, counts) = row
    return StoredVersion(
        id=version_id or 0,
        shop=shop_name,
        text=text,
        text_hash=text_hash,
        language=language,
        normalizer_version=normalizer_version,
        first_seen=_utc(first_seen),  # type: ignore[arg-type]
        last_seen=_utc(last_seen),  # type: ignore[arg-type]
        snapshot_id=snapshot_id,
        technical=bool(technical),
        structural=bool(structural),
        material=bool(material),
        categories=tuple(_json(categories) or ()),
        counts=dict(_json(counts) or {}),
    )
