"""Storage on real SQLite and PostgreSQL: fetches, snapshots, versions, cursors, migrations."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from storage.db import Database, open_database
from storage.errors import StorageError
from storage.records import FetchRecord, NewVersion, Outcome, StoredFinding

T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


def fetch(body: bytes | None = b"<p>policy</p>", at: datetime = T0, outcome: Outcome = Outcome.OK, **extra: object) -> FetchRecord:
    return FetchRecord("shop", "https://shop.example/privacy", outcome, at, status=200 if body else None,
                       body=body, headers={"Content-Type": "text/html", "ETag": '"v1"'}, **extra)  # type: ignore[arg-type]


def version(text_value: str, at: datetime, snapshot_id: int | None = None, **extra: object) -> NewVersion:
    return NewVersion(text_value, f"hash-{text_value}", "en", "1", snapshot_id, at, **extra)  # type: ignore[arg-type]


@pytest.fixture
def db(database: Database) -> Database:
    database.sync_shops([("shop", "https://shop.example/privacy", "en")])
    return database


def test_same_body_is_stored_once_and_checks_share_its_snapshot(db: Database) -> None:
    db.record_fetch(fetch(at=T0))
    db.record_fetch(fetch(at=T0 + timedelta(hours=1)))
    first, second = db.pending_checks("shop")
    assert first.snapshot_id == second.snapshot_id is not None
    assert db.snapshot_body(first.snapshot_id)[0] == b"<p>policy</p>"


def test_failed_fetch_stores_no_snapshot(db: Database) -> None:
    db.record_fetch(FetchRecord("shop", "https://shop.example/privacy", Outcome.TIMEOUT, T0, detail="no answer in 30s"))
    (check,) = db.pending_checks("shop")
    assert check.outcome == "timeout" and check.snapshot_id is None
    assert db.versions("shop") == []


def test_successful_fetch_remembers_validators_for_conditional_requests(db: Database) -> None:
    db.record_fetch(fetch())
    assert db.conditional_validators()["shop"] == ('"v1"', None)


def test_settled_checks_are_not_pending_again(db: Database) -> None:
    db.record_fetch(fetch())
    (check,) = db.pending_checks("shop")
    db.add_version(check, "shop", version("a", T0, check.snapshot_id))
    assert db.pending_checks("shop") == []
    db.record_fetch(fetch(at=T0 + timedelta(days=1)))
    (later,) = db.pending_checks("shop")
    db.settle_check(later, "unchanged", seen=True)
    assert db.latest_version("shop").last_seen == T0 + timedelta(days=1)  # type: ignore[union-attr]


def test_versions_are_found_by_id_date_and_latest_with_aware_times(db: Database) -> None:
    first = db.add_version(None, "shop", version("a", T0))
    second = db.add_version(None, "shop", version("b", T0 + timedelta(days=10), material=True,
                                                  categories=("retention",),
                                                  findings=(StoredFinding("retention", "modified", None, "2 years", "5 years", "Retention"),)))
    assert [v.id for v in db.versions("shop")] == [first, second]
    assert db.version_at("shop", T0 + timedelta(days=5)).id == first  # type: ignore[union-attr]
    assert db.version_at("shop", T0 - timedelta(days=1)) is None
    latest = db.latest_version("shop")
    assert latest is not None and latest.id == second and latest.first_seen.tzinfo is not None
    assert latest.categories == ("retention",)
    assert db.findings(second)[0].after == "5 years"


def test_unknown_shop_is_a_storage_error(db: Database) -> None:
    with pytest.raises(StorageError, match="shop 'nope'"):
        db.versions("nope")


def test_opening_twice_does_not_migrate_again(database_url: str, tmp_path: Path) -> None:
    open_database(database_url, tmp_path / "b").engine.dispose()
    again = open_database(database_url, tmp_path / "b")
    with again.engine.connect() as connection:
        assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar() is not None
    again.engine.dispose()


def test_database_from_a_newer_policywatch_is_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'newer.db'}"
    open_database(url, tmp_path / "b").engine.dispose()
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = 'ffff_future'"))
    engine.dispose()
    with pytest.raises(StorageError, match="revision ffff_future"):
        open_database(url, tmp_path / "b")


def test_unwritable_database_is_one_storage_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(StorageError):
        open_database(f"sqlite:///{blocker / 'x.db'}", tmp_path / "b")


def test_head_revision_constant_is_alembics_head() -> None:
    from alembic.script import ScriptDirectory

    from storage.migrate import HEAD_REVISION, alembic_config

    assert ScriptDirectory.from_config(alembic_config()).get_heads() == [HEAD_REVISION]


def test_fetches_recorded_together_get_checks_in_order_and_share_a_new_snapshot(db: Database) -> None:
    ids = db.record_fetches([fetch(at=T0), fetch(at=T0 + timedelta(hours=1)), fetch(None, outcome=Outcome.TIMEOUT)])
    pending = db.pending_checks("shop")
    assert [check.id for check in pending] == ids == sorted(ids)
    assert pending[0].snapshot_id is not None and pending[0].snapshot_id == pending[1].snapshot_id
    assert (pending[2].outcome, pending[2].snapshot_id) == ("timeout", None)


def test_a_body_the_crawl_already_stored_is_not_stored_again_when_recorded(db: Database) -> None:
    stored: list[bytes] = []
    put = db.blobs.put

    def counting_put(body: bytes) -> str:
        stored.append(body)
        return put(body)

    db.blobs.put = counting_put  # type: ignore[method-assign]
    ahead = fetch(body=b"<p>stored ahead</p>")
    digest = db.blobs.put(ahead.body or b"")
    db.record_fetches([replace(ahead, blob_hash=digest), fetch(body=b"<p>not yet</p>")])
    assert stored == [b"<p>stored ahead</p>", b"<p>not yet</p>"]
    bodies = sorted(db.snapshot_body(c.snapshot_id)[0] for c in db.pending_checks("shop") if c.snapshot_id)
    assert bodies == [b"<p>not yet</p>", b"<p>stored ahead</p>"]


def test_a_batch_with_an_unknown_shop_records_none_of_its_fetches(db: Database) -> None:
    stranger = FetchRecord("nope", "https://nope.example/", Outcome.TIMEOUT, T0)
    with pytest.raises(StorageError, match="shop 'nope'"):
        db.record_fetches([fetch(), stranger])
    assert db.pending_checks("shop") == []


def test_only_shops_with_unprocessed_checks_are_pending(db: Database) -> None:
    db.sync_shops([("other", "https://other.example/privacy", None)])
    assert db.pending_shop_names() == []
    db.record_fetch(fetch())
    assert db.pending_shop_names() == ["shop"]
    (check,) = db.pending_checks("shop")
    db.settle_check(check, "failed")
    assert db.pending_shop_names() == []


def test_settling_a_check_remembers_its_text_hash_on_the_snapshot(db: Database) -> None:
    db.record_fetch(fetch())
    (check,) = db.pending_checks("shop")
    db.settle_check(check, "unchanged", cached_text=("digest", "9"))
    db.record_fetch(fetch(at=T0 + timedelta(hours=1)))
    (again,) = db.pending_checks("shop")
    assert (again.cached_text_hash, again.cached_normalizer_version) == ("digest", "9")


def test_guard_history_is_the_versions_and_the_settled_checks(db: Database) -> None:
    db.record_fetch(fetch())
    (check,) = db.pending_checks("shop")
    first = db.add_version(check, "shop", version("a", T0, check.snapshot_id), cached_text=("hash-a", "1"))
    db.record_fetch(fetch(at=T0 + timedelta(hours=1)))
    (later,) = db.pending_checks("shop")
    versions, recent = db.guard_history("shop", later.id)
    assert [v.id for v in versions] == [first]
    assert recent == db.settled_checks("shop", later.id)
    assert [(c.id, c.decision, c.text_hash) for c in recent] == [(check.id, "new_version", "hash-a")]


def test_latest_text_hash_is_the_newest_versions(db: Database) -> None:
    assert db.latest_text_hash("shop") is None
    db.add_version(None, "shop", version("one", T0))
    db.add_version(None, "shop", version("two", T0 + timedelta(days=1)))
    assert db.latest_text_hash("shop") == "hash-two" == db.latest_version("shop").text_hash  # type: ignore[union-attr]


def test_pending_checks_of_several_shops_come_in_one_answer(db: Database) -> None:
    db.sync_shops([("other", "https://other.example/privacy", "en")])
    db.record_fetch(fetch(at=T0))
    db.record_fetch(FetchRecord("other", "https://other.example/privacy", Outcome.TIMEOUT, T0))
    db.record_fetch(fetch(at=T0 + timedelta(hours=1)))
    pending = db.pending_checks_of(["shop", "other", "unknown"])
    assert {name: [c.at for c in checks] for name, checks in pending.items()} == {
        "shop": [T0, T0 + timedelta(hours=1)],
        "other": [T0],
    }
    assert db.pending_checks_of() == pending
    db.settle_check(pending["shop"][0], "unchanged")
    assert [c.at for c in db.pending_checks_of(["shop"])["shop"]] == [T0 + timedelta(hours=1)]


def test_pending_checks_after_an_id_are_only_the_newer_ones_of_the_named_or_all_shops(db: Database) -> None:
    db.sync_shops([("other", "https://other.example/privacy", "en")])
    first = db.record_fetch(fetch(at=T0))
    db.record_fetch(FetchRecord("other", "https://other.example/privacy", Outcome.TIMEOUT, T0))
    db.record_fetch(fetch(at=T0 + timedelta(hours=1)))
    many = ["shop", *(f"shop-{i}" for i in range(600))]  # filtered in Python, not bound
    for names in (["shop"], many, None):
        newer = db.pending_checks_of(names, after=first)
        assert [c.at for c in newer["shop"]] == [T0 + timedelta(hours=1)]
        assert ("other" in newer) is (names is None)
        assert db.pending_checks_of(names, after=max(c.id for cs in newer.values() for c in cs)) == {}
    # Still only pending ones: a settled check is not returned however new it is.
    db.settle_check(db.pending_checks_of(["shop"], after=first)["shop"][0], "unchanged")
    assert db.pending_checks_of(["shop"], after=first) == {}


def test_pending_checks_of_more_shops_than_a_statement_may_bind(db: Database) -> None:
    names = [f"shop-{i}" for i in range(70_000)]  # beyond what PostgreSQL (65,535) binds in one statement
    db.record_fetch(fetch(at=T0))
    assert list(db.pending_checks_of(["shop", *names])) == ["shop"]
    assert db.pending_checks_of(names) == {}


def test_monitoring_inputs_are_each_shops_own_latest_checks_and_states(db: Database) -> None:
    from storage.outbox import Outbox, ProblemState

    db.sync_shops([("shop", "https://shop.example/privacy", "en"), ("other", "https://other.example/privacy", None)])
    for hour in range(4):
        db.record_fetch(fetch(at=T0 + timedelta(hours=hour), outcome=Outcome.TIMEOUT, body=None))
    db.record_fetch(FetchRecord("other", "https://other.example/privacy", Outcome.OK, T0, status=200,
                                final_url="https://other.example/en/privacy", body=b"<p>other</p>"))
    outbox = Outbox(db)
    state = ProblemState("shop", "unreachable", True, 3, T0, "the shop is unreachable")
    outbox.change_problem(state, [], event="monitoring:unreachable:start:3", now=T0)

    inputs = outbox.monitoring_inputs(["shop", "other"], 3)

    shop_checks, shop_states = inputs["shop"]
    assert [c.at for c in shop_checks] == [T0 + timedelta(hours=hour) for hour in (3, 2, 1)]
    assert {c.outcome for c in shop_checks} == {"timeout"} and shop_checks[0].url is None
    assert shop_states == {"unreachable": state}
    other_checks, other_states = inputs["other"]
    assert [(c.outcome, c.url, c.final_url) for c in other_checks] == [
        ("ok", "https://other.example/privacy", "https://other.example/en/privacy")
    ]
    assert other_states == {}
    assert outbox.recent_checks("other", 3) == other_checks
