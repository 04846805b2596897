"""The read commands (history, show, shops, diff) on the read-only path: same output, light imports, safe fallbacks."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

import monitor.database
from monitor.cli import app
from storage.reader import HistoryReader, open_reader

SHOP = '[[shops]]\nname = "jcarpart"\nurl = "https://jcarpart.example/policies/privacy-policy"\nlanguage = "sv"\n'
OTHER_SHOP = '[[shops]]\nname = "usbstars"\nurl = "https://usbstars.example/privacy"\n'
POLICY = "# Integritetspolicy\n\n## Betalning\n\nVi använder Svea för fakturabetalning.\n\n## Lagringstid\n\nVi sparar dina orderuppgifter i 7 år.\n"
CHANGED = POLICY.replace("Svea för", "Svea och Klarna för").replace("7 år", "10 år")
# What a policywatch read command must never import: the ORM, the crawler, the fuzzy matcher.
HEAVY = ("sqlalchemy", "sqlmodel", "scrapy", "twisted", "rapidfuzz")


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def config(write_config, database_url: str, runner: CliRunner, tmp_path: Path) -> Path:
    """A config whose shop has two imported versions (the second a material change)."""
    path = write_config(f'[database]\nurl = "{database_url}"\n\n{SHOP}')
    for name, body, at in (("v1.md", POLICY, "2026-01-01"), ("v2.md", CHANGED, "2026-02-01")):
        (tmp_path / name).write_text(body, encoding="utf-8")
        result = runner.invoke(app, ["--config", str(path), "import", "jcarpart", str(tmp_path / name), "--at", at])
        assert result.exit_code == 0, result.stderr
    return path


def invoke(runner: CliRunner, config: Path, *args: str) -> Any:
    return runner.invoke(app, ["--config", str(config), *args])


READ_COMMANDS = [
    ("history", "jcarpart"),
    ("history", "jcarpart", "--json"),
    ("show", "jcarpart"),
    ("show", "jcarpart", "--version", "1"),
    ("show", "jcarpart", "--at", "2026-01-15"),
    ("show", "jcarpart", "--at", "2025-12-31"),
    ("history", "nosuchshop"),
    ("shops",),
    ("shops", "--json"),
    ("diff", "jcarpart"),
    ("diff", "jcarpart", "--from", "1", "--to", "2", "--format", "json"),
    ("diff", "jcarpart", "--from", "2026-01-15", "--format", "unified"),
    ("diff", "nosuchshop"),
]


@pytest.mark.parametrize("args", READ_COMMANDS, ids=" ".join)
def test_read_commands_print_what_the_full_database_path_prints(
    runner: CliRunner, config: Path, monkeypatch: pytest.MonkeyPatch, args: tuple[str, ...]
) -> None:
    opened: list[type] = []
    read_only = monitor.database.open_for_reading

    def recording(configured: Any) -> Any:
        source = read_only(configured)
        opened.append(type(source))
        return source

    monkeypatch.setattr(monitor.database, "open_for_reading", recording)
    fast = invoke(runner, config, *args)
    assert opened == [HistoryReader]
    # The reference: the same command through the path every command took before the reader.
    monkeypatch.setattr(monitor.database, "open_for_reading", monitor.database.open_configured_database)
    full = invoke(runner, config, *args)
    assert (fast.exit_code, fast.stdout, fast.stderr) == (full.exit_code, full.stdout, full.stderr)
    assert fast.stdout or fast.exit_code == 2


def test_a_shop_added_to_the_config_is_recorded_before_its_history_is_read(
    runner: CliRunner, config: Path, database_url: str
) -> None:
    config.write_text(config.read_text(encoding="utf-8") + OTHER_SHOP, encoding="utf-8")
    result = invoke(runner, config, "history", "usbstars")
    assert (result.exit_code, result.stdout) == (0, "usbstars: no versions yet\n")
    reader = open_reader(database_url)
    assert reader is not None
    assert [name for name, _, _ in reader.shops()].count("usbstars") == 1
    reader.close()


def test_a_changed_shop_url_is_recorded_before_the_shops_are_listed(
    runner: CliRunner, config: Path, database_url: str
) -> None:
    config.write_text(config.read_text(encoding="utf-8").replace("jcarpart.example", "jcarpart.test"), encoding="utf-8")
    result = invoke(runner, config, "shops", "--json")
    assert result.exit_code == 0, result.stderr
    assert "https://jcarpart.test/policies/privacy-policy" in result.stdout


def test_a_database_written_by_a_newer_policywatch_is_refused_with_one_line(
    runner: CliRunner, config: Path, database_url: str
) -> None:
    engine = create_engine(database_url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    result = invoke(runner, config, "history", "jcarpart")
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: database schema is at revision 9999, which this policywatch does not know; upgrade policywatch\n"
    )


def test_a_missing_database_is_created_by_a_read_command(runner: CliRunner, write_config, tmp_path: Path) -> None:
    path = tmp_path / "new" / "policywatch.db"
    config = write_config(f'[database]\nurl = "sqlite:///{path}"\n\n{SHOP}')
    result = invoke(runner, config, "history", "jcarpart")
    assert (result.exit_code, result.stdout) == (0, "jcarpart: no versions yet\n")
    assert open_reader(f"sqlite:///{path}") is not None


# Runs one command as the console script does, then names the heavy packages it loaded.
_RUN_AND_LIST_IMPORTS = f"""
import sys
from monitor.cli import main
sys.argv = ["policywatch", *sys.argv[1:]]
try:
    main()
finally:
    loaded = sorted({{name.split(".")[0] for name in sys.modules}} & set({HEAVY!r}))
    sys.stderr.write("heavy: " + ",".join(loaded) + "\\n")
"""


@pytest.mark.parametrize("args", [("history", "jcarpart"), ("history", "jcarpart", "--json"), ("show", "jcarpart"),
                                  ("shops",)], ids=" ".join)
def test_read_commands_import_no_orm_no_crawler_and_no_fuzzy_matcher(config: Path, args: tuple[str, ...]) -> None:
    result = subprocess.run(
        [sys.executable, "-c", _RUN_AND_LIST_IMPORTS, "--config", str(config), *args],
        capture_output=True, text=True, check=False, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout
    assert result.stderr.splitlines()[-1] == "heavy: "


def test_diff_reads_without_the_orm_and_the_crawler(config: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-c", _RUN_AND_LIST_IMPORTS, "--config", str(config), "diff", "jcarpart", "--format", "json"],
        capture_output=True, text=True, check=False, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert '"material": true' in result.stdout
    # The diff engine is the fuzzy matcher's job; nothing else heavy is loaded.
    assert result.stderr.splitlines()[-1] == "heavy: rapidfuzz"
