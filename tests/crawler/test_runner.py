"""Whole crawl passes through ``run_pass``, each in its own process, against the loopback zoo.

Each test reads back the checks recorded in a real SQLite file.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from crawler.runner import run_pass, scrapy_settings
from monitor.config import Config, CrawlConfig, ShopConfig
from monitor.errors import UsageError
from tests.crawler.conftest import (
    PASS_SCRIPT,
    REPO,
    Pass,
    read_checks,
    run_crawl,
    write_crawl_config,
)
from tests.shopserver import CYRILLIC, ShopServer, shop_page

# path on the zoo → the outcome a pass must record for it
EXPECTED = {
    "/policy/shop": "ok",
    "/rotating": "ok",
    "/moved": "ok",
    "/challenge": "ok",
    "/maintenance": "ok",
    "/charset/cp1251-as-utf8": "ok",
    "/charset/utf8-as-latin1": "ok",
    "/charset/meta-only": "ok",
    "/status/500": "http_error",
    "/status/404": "http_error",
    "/status/410": "http_error",
    "/retry-after": "http_error",
    "/hang": "timeout",
    "/drip": "timeout",
    "/reset": "refused",
    "/truncated": "truncated",
    "/loop": "redirect_loop",
    "/empty": "empty",
    "/huge": "too_large",
    "/huge-stream": "too_large",
    "/gzip-bomb": "too_large",
    "/private/policy": "robots_denied",
}

# The zoo doubles as an HTTP proxy: a public address literal (no DNS needed, so it works
# offline) passes the guard, and the zoo answers it with a redirect to 127.0.0.1.
PUBLIC_REDIRECTING_TO_LOOPBACK = "http://93.184.216.34/to-loopback"


def _through_zoo(server: ShopServer) -> dict[str, str]:
    """Environment that sends only the public address literal through the zoo as a proxy."""
    return {"http_proxy": server.base, "no_proxy": "127.0.0.1,localhost,.invalid"}


def _name(path: str) -> str:
    return path.strip("/").replace("/", "-")


@pytest.fixture(scope="module")
def zoo_pass(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Pass, dict[str, list[dict[str, Any]]], ShopServer]:
    """One pass over every endpoint of the zoo, plus a refused port and an unknown host."""
    folder = tmp_path_factory.mktemp("zoo")
    server = ShopServer().start()
    shops = {_name(path): server.url(path) for path in EXPECTED}
    shops["closed-port"] = "http://127.0.0.1:9/privacy"
    shops["unknown-host"] = "http://does-not-exist.invalid/privacy"
    shops["flaky"] = server.url("/flaky/zoo")
    shops["public"] = PUBLIC_REDIRECTING_TO_LOOPBACK
    started = time.monotonic()
    # Through the zoo as a proxy, so the public-looking URL reaches it (see the guard tests).
    result = run_crawl(
        write_crawl_config(folder, shops), list(shops), env=_through_zoo(server)
    )
    elapsed = time.monotonic() - started
    server.stop()
    assert result.returncode == 0, result.stderr
    assert elapsed < 30, f"the zoo pass took {elapsed:.0f}s"
    return result, read_checks(folder / "policywatch.db"), server


@pytest.mark.parametrize("path", list(EXPECTED))
def test_each_zoo_endpoint_is_recorded_with_its_outcome(
    zoo_pass: Any, path: str
) -> None:
    _, checks, _ = zoo_pass
    (check,) = checks[_name(path)]
    assert check["outcome"] == EXPECTED[path], check
    # Only a successful fetch may reference a snapshot (and so ever become a version).
    assert (check["snapshot_id"] is not None) == (EXPECTED[path] == "ok")


def test_charset_pages_are_stored_byte_for_byte_with_their_declared_type(
    zoo_pass: Any,
) -> None:
    # Decoding is normalize's job, from the stored snapshot: the crawler must not "fix" bytes.
    result, checks, _ = zoo_pass
    from storage.db import open_database

    database = open_database(
        f"sqlite:///{result.folder / 'policywatch.db'}",
        result.folder / "policywatch.db-blobs",
    )
    body, content_type, _ = database.snapshot_body(
        checks[_name("/charset/cp1251-as-utf8")][0]["snapshot_id"]
    )
    database.engine.dispose()
    assert content_type == "text/html; charset=utf-8"
    assert CYRILLIC.encode("cp1251") in body


def test_network_failures_are_recorded_as_refused_and_dns_error(zoo_pass: Any) -> None:
    _, checks, _ = zoo_pass
    assert [c["outcome"] for c in checks["closed-port"]] == ["refused"]
    assert [c["outcome"] for c in checks["unknown-host"]] == ["dns_error"]


def test_a_503_with_retry_after_is_retried_and_then_succeeds(zoo_pass: Any) -> None:
    _, checks, server = zoo_pass
    assert [c["outcome"] for c in checks["flaky"]] == ["ok"]
    assert server.hits("/flaky/zoo") == 2


def test_the_pass_report_counts_every_shop_once(zoo_pass: Any) -> None:
    result, _, _ = zoo_pass
    assert result.report["fetched"] == len(EXPECTED) + 4
    assert sum(result.report["by_outcome"].values()) == result.report["fetched"]
    failed = {name for name, _, _ in result.report["errors"]}
    assert _name("/hang") in failed and _name("/policy/shop") not in failed


def test_failures_leave_one_line_details(zoo_pass: Any) -> None:
    _, checks, _ = zoo_pass
    for name in (
        _name("/hang"),
        _name("/huge-stream"),
        _name("/reset"),
        "unknown-host",
    ):
        detail = checks[name][0]["detail"]
        assert detail and "\n" not in detail and "Failure" not in detail, detail


@pytest.fixture(scope="module")
def three_passes(
    tmp_path_factory: pytest.TempPathFactory,
) -> dict[str, list[dict[str, Any]]]:
    """Three passes over an ETag page and a page that changes before the third pass."""
    folder = tmp_path_factory.mktemp("passes")
    with ShopServer() as server:
        server.set_page(
            "/policy/changing", shop_page("<p>We keep orders for five years.</p>")
        )
        shops = {
            "etagged": server.url("/etag"),
            "changing": server.url("/policy/changing"),
            "rotating": server.url("/rotating"),
        }
        config = write_crawl_config(folder, shops)
        for number in (1, 2, 3):
            if number == 3:
                server.set_page(
                    "/policy/changing",
                    shop_page("<p>We keep orders for ten years.</p>"),
                )
            result = run_crawl(config, list(shops))
            assert result.returncode == 0, result.stderr
    return read_checks(folder / "policywatch.db")


def test_a_second_pass_with_the_etag_is_not_modified(
    three_passes: dict[str, list[dict[str, Any]]],
) -> None:
    assert [
        (c["outcome"], c["status"], c["snapshot_id"] is None)
        for c in three_passes["etagged"]
    ] == [
        ("ok", 200, False),
        ("not_modified", 304, True),
        ("not_modified", 304, True),
    ]


def test_a_changed_page_gets_a_new_snapshot_and_an_unchanged_one_reuses_it(
    three_passes: dict[str, list[dict[str, Any]]],
) -> None:
    snapshots = [c["snapshot_id"] for c in three_passes["changing"]]
    assert snapshots[0] == snapshots[1] != snapshots[2]


def test_rotating_chrome_is_stored_as_fetched_one_snapshot_per_body(
    three_passes: dict[str, list[dict[str, Any]]],
) -> None:
    # Removing volatile chrome is normalize's job; the raw snapshots keep what was served.
    snapshots = [c["snapshot_id"] for c in three_passes["rotating"]]
    assert len(set(snapshots)) == 3


def test_loopback_and_a_redirect_hop_to_it_are_refused_when_private_networks_are_not_allowed(
    shop_server: ShopServer, crawl: Callable[..., Pass], checks: Any
) -> None:
    shops = {
        "loopback": shop_server.url("/policy/shop"),
        "public": PUBLIC_REDIRECTING_TO_LOOPBACK,
    }
    result = crawl(shops, env=_through_zoo(shop_server), allow_private_networks=False)
    recorded = checks()
    assert [(c["outcome"], c["snapshot_id"]) for c in recorded["loopback"]] == [
        ("blocked_private", None)
    ]
    assert [c["outcome"] for c in recorded["public"]] == ["blocked_private"]
    assert "127.0.0.1" in recorded["public"][0]["detail"]
    assert result.report["by_outcome"] == {"blocked_private": 2}


def test_the_same_redirect_is_followed_when_private_networks_are_allowed(
    zoo_pass: Any,
) -> None:
    # The counterpart of the test above: in the zoo pass (guard off, same proxy) the hop is
    # followed, so it is the guard, not the proxy set-up, that refuses it there.
    _, checks, _ = zoo_pass
    assert [c["outcome"] for c in checks["public"]] == ["ok"]


def test_a_storage_failure_stops_the_pass_with_one_storage_error(
    shop_server: ShopServer, tmp_path: Path
) -> None:
    config = write_crawl_config(tmp_path, {"alpha": shop_server.url("/policy/shop")})
    config.write_text(
        config.read_text().replace("[crawl]", 'blobs = "blobs-file"\n\n[crawl]')
    )
    (tmp_path / "blobs-file").write_text("a file where the blob folder should be")
    result = run_crawl(config, ["alpha"])
    assert result.returncode == 1
    assert "cannot write snapshot blob" in result.report["storage_error"]
    assert "Traceback" not in result.stderr


def test_an_unknown_shop_is_a_usage_error() -> None:
    config = Config(
        shops=[ShopConfig(name="alpha", url="http://alpha.example/privacy")]
    )
    with pytest.raises(UsageError, match="beta"):
        run_pass(config, ["beta"])


def test_config_values_become_scrapy_settings_at_project_priority() -> None:
    crawl = CrawlConfig(
        timeout=timedelta(seconds=12),
        retries=4,
        obey_robots=False,
        max_page_bytes=2048,
        concurrency=7,
        per_domain_concurrency=3,
        user_agent="policywatch-test/1",
        max_redirects=2,
        delay=timedelta(seconds=1.5),
    )
    settings = scrapy_settings(Config(crawl=crawl))
    expected = {
        "DOWNLOAD_TIMEOUT": 12,
        "RETRY_TIMES": 4,
        "ROBOTSTXT_OBEY": False,
        "DOWNLOAD_MAXSIZE": 2048,
        "CONCURRENT_REQUESTS": 7,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 3,
        "USER_AGENT": "policywatch-test/1",
        "REDIRECT_MAX_TIMES": 2,
        "DOWNLOAD_DELAY": 1.5,
        "POLICYWATCH_ALLOW_PRIVATE_NETWORKS": False,
    }
    assert {key: settings[key] for key in expected} == expected
    assert {settings.getpriority(key) for key in expected} == {20}
    assert settings["LOG_LEVEL"] == "WARNING" and settings["COOKIES_ENABLED"] is False


def _checks_so_far(path: Path) -> dict[str, list[dict[str, Any]]]:
    """The checks of a database another process may still be creating."""
    from sqlalchemy.exc import OperationalError

    try:
        return read_checks(path) if path.exists() else {}
    except OperationalError:
        return {}


@pytest.mark.slow
def test_kill_9_mid_pass_leaves_a_database_the_next_pass_continues(
    shop_server: ShopServer, tmp_path: Path
) -> None:
    quick = {f"quick-{i}": shop_server.url(f"/policy/quick-{i}") for i in range(20)}
    slow = {f"slow-{i}": shop_server.url("/drip?every=0.2") for i in range(5)}
    config = write_crawl_config(tmp_path, {**quick, **slow}, timeout="30s", retries=0)
    process = subprocess.Popen(
        [sys.executable, "-c", PASS_SCRIPT, str(config), *quick, *slow],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    database = tmp_path / "policywatch.db"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and len(_checks_so_far(database)) < 20:
        time.sleep(0.2)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    killed = read_checks(database)
    assert len(killed) >= 20 and not any(name.startswith("slow") for name in killed)

    result = run_crawl(config, list(quick))
    assert result.returncode == 0, result.stderr
    after = read_checks(database)
    assert all(len(after[name]) == 2 for name in quick)
    first, second = (c["snapshot_id"] for c in after["quick-0"])
    assert first == second
