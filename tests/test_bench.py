"""The crawl benchmark still runs end to end: a small simulated world, every figure reported."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.slow
def test_crawl_benchmark_fetches_versions_and_then_finds_every_page_unchanged() -> None:
    result = subprocess.run(
        [sys.executable, "bench/crawl.py", "--shops", "12", "--port", str(_free_port()), "--servers", "1"],
        cwd=REPO, capture_output=True, text=True, timeout=300, check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    figures = json.loads(result.stdout)
    assert figures["fetch_outcomes"] == {"ok": 12}
    assert figures["first_pass"] == {"fetched": 12, "unchanged": 0, "new_versions": 12, "held": 0, "errors": 0}
    assert figures["second_pass"] == {"fetched": 12, "unchanged": 12, "new_versions": 0, "held": 0, "errors": 0}
    assert figures["blob_bytes_added_by_second_pass"] == 0
    # A few checks may fit in pages the database already has: at most the target, maybe nothing.
    assert 0 <= figures["db_bytes_per_unchanged_check"] <= 200
    for key in ("bare_pages_per_s", "end_to_end_vs_bare", "unchanged_pass_vs_bare", "cpu_ms_per_page_processing"):
        assert figures[key] > 0, key
