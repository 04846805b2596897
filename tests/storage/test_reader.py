"""The read-only reader on real SQLite and PostgreSQL: the same records as Database, never a write."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import text

from storage.db import Database
from storage.errors import StorageError
from storage.reader import HistoryReader, open_reader
from storage.records import FetchRecord, NewVersion, Outcome
from storage.revision import HEAD_REVISION

T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
SHOPS = [("shop", "https://shop.example/privacy", "en"), ("another", "https://another.example/privacy", None)]


def fetch(body: bytes, at: datetime, shop: str = "shop") -> FetchRecord:
    return FetchRecord(shop, "https://shop.example/privacy", Outcome.OK, at, status=200, body=body,
                       headers={"Content-Type": "text/html"})


def record(db: Database, body: bytes, at: datetime) -> None:
    db.record_fetch(fetch(body, at))


@pytest.fixture
def db(database: Database) -> Database:
    """Two shops; 'shop' has four versions (one technical, one structural) and held, unchanged and failed checks."""
    database.sync_shops(SHOPS)
    texts = ["first text", "second text", "third text", "fourth text"]
    for day, value in enumerate(texts):
        at = T0 + timedelta(days=day * 10)
        record(database, value.encode(), at)
        (check,) = database.pending_checks("shop")
        database.add_version(check, "shop", NewVersion(
            value, f"hash-{day}", "en", "1", check.snapshot_id, at,
            technical=day == 2, structural=day == 3, material=day == 1,
            categories=("processor", "retention") if day == 1 else (), counts={"insert": day, "modify": 1} if day else {},
        ), decision="new_version:flap" if day == 3 else "new_version")
        record(database, value.encode(), at + timedelta(hours=1))
        (again,) = database.pending_checks("shop")
        database.settle_check(again, "held:flap" if day == 1 else "unchanged", seen=True)
    database.record_fetch(FetchRecord("shop", "https://shop.example/privacy", Outcome.TIMEOUT, T0 + timedelta(days=40),
                                      detail="no answer in 30s"))
    return database


@pytest.fixture
def reader(db: Database) -> Iterator[HistoryReader]:
    opened = open_reader(db.url)
    assert opened is not None, "a current database must be read through the reader"
    yield opened
    opened.close()


def test_reader_reads_the_same_versions_as_the_database(db: Database, reader: HistoryReader) -> None:
    assert reader.shop_names() == db.shop_names()
    assert len(db.versions("shop")) == 4
    assert reader.versions("shop") == db.versions("shop")
    # Equal is not enough where JSON output is concerned: 1 == True, but prints as 1.
    assert {type(flag) for v in reader.versions("shop") for flag in (v.technical, v.structural, v.material)} == {bool}
    assert reader.versions("another") == db.versions("another") == []
    assert reader.latest_version("shop") == db.latest_version("shop")
    assert reader.latest_version("another") is None


def test_reader_finds_a_version_by_id_only_within_its_shop(db: Database, reader: HistoryReader) -> None:
    for stored in db.versions("shop"):
        assert reader.version("shop", stored.id) == db.version("shop", stored.id) == stored
        assert reader.version("another", stored.id) is None
    assert reader.version("shop", 9999) is None


@pytest.mark.parametrize("offset", [timedelta(days=-1), timedelta(0), timedelta(microseconds=1), timedelta(days=15),
                                    timedelta(days=30, microseconds=-1), timedelta(days=400)])
def test_reader_finds_the_version_current_at_a_moment(db: Database, reader: HistoryReader, offset: timedelta) -> None:
    when = T0 + offset
    assert reader.version_at("shop", when) == db.version_at("shop", when)
    # The same instant written in another time zone is the same moment.
    elsewhere = when.astimezone(timezone(timedelta(hours=-5)))
    assert reader.version_at("shop", elsewhere) == db.version_at("shop", when)


def test_reader_counts_decisions_as_the_database_does(db: Database, reader: HistoryReader) -> None:
    counts = reader.decision_counts("shop")
    assert counts == db.decision_counts("shop")
    assert counts["held:flap"] == 1 and counts["new_version:flap"] == 1
    assert reader.decision_counts("another") == {}


def test_reader_gives_the_same_shop_states_as_the_database(db: Database, reader: HistoryReader) -> None:
    states = reader.shop_states()
    assert states == db.shop_states()
    assert [(state.name, state.last_outcome, state.versions) for state in states] == [
        ("another", None, 0), ("shop", "timeout", 4)
    ]


def test_reader_refuses_an_unknown_shop_as_the_database_does(db: Database, reader: HistoryReader) -> None:
    with pytest.raises(StorageError) as from_database:
        db.versions("nosuchshop")
    with pytest.raises(StorageError) as from_reader:
        reader.versions("nosuchshop")
    assert str(from_reader.value) == str(from_database.value)


def test_reader_cannot_write(db: Database, reader: HistoryReader) -> None:
    with pytest.raises(StorageError):
        reader._rows('UPDATE "shop" SET url = ?', ("https://changed.example/",))
    assert {state.url for state in db.shop_states()} == {url for _, url, _ in SHOPS}


@pytest.mark.parametrize("revisions", [["9999"], [], [HEAD_REVISION, "9999"]], ids=["ahead", "none", "branched"])
def test_no_reader_for_a_schema_at_another_revision(db: Database, revisions: list[str]) -> None:
    with db.engine.begin() as connection:
        connection.execute(text("DELETE FROM alembic_version"))
        for revision in revisions:
            connection.execute(text("INSERT INTO alembic_version (version_num) VALUES (:r)"), {"r": revision})
    assert open_reader(db.url) is None


def test_no_reader_for_a_database_without_tables(database_url: str) -> None:
    if database_url.startswith("sqlite:///"):
        Path(database_url.removeprefix("sqlite:///")).touch()
    assert open_reader(database_url) is None


def test_no_reader_for_a_missing_sqlite_file_and_none_is_created(tmp_path: Path) -> None:
    path = tmp_path / "absent.db"
    assert open_reader(f"sqlite:///{path}") is None
    assert not path.exists()


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:", "mysql://localhost/policywatch"])
def test_no_reader_for_urls_only_sqlalchemy_understands(url: str) -> None:
    assert open_reader(url) is None


def test_reader_revision_is_alembics_head() -> None:
    from alembic.script import ScriptDirectory

    from storage.migrate import alembic_config

    assert ScriptDirectory.from_config(alembic_config()).get_heads() == [HEAD_REVISION]
