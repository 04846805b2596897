"""Tests of the text, unified, json and html formats of a diff."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from monitor.diff import diff_texts
from monitor.render import render_diff

OLD = "# Betalning\n\nVi använder vår bank. Lagringstid: 7 år.\n\n# Kontakt\n\nSkriv till oss.\n\nRing oss gärna på vardagar.\n"
NEW = "# Betalning\n\nRing oss gärna på vardagar.\n\nVi använder vår bank. Lagringstid: 10 år.\n\nVi använder Klarna.\n\n# Kontakt\n\nSkriv till oss.\n"
HOSTILE = "# Cookies\n\nWe use <script>document.title='pwned'</script> cookies. <img src=x onerror=\"document.title='pwned'\">\n"


@dataclass(frozen=True)
class Classification:
    """The classifier's result shape: only what render_diff reads."""

    material: bool
    categories: tuple[str, ...]

    def to_json(self) -> dict[str, object]:
        return {"material": self.material, "categories": list(self.categories), "findings": [
            {"category": "retention", "change": "modified", "entity": None,
             "before": "Lagringstid: 7 år.", "after": "Lagringstid: 10 år.", "section": "Betalning"}]}


def test_plain_text_marks_changed_words_and_moves_compactly() -> None:
    out = render_diff(diff_texts(OLD, NEW), None, fmt="text")
    assert "~ Lagringstid: [-7-]{+10+} år." in out
    assert "+ Vi använder Klarna." in out
    assert "> moved from § Kontakt: Ring oss gärna på vardagar." in out
    assert "\x1b[" not in out


def test_coloured_text_uses_ansi_only_when_asked() -> None:
    out = render_diff(diff_texts(OLD, NEW), None, fmt="text", color=True)
    assert "\x1b[32m10\x1b[0m" in out


def test_context_zero_hides_unchanged_sentences() -> None:
    diff = diff_texts(OLD, NEW)
    assert "Vi använder vår bank." in render_diff(diff, None, fmt="text", context=1)
    assert "Vi använder vår bank." not in render_diff(diff, None, fmt="text", context=0)


def test_json_without_classification_is_not_material() -> None:
    document = json.loads(render_diff(diff_texts(OLD, NEW), None, fmt="json"))
    assert (document["material"], document["categories"], document["findings"]) == (False, [], [])
    assert {c["op"] for c in document["changes"]} == {"modify", "insert", "move"}
    assert document["counts"]["move"] == 1


def test_json_carries_the_classification() -> None:
    document = json.loads(render_diff(diff_texts(OLD, NEW), Classification(True, ("retention",)), fmt="json"))
    assert document["material"] is True and document["categories"] == ["retention"]
    assert document["findings"][0]["after"] == "Lagringstid: 10 år."


def test_unified_diff_applies_with_patch(tmp_path: Path) -> None:
    if shutil.which("patch") is None:
        pytest.skip("GNU patch is not installed")
    diff = diff_texts(OLD, NEW)
    (tmp_path / "text").write_text("".join(s.text + "\n" for s in diff.old), encoding="utf-8")
    patch = render_diff(diff, None, fmt="unified", old_label="text", new_label="text")
    subprocess.run(["patch", "-s", "text"], input=patch.encode(), cwd=tmp_path, check=True)
    assert (tmp_path / "text").read_text(encoding="utf-8") == "".join(s.text + "\n" for s in diff.new)


def test_unified_diff_of_equal_texts_is_empty() -> None:
    assert render_diff(diff_texts(OLD, OLD), None, fmt="unified") == ""


def test_html_escapes_policy_text_and_loads_nothing() -> None:
    page = render_diff(diff_texts(OLD, OLD + HOSTILE), None, fmt="html", title="<b>shop</b>")
    assert "<script" not in page and "<img" not in page
    assert "&lt;script&gt;" in page and "&lt;b&gt;shop" in page
    assert "http" not in page.replace('http-equiv', '')


def test_html_links_moves_and_sections() -> None:
    page = render_diff(diff_texts(OLD, NEW), Classification(True, ("retention",)), fmt="html")
    assert 'href="#old-' in page and 'href="#new-' in page
    assert 'href="#sec-0"' in page and 'id="sec-0"' in page
    assert "<del>7</del>" in page and "<ins>10</ins>" in page
    assert "Material change: retention" in page


def test_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError):
        render_diff(diff_texts(OLD, NEW), None, fmt="pdf")  # type: ignore[arg-type]


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None and os.environ.get("CI") != "true", reason="chromium is not installed")
def test_html_in_headless_chromium_shows_text_not_scripts(tmp_path: Path) -> None:
    assert CHROMIUM is not None, "CI=true requires chromium"
    page = tmp_path / "diff.html"
    page.write_text(render_diff(diff_texts(OLD, NEW + HOSTILE), None, fmt="html", title="diff"), encoding="utf-8")
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={tmp_path / 'profile'}"]
    dom = subprocess.run(
        [CHROMIUM, *flags, "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=60, check=True
    ).stdout
    assert "<title>diff</title>" in dom  # the injected script would have renamed the page
    assert "pwned" in dom and "<script" not in dom and "<img" not in dom  # shown as text only
    assert "<ins>10</ins>" in dom and "<del>7</del>" in dom
    subprocess.run([CHROMIUM, *flags, f"--screenshot={tmp_path / 'shot.png'}", "--window-size=1000,800",
                    page.as_uri()], capture_output=True, timeout=60, check=True)
    assert (tmp_path / "shot.png").stat().st_size > 10_000
