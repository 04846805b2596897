"""End to end: ``policywatch demo`` runs offline and shows a material and an editorial change.

Where the system allows it the demo runs in a network namespace of its own (``unshare -rn``),
which has a loopback interface and nothing else, so any request to the internet would fail.
"""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from tests.e2e_support import REPO, command, environment

pytestmark = pytest.mark.slow

# Bring the namespace's loopback up, then run the command given after it.
_LOOPBACK_UP = 'ip link set lo up && exec "$@"'


def _offline_prefix() -> list[str]:
    """The argv prefix that runs a command without a network, or [] where that is not possible."""
    if not (shutil.which("unshare") and shutil.which("ip")):
        return []
    probe = subprocess.run(["unshare", "-rn", "sh", "-c", _LOOPBACK_UP, "sh", "true"], capture_output=True, check=False)
    return ["unshare", "-rn", "sh", "-c", _LOOPBACK_UP, "sh"] if probe.returncode == 0 else []


def _section(output: str, command_line: str) -> str:
    """What the demo printed after ``$ <command_line>``, up to the next command."""
    start = output.index(f"$ {command_line}\n") + len(command_line) + 3
    end = output.find("\n$ ", start)
    return output[start:] if end == -1 else output[start:end]


@pytest.fixture(scope="module")
def demo_output() -> str:
    result = subprocess.run(
        [*_offline_prefix(), *command(None, "demo")],
        cwd=REPO, env=environment(), capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_the_demo_shows_a_processor_and_a_retention_finding_for_jcarpart(demo_output: str) -> None:
    diff, _ = json.JSONDecoder().raw_decode(_section(demo_output, "policywatch diff jcarpart --format json"))
    assert diff["material"] is True
    categories = {finding["category"] for finding in diff["findings"]}
    assert {"processor", "retention"} <= categories
    [processor] = [f for f in diff["findings"] if f["category"] == "processor"]
    assert processor["change"] == "added" and processor["entity"]
    assert "processor, retention" in _section(demo_output, "policywatch history jcarpart")


def test_the_demo_records_the_editorial_change_of_jj_media_as_not_material(demo_output: str) -> None:
    history = _section(demo_output, "policywatch history jj-media").strip().splitlines()
    assert len(history) == 3, history  # header, first version, the edited one
    assert history[1].endswith("first version")
    assert "editorial" in history[2]
    for line in history[1:]:
        assert not any(category in line for category in ("processor", "retention", "transfer")), line


def test_the_demo_crawls_every_shop_without_errors(demo_output: str) -> None:
    first, second = (line for line in demo_output.splitlines() if line.startswith("5 shops:"))
    assert "5 new versions, 0 material changes, 0 held, 0 errors" in first
    assert "2 new versions, 1 material changes, 0 held, 0 errors" in second
