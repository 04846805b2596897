"""Processing stored checks in background workers while a crawl stores them, then a final drain."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from monitor.config import Config, parse_config
from monitor.database import open_configured_database
from monitor.process import BackgroundProcessing, process_pending
from storage.errors import StorageError
from storage.lock import pass_lock
from storage.records import FetchRecord, Outcome

T0 = datetime(2026, 5, 4, 8, 0, tzinfo=UTC)
SHOPS = ["alpha", "beta", "gamma", "delta", "epsilon"]
PARAGRAPHS = [
    "We process your personal data when you buy something in our shop.",
    "The controller of your personal data is Sample Goods Ltd in Bristol.",
    "We process your name, email address and postal address to fulfil the contract.",
    "We keep invoices for seven years because accounting law requires it.",
    "You have the right to access, correct and erase your data and to complain to the supervisory authority.",
]
REPO = Path(__file__).resolve().parents[2]


def page(shop: str, extra: str = "") -> bytes:
    body = "".join(f"<p>{p}</p>" for p in [*PARAGRAPHS, f"This policy applies to {shop}. {extra}"])
    return f"<html><head><title>Privacy</title></head><body><main><h1>Privacy</h1>{body}</main></body></html>".encode()


@pytest.fixture
def config(tmp_path: Path, database_url: str) -> Config:
    shops = "".join(f'[[shops]]\nname = "{n}"\nurl = "https://{n}.example/privacy"\nlanguage = "en"\n' for n in SHOPS)
    text = f'[database]\nurl = "{database_url}"\nblobs = "{tmp_path / "blobs"}"\n{shops}'
    return parse_config(text, tmp_path / "policywatch.toml")


def fetched(shop: str, at: datetime = T0, body: bytes | None = None) -> FetchRecord:
    return FetchRecord(shop, f"https://{shop}.example/privacy", Outcome.OK, at, status=200,
                       headers={"content-type": "text/html"}, body=body or page(shop))


def test_checks_stored_while_the_workers_run_become_exactly_one_version_each(config: Config) -> None:
    database = open_configured_database(config)
    with BackgroundProcessing(config, workers=2) as background:
        for shop in SHOPS:
            database.record_fetch(fetched(shop))
            time.sleep(0.02)  # as a crawl stores its pages: some arrive while workers are idle
        report = background.finish()
    assert sorted(event.shop for event in report.versions) == sorted(SHOPS)
    assert (report.checks, report.failed, report.held) == (5, 0, 0)
    assert database.pending_shop_names() == []
    assert [len(database.versions(shop)) for shop in SHOPS] == [1] * 5


def test_the_final_drain_processes_what_arrived_last_and_unchanged_pages_add_no_version(config: Config) -> None:
    database = open_configured_database(config)
    database.record_fetches([fetched(shop) for shop in SHOPS])
    process_pending(database, config)
    with BackgroundProcessing(config, workers=2) as background:
        database.record_fetches([fetched(shop, T0 + timedelta(days=1)) for shop in SHOPS[:4]])
        database.record_fetch(fetched("epsilon", T0 + timedelta(days=1), page("epsilon", "We now use Klarna.")))
        report = background.finish()
    assert (report.checks, report.unchanged, [event.shop for event in report.versions]) == (5, 4, ["epsilon"])


def test_a_check_committed_after_a_newer_one_is_still_processed_by_the_final_drain(
    config: Config, database_url: str
) -> None:
    # Workers read only checks newer than the last one they saw; PostgreSQL can commit a check
    # after a newer one (ids come from a sequence), and such a check must not be lost.
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite has one writer at a time: its ids are committed in order")
    from sqlalchemy import insert

    from storage.models import Check, Shop

    database = open_configured_database(config)
    with BackgroundProcessing(config, workers=1) as background, database.engine.connect() as late:
        transaction = late.begin()
        alpha = late.execute(Shop.__table__.select().where(Shop.__table__.c.name == "alpha")).one().id
        late.execute(insert(Check.__table__).values(shop_id=alpha, at=T0, outcome="timeout"))
        database.record_fetch(fetched("beta"))  # a newer id, committed first
        deadline = time.monotonic() + 20
        while database.pending_shop_names() and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.3)  # the worker looks again and finds nothing newer than beta's check
        transaction.commit()
        report = background.finish()
    assert (report.checks, report.failed, [event.shop for event in report.versions]) == (2, 1, ["beta"])
    assert database.pending_shop_names() == []


def _a_check_whose_blob_is_missing(config: Config) -> None:
    open_configured_database(config).record_fetch(fetched("alpha"))
    for blob in Path(config.blobs_path).rglob("*.z"):
        blob.unlink()


def test_a_workers_storage_failure_is_raised_by_finish(config: Config) -> None:
    _a_check_whose_blob_is_missing(config)
    with BackgroundProcessing(config, workers=1) as background, pytest.raises(StorageError, match="missing"):
        background.finish()


def test_a_worker_that_failed_and_exited_before_finish_still_has_its_error_raised(config: Config) -> None:
    _a_check_whose_blob_is_missing(config)
    with BackgroundProcessing(config, workers=1) as background, pytest.raises(StorageError, match="missing"):
        deadline = time.monotonic() + 20
        while any(_alive(pid) for pid in background.pids) and time.monotonic() < deadline:
            time.sleep(0.05)
        background.finish()


def test_workers_stop_when_the_crawl_fails_before_finish(config: Config) -> None:
    with pytest.raises(RuntimeError, match="crawl failed"), BackgroundProcessing(config, workers=2) as background:
        pids = background.pids
        raise RuntimeError("crawl failed")
    assert len(pids) == 2 and not any(_alive(pid) for pid in pids)


KILLED_PARENT = """
import sys, time
from monitor.config import load_config
from monitor.database import open_configured_database
from monitor.process import BackgroundProcessing
from storage.lock import pass_lock
config = load_config(sys.argv[1])
database = open_configured_database(config)
with pass_lock(database, wait=0), BackgroundProcessing(config, workers=2) as background:
    print(" ".join(map(str, background.pids)), flush=True)
    time.sleep(60)
"""


def test_workers_die_with_a_killed_parent_and_release_the_pass_lock(config: Config, tmp_path: Path) -> None:
    if not config.database_url.startswith("sqlite"):
        pytest.skip("the pass lock of this test is SQLite's file lock")
    path = tmp_path / "policywatch.toml"
    path.write_text(f'[database]\nurl = "{config.database_url}"\nblobs = "{config.blobs_path}"\n'
                    '[[shops]]\nname = "alpha"\nurl = "https://alpha.example/privacy"\n')
    parent = subprocess.Popen([sys.executable, "-c", KILLED_PARENT, str(path)], cwd=REPO, stdout=subprocess.PIPE,
                              text=True, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert parent.stdout is not None
    pids = [int(pid) for pid in parent.stdout.readline().split()]
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    deadline = time.monotonic() + 5
    while any(_alive(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(pids) == 2 and not any(_alive(pid) for pid in pids)
    with pass_lock(open_configured_database(config), wait=0):
        pass


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie has exited; only its parent's wait is missing.
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().split(")")[-1].split()[0] == "Z")
