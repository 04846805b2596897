"""Database tables: shops, fetch checks, raw snapshots, versions and their findings.

A *check* is one fetch attempt (compact: an unchanged check costs one small row). A
*snapshot* is a distinct raw response body of a shop; the body itself is a blob (see
``storage.blobs``). A *version* is a distinct normalized text with its first and last seen.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime, Index, Table, TypeDecorator, UniqueConstraint
from sqlmodel import Field, SQLModel


class UTCDateTime(TypeDecorator[datetime]):
    """Stores UTC instants; hands back timezone-aware datetimes on every database."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; use UTC-aware datetimes")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _utc_column(*, nullable: bool = False, index: bool = False) -> Any:
    return Field(sa_column=Column(UTCDateTime(), nullable=nullable, index=index))


class Shop(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=64, unique=True)
    url: str
    language: str | None = Field(default=None, max_length=8)
    # Conditional-request validators of the last successful fetch.
    etag: str | None = None
    last_modified: str | None = None
    # The last check that monitor.process has turned into versions (crash-safe cursor).
    processed_through: int = 0
    created_at: datetime = _utc_column()


class Snapshot(SQLModel, table=True):
    """A distinct raw body of a shop's page, stored once, with how it was first fetched."""

    __table_args__ = (UniqueConstraint("shop_id", "blob_hash"),)

    id: int | None = Field(default=None, primary_key=True)
    shop_id: int = Field(foreign_key="shop.id")
    blob_hash: str = Field(max_length=64)
    fetched_at: datetime = _utc_column()
    status: int
    url: str
    final_url: str
    headers: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    size: int
    elapsed_ms: int
    # Normalization cache: the text hash this body gave with a given normalizer version.
    text_hash: str | None = Field(default=None, max_length=64)
    normalizer_version: str | None = Field(default=None, max_length=16)


class Check(SQLModel, table=True):
    """One fetch attempt and its outcome; failed fetches never reference a snapshot."""

    __table_args__ = (Index("ix_check_shop_id_id", "shop_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    shop_id: int = Field(foreign_key="shop.id")
    at: datetime = _utc_column()
    outcome: str = Field(max_length=16)
    status: int | None = None
    snapshot_id: int | None = Field(default=None, foreign_key="snapshot.id")
    elapsed_ms: int | None = None
    detail: str | None = None
    # What processing decided (unchanged, new_version, ...), or why the page was held.
    decision: str | None = Field(default=None, max_length=32)


class Version(SQLModel, table=True):
    """A distinct normalized text of a shop's policy."""

    __table_args__ = (Index("ix_version_shop_id_first_seen", "shop_id", "first_seen"),)

    id: int | None = Field(default=None, primary_key=True)
    shop_id: int = Field(foreign_key="shop.id")
    snapshot_id: int | None = Field(default=None, foreign_key="snapshot.id")
    text: str
    text_hash: str = Field(max_length=64)
    language: str | None = Field(default=None, max_length=8)
    normalizer_version: str = Field(max_length=16)
    first_seen: datetime = _utc_column()
    last_seen: datetime = _utc_column()
    # Produced by re-normalizing stored snapshots, not by a change of the page: never alerts.
    technical: bool = False
    # Accepted after a wrong-page guard held it for several checks (a structural rewrite).
    structural: bool = False
    # The change from the previous version.
    material: bool = False
    categories: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    counts: dict[str, int] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class FindingRecord(SQLModel, table=True):
    """One material finding of the change that produced a version."""

    __tablename__ = "finding"

    id: int | None = Field(default=None, primary_key=True)
    version_id: int = Field(foreign_key="version.id", index=True)
    category: str = Field(max_length=32)
    change: str = Field(max_length=16)
    entity: str | None = None
    before: str | None = None
    after: str | None = None
    section: str | None = None
    severity: int = 0
    detail: str = ""


class Delivery(SQLModel, table=True):
    """The outbox: one alert owed to one notify target, written with the event that causes it.

    ``target`` is a stable hash of the expanded Apprise URL (never the URL, which may hold
    secrets). The unique (target, event) pair is what makes a delivery happen at most once.
    """

    __table_args__ = (
        UniqueConstraint("target", "event"),
        Index("ix_delivery_state_next_attempt_at", "state", "next_attempt_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    target: str = Field(max_length=32)
    # What is announced: "version:<id>", or "monitoring:<problem>:<start|end>:<check id>".
    event: str = Field(max_length=128)
    kind: str = Field(max_length=16)
    shop_id: int = Field(foreign_key="shop.id")
    version_id: int | None = Field(default=None, foreign_key="version.id")
    detail: str = ""
    # pending -> sending (claimed, committed before the send) -> sent.
    state: str = Field(default="pending", max_length=16)
    created_at: datetime = _utc_column()
    # Not before this instant: the end of the digest period, else the creation time.
    due_at: datetime = _utc_column()
    next_attempt_at: datetime = _utc_column()
    attempts: int = 0
    last_attempt_at: datetime | None = _utc_column(nullable=True)
    last_error: str | None = None
    sent_at: datetime | None = _utc_column(nullable=True)


class MonitorState(SQLModel, table=True):
    """A monitoring problem of a shop (page gone, unreachable, ...) and whether it is ongoing."""

    __tablename__ = "monitor_state"
    __table_args__ = (UniqueConstraint("shop_id", "problem"),)

    id: int | None = Field(default=None, primary_key=True)
    shop_id: int = Field(foreign_key="shop.id")
    problem: str = Field(max_length=16)
    active: bool = False
    # The check that started (or, when inactive, ended) the problem.
    check_id: int = 0
    since: datetime = _utc_column()
    detail: str = ""


def _table(model: type[SQLModel]) -> Table:
    return model.__table__  # type: ignore[attr-defined,no-any-return]


# The tables themselves, for the modules that write SQL statements rather than load ORM objects.
shop_table = _table(Shop)
check_table = _table(Check)
snapshot_table = _table(Snapshot)
version_table = _table(Version)
finding_table = _table(FindingRecord)
delivery_table = _table(Delivery)
