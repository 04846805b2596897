"""Crawler fixtures: the loopback shop zoo and whole passes of ``run_pass`` in a subprocess.

A Twisted reactor cannot be restarted, so every pass runs in its own Python process against
a real SQLite file; the test reads the recorded checks back through ``storage.db``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.shopserver import ShopServer

REPO = Path(__file__).resolve().parents[2]

PASS_SCRIPT = """
import json, sys
from dataclasses import asdict
from crawler.runner import run_pass
from monitor.config import load_config
from storage.errors import StorageError
config = load_config(sys.argv[1])
try:
    report = run_pass(config, sys.argv[2:])
except StorageError as error:
    print(json.dumps({"storage_error": str(error)}))
    sys.exit(1)
print(json.dumps(asdict(report)))
"""


@pytest.fixture(scope="session")
def shop_server() -> Iterator[ShopServer]:
    with ShopServer() as server:
        yield server


@dataclass(frozen=True)
class Pass:
    """The result of one crawl pass: the report (as JSON), the process's stderr, the config's folder."""

    report: dict[str, Any]
    returncode: int
    stderr: str
    folder: Path


def write_crawl_config(folder: Path, shops: dict[str, str], **crawl: Any) -> Path:
    """A config with fast test defaults (timeout 2s, one retry, loopback allowed)."""
    options = {
        "timeout": "2s",
        "retries": 1,
        "allow_private_networks": True,
        "concurrency": 64,
        "per_domain_concurrency": 64,
        "max_page_bytes": 1_000_000,
        **crawl,
    }
    lines = ["[database]", 'url = "sqlite:///policywatch.db"', "", "[crawl]"]
    lines += [f"{key} = {json.dumps(value)}" for key, value in options.items()]
    for name, url in shops.items():
        lines += ["", "[[shops]]", f'name = "{name}"', f'url = "{url}"']
    path = folder / "policywatch.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def run_crawl(
    config: Path,
    shops: list[str],
    *,
    env: dict[str, str] | None = None,
    timeout: float = 60,
) -> Pass:
    """Run one ``run_pass`` over ``shops`` in a fresh interpreter."""
    import os

    result = subprocess.run(
        [sys.executable, "-c", PASS_SCRIPT, str(config), *shops],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        env={**os.environ, "PYTHONPATH": str(REPO), **(env or {})},
    )
    lines = result.stdout.strip().splitlines()
    report = json.loads(lines[-1]) if lines else {}
    return Pass(
        report=report,
        returncode=result.returncode,
        stderr=result.stderr,
        folder=config.parent,
    )


@pytest.fixture
def crawl(tmp_path: Path) -> Callable[..., Pass]:
    """Crawl ``{shop name: url}`` once with the given ``[crawl]`` options."""

    def crawl_once(
        shops: dict[str, str], env: dict[str, str] | None = None, **options: Any
    ) -> Pass:
        config = write_crawl_config(tmp_path, shops, **options)
        return run_crawl(config, list(shops), env=env)

    return crawl_once


def read_checks(path: Path) -> dict[str, list[dict[str, Any]]]:
    """The check rows recorded in a SQLite database, per shop, oldest first."""
    from sqlalchemy import create_engine, text

    engine = create_engine(f"sqlite:///{path}")
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                'SELECT shop.name, c.outcome, c.status, c.snapshot_id, c.detail FROM "check" AS c'
                " JOIN shop ON shop.id = c.shop_id ORDER BY c.id"
            )
        ).all()
    engine.dispose()
    result: dict[str, list[dict[str, Any]]] = {}
    for name, outcome, status, snapshot_id, detail in rows:
        result.setdefault(name, []).append(
            {
                "outcome": outcome,
                "status": status,
                "snapshot_id": snapshot_id,
                "detail": detail,
            }
        )
    return result


@pytest.fixture
def checks(tmp_path: Path) -> Callable[[], dict[str, list[dict[str, Any]]]]:
    """The check rows recorded in the test's database (see ``crawl``)."""
    return lambda: read_checks(tmp_path / "policywatch.db")
