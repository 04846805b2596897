"""Shared fixtures: real databases (SQLite file, PostgreSQL) and a config writer.

PostgreSQL comes from ``POLICYWATCH_TEST_POSTGRES_URL`` (``.ci/start-postgres`` starts one).
Each test gets its own schema there. When ``CI=true`` a missing PostgreSQL fails the tests
that need it instead of skipping them.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

# The tests (and the policywatch processes they start) keep parsed knowledge in a cache of
# their own, never in the user's home.
os.environ.setdefault("POLICYWATCH_CACHE_DIR", tempfile.mkdtemp(prefix="policywatch-test-cache-"))

POSTGRES_URL = os.environ.get("POLICYWATCH_TEST_POSTGRES_URL")
IN_CI = os.environ.get("CI") == "true"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", default=False, help="Rewrite golden expected files.")


def _postgres_schema_url() -> Iterator[str]:
    if not POSTGRES_URL:
        if IN_CI:
            pytest.fail("POLICYWATCH_TEST_POSTGRES_URL is not set: CI must test PostgreSQL")
        pytest.skip("POLICYWATCH_TEST_POSTGRES_URL is not set")
    from sqlalchemy import create_engine, text

    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    separator = "&" if "?" in POSTGRES_URL else "?"
    try:
        yield f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database URL: a SQLite file, then a PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'policywatch.db'}"
    else:
        yield from _postgres_schema_url()


@pytest.fixture
def database(database_url: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    from storage.db import open_database

    db = open_database(database_url, tmp_path / "blobs")
    yield db
    db.engine.dispose()


@pytest.fixture
def write_config(tmp_path: Path) -> Callable[[str], Path]:
    """Write a config file into the test's folder and return its path."""

    def write(text: str, name: str = "policywatch.toml") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write
