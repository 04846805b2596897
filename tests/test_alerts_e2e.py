"""End to end: change alerts from ``policywatch crawl`` processes to a real Apprise receiver.

The receiver is a local HTTP endpoint behind ``json://127.0.0.1:PORT/``; the tests count what
it accepted, so "exactly once" is checked where it matters: at the far end.
"""

from __future__ import annotations

import json
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e_support import (
    POLICY,
    POLICY_EDITORIAL,
    POLICY_MATERIAL,
    crawl,
    json_of,
    make_deliveries_due,
    start_policywatch,
    versions,
    write_config,
)
from tests.receiver import Receiver
from tests.shopserver import ShopServer, shop_page

pytestmark = pytest.mark.slow

MATERIAL_TITLE = "policywatch: material changed its privacy policy (processor, retention)"


@pytest.fixture
def server() -> Iterator[ShopServer]:
    with ShopServer() as running:
        server_pages(running, POLICY)
        yield running


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as running:
        yield running


def server_pages(server: ShopServer, material: str, editorial: str | None = None) -> None:
    server.set_page("/material/privacy", shop_page(material))
    server.set_page("/editorial/privacy", shop_page(editorial or POLICY))


def shops(server: ShopServer) -> dict[str, str]:
    return {"material": server.url("/material/privacy"), "editorial": server.url("/editorial/privacy")}


def delivery_states(config: Path) -> list[str]:
    return [item["state"] for item in json_of(config, "deliveries")["deliveries"]]


def test_one_alert_per_material_change_and_none_for_an_editorial_one(
    tmp_path: Path, receiver: Receiver, server: ShopServer
) -> None:
    config = write_config(tmp_path, f"sqlite:///{tmp_path / 'policywatch.db'}", shops(server), notify=[receiver.url])
    assert crawl(config)["new_versions"] == 2
    assert receiver.messages == [], "a first version is not a change"

    server_pages(server, POLICY_MATERIAL, POLICY_EDITORIAL)
    summary = crawl(config)
    assert (summary["new_versions"], summary["material_changes"]) == (2, 1)
    assert receiver.titles() == [MATERIAL_TITLE]
    body = receiver.messages[0]["message"]
    for words in ("Klarna", "7 years", "10 years", "before:", "after:"):
        assert words in body, f"{words!r} missing from the alert:\n{body}"
    old, new = (version["id"] for version in versions(config, "material"))
    assert f"policywatch diff material --from {old} --to {new}" in body
    assert [version["material"] for version in versions(config, "editorial")] == [False, False]


def test_a_receiver_down_for_two_passes_gets_the_alert_once_when_it_is_back(
    tmp_path: Path, receiver: Receiver, server: ShopServer
) -> None:
    database_url = f"sqlite:///{tmp_path / 'policywatch.db'}"
    config = write_config(tmp_path, database_url, shops(server), notify=[receiver.url])
    crawl(config)
    server_pages(server, POLICY_MATERIAL)
    receiver.mode = "error"
    assert crawl(config)["deliveries"] == {"sent": 0, "failed": 1}
    # Later passes find no shop due (checked a moment ago): they only retry the deliveries.
    make_deliveries_due(database_url)
    assert json_of(config, "crawl")["deliveries"] == {"sent": 0, "failed": 1}
    assert receiver.messages == []
    receiver.mode = "up"
    make_deliveries_due(database_url)
    assert json_of(config, "crawl")["deliveries"] == {"sent": 1, "failed": 0}
    make_deliveries_due(database_url)
    assert json_of(config, "crawl")["deliveries"] == {"sent": 0, "failed": 0}
    assert receiver.titles() == [MATERIAL_TITLE]
    assert delivery_states(config) == ["sent"]


def test_kill_9_during_delivery_loses_no_alert_and_sends_none_twice(
    tmp_path: Path, receiver: Receiver, server: ShopServer
) -> None:
    config = write_config(tmp_path, f"sqlite:///{tmp_path / 'policywatch.db'}", shops(server), notify=[receiver.url])
    crawl(config)
    server_pages(server, POLICY_MATERIAL)
    receiver.stall_on = 1  # the first alert hangs inside the receiver, never recorded
    child = start_policywatch(config, "crawl", "--all", "--json")
    try:
        assert receiver.stalled.wait(30), "the pass never started delivering"
    finally:
        child.send_signal(signal.SIGKILL)
        child.communicate()
    assert child.returncode == -signal.SIGKILL
    assert receiver.messages == []
    assert delivery_states(config) == ["sending"]

    assert json_of(config, "crawl")["deliveries"] == {"sent": 1, "failed": 0}
    assert json_of(config, "crawl")["deliveries"] == {"sent": 0, "failed": 0}
    assert receiver.titles() == [MATERIAL_TITLE]


def test_two_crawls_started_at_once_send_one_alert(
    tmp_path: Path, database_url: str, receiver: Receiver, server: ShopServer
) -> None:
    config = write_config(tmp_path, database_url, shops(server), notify=[receiver.url])
    crawl(config)
    server_pages(server, POLICY_MATERIAL)
    children = [start_policywatch(config, "crawl", "--all", "--json") for _ in range(2)]
    outputs = [child.communicate(timeout=60) for child in children]
    codes = sorted(child.returncode for child in children)
    assert codes in ([0, 0], [0, 1]), outputs
    for child, (stdout, stderr) in zip(children, outputs, strict=True):
        if child.returncode == 1:
            # The refused pass says so in one line and prints no summary.
            assert stdout == ""
            assert stderr.strip().splitlines() == [
                "Error: another policywatch pass is running on this database; try again when it has finished"
            ]
        else:
            json.loads(stdout)
    assert receiver.titles() == [MATERIAL_TITLE]
    assert [version["material"] for version in versions(config, "material")] == [False, True]

