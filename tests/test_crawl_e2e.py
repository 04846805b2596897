"""End to end: ``policywatch crawl`` as a process against the loopback shop zoo.

Each test runs the real command (Scrapy, storage, normalizer, diff, classifier) and reads the
result back through ``shops``/``history --json``, the way a user or a script would.
"""

from __future__ import annotations

import json
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e_support import (
    POLICY,
    POLICY_MATERIAL,
    SUMMARY_KEYS,
    crawl,
    policywatch,
    shop_states,
    start_policywatch,
    versions,
    write_config,
)
from tests.shopserver import (
    CHALLENGE_PAGE,
    MAINTENANCE_PAGE,
    ShopServer,
    gzip_bomb,
    shop_page,
)

# zoo path → the outcome ``shops --json`` must show for it after one pass
FAILURES = {
    "/status/500": "http_error",
    "/retry-after?s=1": "http_error",
    "/status/404": "http_error",
    "/status/410": "http_error",
    "/hang?s=10": "timeout",
    "/reset": "refused",
    "/truncated": "truncated",
    "/loop": "redirect_loop",
    "/empty": "empty",
    "/huge": "too_large",
    "/huge-stream": "too_large",
    "/gzip-bomb": "too_large",
    "/private/policy": "robots_denied",
}


@pytest.fixture
def server() -> Iterator[ShopServer]:
    with ShopServer() as running:
        yield running


def _shop_name(path: str) -> str:
    return path.split("?")[0].strip("/").replace("/", "-")


@pytest.mark.slow
def test_a_real_change_creates_one_version_and_page_noise_creates_none(
    tmp_path: Path, database_url: str, server: ShopServer
) -> None:
    server.set_page("/shop/policy", shop_page(POLICY))
    config = write_config(
        tmp_path, database_url, {"changing": server.url("/shop/policy"), "rotating": server.url("/rotating"),
                                 "etag": server.url("/etag")},
    )
    first = policywatch(config, "crawl", "--all", "--json")
    assert (first.returncode, first.stderr) == (0, ""), "a clean pass writes nothing to stderr without -v"
    # json.loads refuses trailing data, so this proves stdout is exactly one JSON document.
    summary = json.loads(first.stdout)
    assert set(summary) >= SUMMARY_KEYS
    assert (summary["shops"], summary["fetched"], summary["new_versions"], summary["errors"]) == (3, 3, 3, [])

    server.set_page("/shop/policy", shop_page(POLICY_MATERIAL))
    second = crawl(config)
    assert (second["new_versions"], second["material_changes"], second["unchanged"]) == (1, 1, 2)
    history = versions(config, "changing")
    assert [(v["material"], v["categories"]) for v in history] == [(False, []), (True, ["processor", "retention"])]
    assert history[0]["first_seen"].endswith("Z") and history[0]["id"] < history[1]["id"]
    states = shop_states(config)
    assert states["rotating"]["versions"] == 1, "chrome rotating on every request made a version"
    assert (states["etag"]["last_status"], states["etag"]["versions"]) == ("not_modified", 1)
    assert server.hits("/etag") == 2


@pytest.mark.slow
def test_every_failure_of_a_shop_server_is_recorded_and_never_becomes_a_version(
    tmp_path: Path, server: ShopServer
) -> None:
    gzip_bomb()  # built once per process; building it inside the pass would look like a timeout
    shops = {_shop_name(path): server.url(path) for path in FAILURES}
    config = write_config(tmp_path, f"sqlite:///{tmp_path / 'policywatch.db'}", shops, timeout="1s")
    started = time.monotonic()
    result = policywatch(config, "crawl", "--all", "--json")
    elapsed = time.monotonic() - started
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert (summary["shops"], summary["new_versions"]) == (len(FAILURES), 0)
    reported = {error["shop"]: error["outcome"] for error in summary["errors"]}
    expected = {_shop_name(path): outcome for path, outcome in FAILURES.items()}
    assert reported == expected
    states = shop_states(config)
    assert {name: states[name]["last_status"] for name in expected} == expected
    assert {name: states[name]["versions"] for name in expected} == dict.fromkeys(expected, 0)
    assert states["status-410"]["last_http_status"] == 410
    assert elapsed < 30, f"the failure pass took {elapsed:.0f}s"


@pytest.mark.slow
def test_a_policy_page_that_turns_into_an_empty_challenge_or_maintenance_page_keeps_its_version(
    tmp_path: Path, server: ShopServer
) -> None:
    replacements: dict[str, str | bytes] = {"emptied": b"", "challenged": CHALLENGE_PAGE, "maintained": MAINTENANCE_PAGE}
    for name in replacements:
        server.set_page(f"/{name}/policy", shop_page(POLICY))
    config = write_config(
        tmp_path, f"sqlite:///{tmp_path / 'policywatch.db'}", {name: server.url(f"/{name}/policy") for name in replacements}
    )
    assert crawl(config)["new_versions"] == 3
    for name, page in replacements.items():
        server.set_page(f"/{name}/policy", page)
    assert crawl(config)["new_versions"] == 0
    states = shop_states(config)
    assert [states[name]["versions"] for name in replacements] == [1, 1, 1]
    assert states["emptied"]["last_status"] == "empty"
    for name in ("challenged", "maintained"):
        # Fetched fine, then held by the wrong-page guard, which says why.
        assert states[name]["last_status"] == "ok" and states[name]["last_detail"], states[name]


@pytest.mark.slow
def test_kill_9_in_the_middle_of_a_pass_leaves_a_database_the_next_pass_continues_from(
    tmp_path: Path, database_url: str, server: ShopServer
) -> None:
    server.set_page("/shop/policy", shop_page(POLICY))
    config = write_config(
        tmp_path, database_url, {"steady": server.url("/shop/policy"), "hanging": server.url("/hang?s=30")},
        timeout="20s",
    )
    child = start_policywatch(config, "crawl", "--all", "--json")
    try:
        deadline = time.monotonic() + 20
        while not (server.hits("/hang") and server.hits("/shop/policy")) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert server.hits("/hang"), "the pass never reached the hanging shop"
        time.sleep(0.5)  # let the steady shop's snapshot reach the database
    finally:
        child.send_signal(signal.SIGKILL)
        child.communicate()
    assert child.returncode == -signal.SIGKILL

    # The hanging shop recovers; the next passes pick up where the killed one stopped.
    server.set_page("/hang", shop_page(POLICY_MATERIAL))
    after = crawl(config)
    # The killed pass may already have processed the steady shop's check (it is processed
    # while the crawl runs), so the hanging shop's version is new and the steady one may be.
    assert after["errors"] == [] and after["new_versions"] in (1, 2)
    states = shop_states(config)
    assert [(states[shop]["last_status"], states[shop]["versions"]) for shop in ("steady", "hanging")] == [("ok", 1)] * 2


def test_a_bad_config_exits_2_with_one_line_and_creates_no_database(tmp_path: Path) -> None:
    database = tmp_path / "policywatch.db"
    config = write_config(tmp_path, f"sqlite:///{database}", {"alpha": "http://127.0.0.1:9/privacy"})
    config.write_text(config.read_text() + "\n[[shops]]\nname = \"beta\"\nurl = \"ftp://beta.example/\"\n")
    for args in (("crawl", "--all"), ("shops", "--json")):
        result = policywatch(config, *args)
        assert result.returncode == 2, (args, result.stderr)
        assert result.stdout == ""
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith(f"Error: {config}: shops[1].url"), result.stderr
    assert sorted(path.name for path in tmp_path.iterdir()) == ["policywatch.toml"]


@pytest.mark.slow
def test_commands_started_at_once_on_a_new_database_all_succeed(tmp_path: Path, database_url: str) -> None:
    # A cron crawl and a status check starting together on a first run; `shops` is the cheapest
    # command that creates the schema and records the shops.
    config = write_config(tmp_path, database_url, {f"shop-{n}": f"http://127.0.0.1:9/{n}" for n in range(5)})
    children = [start_policywatch(config, "shops", "--json") for _ in range(4)]
    errors = [child.communicate(timeout=60)[1].strip() for child in children]
    assert [error for child, error in zip(children, errors, strict=True) if child.returncode] == []
