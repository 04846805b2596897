"""Support for the end-to-end tests: configs for the loopback zoo and ``policywatch`` runs.

Every run is a real ``python -m monitor.cli`` process, so a test sees exactly what a user sees:
stdout, stderr and the exit code, with the database left as the command left it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
SUMMARY_KEYS = {"shops", "fetched", "unchanged", "new_versions", "material_changes", "errors"}

# A policy in plain English, as a shop would write it; the e2e tests change it between passes.
POLICY = """
<h1>Privacy policy</h1>
<p>We collect your name, address and e-mail address when you place an order.</p>
<h2>Payments</h2>
<p>Card payments are handled by Stripe, who receives the order amount and your card details.</p>
<h2>Retention</h2>
<p>We keep order data for 7 years because bookkeeping law requires it.</p>
<h2>Your rights</h2>
<p>You may ask us for a copy of your data or ask us to erase it by writing to our support address.</p>
"""
# Material: a new processor and a longer retention period.
POLICY_MATERIAL = POLICY.replace("handled by Stripe,", "handled by Stripe and Klarna,").replace("7 years", "10 years")
# Editorial: a reworded sentence that changes no fact.
POLICY_EDITORIAL = POLICY.replace("when you place an order.", "whenever you place an order with us.")


def write_config(
    folder: Path,
    database_url: str,
    shops: Mapping[str, str],
    *,
    notify: Sequence[str] = (),
    **crawl: Any,
) -> Path:
    """A config for loopback shops: loopback allowed, small timeouts, one retry."""
    options: dict[str, Any] = {
        "timeout": "2s",
        "retries": 1,
        "allow_private_networks": True,
        "concurrency": 32,
        "per_domain_concurrency": 32,
        "max_page_bytes": 1_000_000,
        **crawl,
    }
    lines = ["[database]", f"url = {json.dumps(database_url)}", f"blobs = {json.dumps(str(folder / 'blobs'))}", "", "[crawl]"]
    lines += [f"{key} = {json.dumps(value)}" for key, value in options.items()]
    for name, url in shops.items():
        lines += ["", "[[shops]]", f"name = {json.dumps(name)}", f"url = {json.dumps(url)}", 'language = "en"']
    for url in notify:
        lines += ["", "[[notify]]", f"url = {json.dumps(url)}"]
    path = folder / "policywatch.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def command(config: Path | None, *args: str) -> list[str]:
    """The argv of one ``policywatch`` run."""
    return [sys.executable, "-m", "monitor.cli", *(["--config", str(config)] if config else []), *args]


def environment() -> dict[str, str]:
    # PYTHONPATH stays as the test run has it; the repository is the working directory.
    return {**os.environ, "NO_COLOR": "1"}


def policywatch(config: Path | None, *args: str, timeout: float = 60, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    """Run ``policywatch`` to completion and return what it printed and its exit code."""
    return subprocess.run(
        command(config, *args), cwd=cwd, env=environment(), capture_output=True, text=True, timeout=timeout, check=False
    )


def start_policywatch(config: Path, *args: str) -> subprocess.Popen[str]:
    """Start ``policywatch`` without waiting for it (for kill -9 and concurrency tests)."""
    return subprocess.Popen(
        command(config, *args), cwd=REPO, env=environment(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def json_of(config: Path, *args: str, timeout: float = 60) -> Any:
    """Run a ``--json`` command that must succeed and parse its one JSON document."""
    result = policywatch(config, *args, "--json", timeout=timeout)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def crawl(config: Path, *args: str, timeout: float = 60) -> dict[str, Any]:
    """One ``crawl --all --json`` pass that must exit 0; its summary."""
    return json_of(config, "crawl", "--all", *args, timeout=timeout)


def versions(config: Path, shop: str) -> list[dict[str, Any]]:
    """The shop's versions from ``history --json``, oldest first."""
    return json_of(config, "history", shop)["versions"]


def shop_states(config: Path) -> dict[str, dict[str, Any]]:
    """``shops --json`` keyed by shop name."""
    return {state["name"]: state for state in json_of(config, "shops")["shops"]}


def make_deliveries_due(database_url: str) -> None:
    """Move every pending delivery's retry time into the past, as if the backoff had run out.

    The CLI reads the real clock, so this stands in for waiting the minutes of backoff.
    """
    from sqlalchemy import create_engine, update
    from sqlmodel import col

    from storage.models import Delivery

    engine = create_engine(database_url)
    try:
        with engine.begin() as connection:
            connection.execute(
                update(Delivery).where(col(Delivery.state) == "pending").values(next_attempt_at=datetime(2000, 1, 1, tzinfo=UTC))
            )
    finally:
        engine.dispose()
