"""Change alerts through Apprise to a real local receiver: once per material change, filtered."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from monitor.config import Config, parse_config
from monitor.notify import deliver_pending, list_deliveries, send_test
from monitor.notify_targets import version_outbox
from storage.db import Database, open_database
from storage.records import NewVersion, StoredFinding
from tests.receiver import Receiver

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)  # a Monday

KLARNA = StoredFinding("processor", "added", "Klarna", None, "We use Klarna to handle invoice payments.",
                       "Payment", severity=100)
RETENTION = StoredFinding("retention", "modified", None, "We keep receipts for 7 years.",
                          "We keep receipts for 10 years.", "Retention", severity=80)
RIGHTS = StoredFinding("rights", "removed", None, "You may object by e-mail.", None, "Your rights", severity=40)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as running:
        yield running


def make_config(tmp_path: Path, database_url: str, notify: str) -> Config:
    return parse_config(make_config_text(tmp_path, database_url, notify), tmp_path / "policywatch.toml")


def make_config_text(tmp_path: Path, database_url: str, notify: str) -> str:
    return f"""
[database]
url = "{database_url}"
blobs = "{tmp_path / 'blobs'}"
[[shops]]
name = "alpha"
url = "https://alpha.example/privacy"
[[shops]]
name = "beta"
url = "https://beta.example/privacy"
{notify}
"""


def record(database: Database, config: Config, shop: str, text: str, at: datetime,
           findings: tuple[StoredFinding, ...] = ()) -> int:
    """Record a version the way processing does: the outbox rows in the same transaction."""
    categories = tuple(dict.fromkeys(f.category for f in findings))
    new = NewVersion(text=text, text_hash=str(hash(text)), language="en", normalizer_version="t",
                     snapshot_id=None, seen_at=at, material=bool(findings), categories=categories,
                     findings=findings)
    return database.add_version(None, shop, new, version_outbox(config, shop, new))


def setup(tmp_path: Path, database_url: str, notify: str) -> tuple[Config, Database]:
    config = make_config(tmp_path, database_url, notify)
    database = open_database(database_url, tmp_path / "blobs")
    database.sync_shops((shop.name, shop.url, shop.language) for shop in config.shops)
    return config, database


def test_one_alert_per_material_change_and_none_for_editorial(tmp_path: Path, database_url: str,
                                                                receiver: Receiver) -> None:
    config, database = setup(tmp_path, database_url, f'[[notify]]\nurl = "{receiver.url}"')
    first = record(database, config, "alpha", "v1", T0)
    record(database, config, "alpha", "v2 typo fixed", T0 + timedelta(hours=1))
    material = record(database, config, "alpha", "v3", T0 + timedelta(hours=2), (KLARNA, RETENTION))
    report = deliver_pending(database, config, now=T0 + timedelta(hours=3))
    again = deliver_pending(database, config, now=T0 + timedelta(hours=4))
    assert (report.sent, again.sent) == (1, 0)
    [message] = receiver.messages
    assert message["title"] == "policywatch: alpha changed its privacy policy (processor, retention)"
    assert "Klarna" in message["message"]
    assert "before: We keep receipts for 7 years." in message["message"]
    assert message["message"].rstrip().endswith(f"policywatch diff alpha --from {material - 1} --to {material}")
    assert first < material


def test_targets_hear_only_their_shops_categories_and_severity(tmp_path: Path, database_url: str) -> None:
    with Receiver() as shops_only, Receiver() as transfers_only, Receiver() as high_only:
        config, database = setup(tmp_path, database_url, f"""
[[notify]]
url = "{shops_only.url}"
shops = ["beta"]
[[notify]]
url = "{transfers_only.url}"
categories = ["transfer"]
[[notify]]
url = "{high_only.url}"
min_severity = "high"
""")
        record(database, config, "alpha", "v1", T0)
        record(database, config, "alpha", "v2", T0, (RETENTION,))
        record(database, config, "beta", "v1", T0)
        record(database, config, "beta", "v2", T0, (KLARNA, RIGHTS))
        deliver_pending(database, config, now=T0 + timedelta(minutes=1))
        assert shops_only.titles() == ["policywatch: beta changed its privacy policy (processor, rights)"]
        assert transfers_only.messages == []
        # The high-severity target hears of both changes, but only of their high findings.
        assert high_only.titles() == ["policywatch: alpha changed its privacy policy (retention)",
                                      "policywatch: beta changed its privacy policy (processor)"]
        assert "object by e-mail" not in high_only.messages[1]["message"]


def test_a_daily_digest_sends_one_message_after_the_day_ends(tmp_path: Path, database_url: str,
                                                               receiver: Receiver) -> None:
    config, database = setup(tmp_path, database_url, f'[[notify]]\nurl = "{receiver.url}"\ndigest = "daily"')
    record(database, config, "alpha", "v1", T0)
    record(database, config, "alpha", "v2", T0 + timedelta(hours=1), (KLARNA,))
    record(database, config, "beta", "v1", T0)
    record(database, config, "beta", "v2", T0 + timedelta(hours=2), (RETENTION,))
    assert deliver_pending(database, config, now=T0 + timedelta(hours=5)).sent == 0
    assert deliver_pending(database, config, now=T0 + timedelta(days=1)).sent == 1
    [digest] = receiver.messages
    assert digest["title"].startswith("policywatch digest: 2 privacy policy changes")
    assert "Klarna" in digest["message"] and "10 years" in digest["message"]


def test_a_receiver_down_for_two_passes_gets_the_alert_once_when_back(tmp_path: Path, database_url: str,
                                                                       receiver: Receiver) -> None:
    config, database = setup(tmp_path, database_url, f'[[notify]]\nurl = "{receiver.url}"')
    record(database, config, "alpha", "v1", T0)
    record(database, config, "alpha", "v2", T0, (KLARNA,))
    receiver.mode = "error"
    now = T0
    for _ in range(2):
        assert deliver_pending(database, config, now=now).failed == 1
        now += timedelta(hours=1)
    [pending] = list_deliveries(database, config)
    assert (pending.state, pending.attempts) == ("pending", 2)
    assert pending.last_error and "127.0.0.1" in pending.target
    receiver.mode = "up"
    # Backoff: a pass before the retry time sends nothing.
    assert deliver_pending(database, config, now=now - timedelta(minutes=59, seconds=30)).sent == 0
    assert deliver_pending(database, config, now=now).sent == 1
    assert deliver_pending(database, config, now=now + timedelta(days=1)).sent == 0
    assert len(receiver.messages) == 1
    assert list_deliveries(database, config)[0].state == "sent"


def test_secrets_in_a_target_url_are_never_shown(tmp_path: Path, database_url: str) -> None:
    config, database = setup(tmp_path, database_url,
                             '[[notify]]\nurl = "json://user:hunter2secret@127.0.0.1:9/"')
    record(database, config, "alpha", "v1", T0)
    record(database, config, "alpha", "v2", T0, (KLARNA,))
    report = deliver_pending(database, config, now=T0)
    [view] = list_deliveries(database, config)
    shown = " ".join(str(value) for value in view.to_json().values())
    assert report.failed == 1 and view.last_error
    assert "hunter2secret" not in shown + str(report)


def test_two_concurrent_delivery_runs_send_one_message(tmp_path: Path, database_url: str,
                                                       receiver: Receiver) -> None:
    config, database = setup(tmp_path, database_url, f'[[notify]]\nurl = "{receiver.url}"')
    record(database, config, "alpha", "v1", T0)
    record(database, config, "alpha", "v2", T0, (KLARNA,))
    other = open_database(database_url, tmp_path / "blobs")
    runs = [threading.Thread(target=deliver_pending, args=(db, config), kwargs={"now": T0})
            for db in (database, other)]
    for run in runs:
        run.start()
    for run in runs:
        run.join()
    assert len(receiver.messages) == 1


def test_send_test_reaches_the_chosen_target(tmp_path: Path, database_url: str, receiver: Receiver) -> None:
    config, _ = setup(tmp_path, database_url, f'[[notify]]\nurl = "json://127.0.0.1:9/"\n[[notify]]\nurl = "{receiver.url}"')
    [result] = send_test(config, target=1)
    assert result.sent and receiver.titles() == ["policywatch: test message"]


CHILD = """
import sys
from datetime import datetime
from monitor.config import load_config
from monitor.notify import deliver_pending
from storage.db import open_database
config = load_config(sys.argv[1])
database = open_database(config.database_url, config.blobs_path)
deliver_pending(database, config, now=datetime.fromisoformat(sys.argv[2]))
"""


def test_kill_9_during_a_delivery_loses_nothing_and_sends_nothing_twice(tmp_path: Path, receiver: Receiver) -> None:
    import subprocess
    import sys

    database_url = f"sqlite:///{tmp_path / 'policywatch.db'}"
    notify = f'[[notify]]\nurl = "{receiver.url}"'
    config, database = setup(tmp_path, database_url, notify)
    (tmp_path / "policywatch.toml").write_text(make_config_text(tmp_path, database_url, notify))
    versions = []
    for shop in ("alpha", "beta"):
        record(database, config, shop, "v1", T0)
    versions.append(record(database, config, "alpha", "v2", T0, (KLARNA,)))
    versions.append(record(database, config, "beta", "v2", T0, (RETENTION,)))
    versions.append(record(database, config, "alpha", "v3", T0, (RETENTION,)))
    receiver.stall_on = 2
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(tmp_path / "policywatch.toml"), T0.isoformat()],
                             cwd=Path(__file__).parents[2])
    try:
        assert receiver.stalled.wait(20), "the delivery never reached the receiver"
    finally:
        child.kill()  # SIGKILL: no clean-up of any kind in the child
        child.wait()
    assert [view.state for view in reversed(list_deliveries(database, config))] == ["sent", "sending", "pending"]
    report = deliver_pending(database, config, now=T0 + timedelta(minutes=1))
    assert (report.recovered, report.sent) == (1, 2)
    delivered = sorted(int(m["message"].rsplit("--to ", 1)[1].split()[0]) for m in receiver.messages)
    assert delivered == versions


def test_a_second_pass_on_a_locked_database_is_refused_with_one_line(tmp_path: Path, database_url: str) -> None:
    from storage.lock import PassLockBusy, pass_lock

    _, database = setup(tmp_path, database_url, "")
    errors: list[str] = []

    def second() -> None:
        other = open_database(database_url, tmp_path / "blobs")
        try:
            with pass_lock(other, wait=0):
                pass
        except PassLockBusy as exc:
            errors.append(str(exc))

    with pass_lock(database):
        thread = threading.Thread(target=second)
        thread.start()
        thread.join()
    assert errors == ["another policywatch pass is running on this database; try again when it has finished"]
    second()
    assert len(errors) == 1
