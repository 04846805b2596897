"""Monitoring alerts: once when a problem starts, once when it ends, never on every run."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from monitor.notify import notify_after_pass
from storage.db import Database
from storage.records import FetchRecord, Outcome
from tests.monitor.test_notify import T0, setup
from tests.receiver import Receiver

URL = "https://alpha.example/privacy"


def check(database: Database, index: int, outcome: Outcome, status: int | None = None,
          final_url: str | None = None) -> None:
    body = f"<main>policy text {index}</main>".encode() if outcome is Outcome.OK else None
    database.record_fetch(FetchRecord("alpha", URL, outcome, T0 + timedelta(hours=index), status=status,
                                      final_url=final_url, body=body, headers={"content-type": "text/html"}))


def run(database: Database, config, index: int) -> None:  # type: ignore[no-untyped-def]
    notify_after_pass(database, config, now=T0 + timedelta(hours=index, minutes=1))


def test_a_page_gone_for_three_checks_alerts_once_and_once_more_when_back(tmp_path: Path, database_url: str) -> None:
    with Receiver() as receiver:
        config, database = setup(tmp_path, database_url, f'[[notify]]\nurl = "{receiver.url}"')
        for index in range(6):
            check(database, index, Outcome.HTTP_ERROR, 404)
            run(database, config, index)
        assert receiver.titles() == ["policywatch: monitoring problem with alpha: the policy page is gone "
                                     "(HTTP 404 for 3 checks)"]
        check(database, 6, Outcome.OK, 200)
        run(database, config, 6)
        check(database, 7, Outcome.OK, 200)
        run(database, config, 7)
        assert receiver.titles()[1:] == ["policywatch: monitoring of alpha is back to normal"]


def test_one_failed_fetch_between_good_ones_sends_nothing(tmp_path: Path, database_url: str) -> None:
    with Receiver() as receiver:
        config, database = setup(tmp_path, database_url, f'[[notify]]\nurl = "{receiver.url}"')
        for index, outcome in enumerate([Outcome.OK, Outcome.TIMEOUT, Outcome.TIMEOUT, Outcome.OK, Outcome.REFUSED]):
            check(database, index, outcome)
            run(database, config, index)
        assert receiver.messages == []


def test_a_shop_unreachable_for_three_checks_is_one_alert(tmp_path: Path, database_url: str) -> None:
    with Receiver() as receiver:
        config, database = setup(tmp_path, database_url, f'[[notify]]\nurl = "{receiver.url}"')
        for index in range(5):
            check(database, index, Outcome.DNS_ERROR)
            run(database, config, index)
        assert receiver.titles() == ["policywatch: monitoring problem with alpha: the shop is unreachable "
                                     "(dns_error for 3 consecutive checks)"]


def test_a_redirect_to_another_page_is_reported_but_https_is_not(tmp_path: Path, database_url: str) -> None:
    with Receiver() as receiver:
        config, database = setup(tmp_path, database_url, f'[[notify]]\nurl = "{receiver.url}"')
        check(database, 0, Outcome.OK, 200, final_url="https://www.alpha.example/privacy/")
        run(database, config, 0)
        for index in (1, 2):
            check(database, index, Outcome.OK, 200, final_url="https://alpha.example/")
            run(database, config, index)
        assert receiver.titles() == ["policywatch: monitoring problem with alpha: the policy page redirects "
                                     "to https://alpha.example/"]


def test_monitoring_alerts_follow_the_target_filters(tmp_path: Path, database_url: str) -> None:
    with Receiver() as changes_only, Receiver() as monitoring_only:
        config, database = setup(tmp_path, database_url, f"""
[[notify]]
url = "{changes_only.url}"
categories = ["processor"]
[[notify]]
url = "{monitoring_only.url}"
categories = ["monitoring"]
""")
        for index in range(3):
            check(database, index, Outcome.HTTP_ERROR, 410)
            run(database, config, index)
        assert changes_only.messages == [] and len(monitoring_only.messages) == 1


def test_a_page_held_by_the_guard_for_two_checks_is_one_alert_but_flaps_are_not(tmp_path: Path, database_url: str) -> None:
    with Receiver() as receiver:
        config, database = setup(tmp_path, database_url, f'[[notify]]\nurl = "{receiver.url}"')
        for index, decision in enumerate(["held:flap", "held:flap", "held:not_policy", "held:not_policy", "held:not_policy"]):
            check(database, index, Outcome.OK, 200)
            (pending,) = database.pending_checks("alpha")
            database.settle_check(pending, decision, detail="login page")
            run(database, config, index)
        assert receiver.titles() == ["policywatch: monitoring problem with alpha: the fetched page is held, "
                                     "not recorded (login page) for 2 checks"]
