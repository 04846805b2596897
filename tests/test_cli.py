"""The command line: exit codes, one-line errors, clean stdout, and the history commands."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from monitor.cli import app

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT.parent / "shared" / "spec" / "interface.md"

OLD_POLICY = """# Integritetspolicy

## Betalning

Vi använder Svea för fakturabetalning.

## Lagringstid

Vi sparar dina orderuppgifter i 7 år enligt bokföringslagen.
"""
NEW_POLICY = OLD_POLICY.replace("Svea för fakturabetalning.", "Svea och Klarna för fakturabetalning.").replace("7 år", "10 år")


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def config(write_config, database_url: str) -> Path:
    return write_config(
        f'[database]\nurl = "{database_url}"\n\n[[shops]]\nname = "jcarpart"\n'
        'url = "https://jcarpart.example/policies/privacy-policy"\nlanguage = "sv"\n'
    )


def invoke(runner: CliRunner, config: Path, *args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, ["--config", str(config), *args])


@pytest.fixture
def imported(runner: CliRunner, config: Path, tmp_path: Path) -> Path:
    (tmp_path / "v1.md").write_text(OLD_POLICY, encoding="utf-8")
    (tmp_path / "v2.md").write_text(NEW_POLICY, encoding="utf-8")
    for name, at in (("v1.md", "2026-01-01"), ("v2.md", "2026-02-01")):
        result = invoke(runner, config, "import", "jcarpart", str(tmp_path / name), "--at", at)
        assert result.exit_code == 0, result.stderr
    return config


def test_history_json_lists_versions_oldest_first_with_categories(runner: CliRunner, imported: Path) -> None:
    result = invoke(runner, imported, "history", "jcarpart", "--json")
    assert result.exit_code == 0, result.stderr
    history = json.loads(result.stdout)
    assert history["shop"] == "jcarpart"
    first, second = history["versions"]
    assert first["first_seen"] == "2026-01-01T00:00:00Z" and first["material"] is False
    assert second["material"] is True
    assert {"processor", "retention"} <= set(second["categories"])


def test_diff_json_reports_the_material_findings(runner: CliRunner, imported: Path) -> None:
    result = invoke(runner, imported, "diff", "jcarpart", "--format", "json")
    assert result.exit_code == 0, result.stderr
    diff = json.loads(result.stdout)
    assert diff["material"] is True
    processors = [f for f in diff["findings"] if f["category"] == "processor"]
    assert [(f["change"], f["entity"]) for f in processors] == [("added", "Klarna")]
    assert any(change["op"] == "modify" for change in diff["changes"])


def test_show_prints_the_version_current_at_a_date(runner: CliRunner, imported: Path) -> None:
    result = invoke(runner, imported, "show", "jcarpart", "--at", "2026-01-15")
    assert result.exit_code == 0, result.stderr
    assert "7 år" in result.stdout and "10 år" not in result.stdout


def test_importing_the_same_text_again_records_nothing(runner: CliRunner, imported: Path, tmp_path: Path) -> None:
    result = invoke(runner, imported, "import", "jcarpart", str(tmp_path / "v2.md"), "--at", "2026-03-01")
    assert result.exit_code == 0
    assert "nothing recorded" in result.stderr
    assert len(json.loads(invoke(runner, imported, "history", "jcarpart", "--json").stdout)["versions"]) == 2


@pytest.mark.parametrize(
    "args, message",
    [
        (("history", "nosuchshop"), "Error: unknown shop 'nosuchshop'"),
        (("show", "jcarpart", "--at", "yesterday-ish"), "Error: not a version id or an ISO 8601 date"),
        (("diff", "jcarpart", "--from", "999"), "Error: shop 'jcarpart' has no version 999"),
        (("diff", "jcarpart"), "Error: shop 'jcarpart' has no versions yet"),
    ],
)
def test_wrong_arguments_exit_2_with_one_line(runner: CliRunner, config: Path, args: tuple[str, ...], message: str) -> None:
    result = invoke(runner, config, *args)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith(message)
    assert result.stderr.count("\n") == 1


def test_bad_config_exits_2_and_writes_nothing(runner: CliRunner, write_config, tmp_path: Path) -> None:
    path = write_config(f'[database]\nurl = "sqlite:///{tmp_path / "x.db"}"\n[crawl]\nretries = "often"\n')
    result = runner.invoke(app, ["--config", str(path), "crawl", "--all"])
    assert result.exit_code == 2
    assert re.match(r"Error: .*policywatch\.toml: crawl\.retries: ", result.stderr)
    assert not (tmp_path / "x.db").exists()


def test_compare_needs_no_database_and_prints_json(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "old.md").write_text(OLD_POLICY, encoding="utf-8")
    (tmp_path / "new.md").write_text(OLD_POLICY.replace("7 år", "5 år"), encoding="utf-8")
    result = runner.invoke(app, ["--config", str(tmp_path / "absent.toml"), "compare",
                                 str(tmp_path / "old.md"), str(tmp_path / "new.md"), "--format", "json"])
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["categories"] == ["retention"]


def test_history_and_storage_never_import_scrapy() -> None:
    code = "import sys, monitor.cli, monitor.history, monitor.process, storage.db; sys.exit('scrapy' in sys.modules or 'twisted' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


def test_every_command_of_the_interface_spec_exists_and_has_help(runner: CliRunner) -> None:
    if not SPEC.exists():
        pytest.skip("the shared spec is not beside the repository")
    commands = set(re.findall(r"`policywatch (\w+)", SPEC.read_text(encoding="utf-8")))
    assert commands >= {"crawl", "watch", "shops", "history", "show", "diff", "compare", "import"}
    for command in sorted(commands):
        result = runner.invoke(app, [command, "--help"])
        assert result.exit_code == 0, f"{command}: {result.output}"
        assert "Example:" in result.stdout, command


def test_history_shows_why_checks_were_held(runner: CliRunner, imported: Path, database_url: str, tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from storage.db import open_database
    from storage.records import FetchRecord, Outcome

    database = open_database(database_url, tmp_path / "blobs")
    database.record_fetch(FetchRecord("jcarpart", "https://jcarpart.example/p", Outcome.OK, datetime.now(UTC), 200,
                                      body=b"<p>Just a moment...</p>", headers={"content-type": "text/html"}))
    (check,) = database.pending_checks("jcarpart")
    database.settle_check(check, "held:not_policy", detail="challenge page")
    history = json.loads(invoke(runner, imported, "history", "jcarpart", "--json").stdout)
    assert history["held_checks"] == {"held:not_policy": 1}
    assert "held checks (not recorded as versions): not_policy 1" in invoke(runner, imported, "history", "jcarpart").stdout
