"""Reading the knowledge files: parsed TOML, or one line naming the file."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.errors import KnowledgeError
from monitor.knowledge_files import read_knowledge, read_toml


def test_a_knowledge_file_is_read_with_its_path() -> None:
    path, data = read_knowledge("languages.toml")
    assert path.endswith("knowledge/languages.toml") and "sv" in data


def test_a_missing_file_is_one_line_naming_it(tmp_path: Path) -> None:
    with pytest.raises(KnowledgeError, match=r"gone\.toml") as caught:
        read_toml(tmp_path / "gone.toml")
    assert "\n" not in str(caught.value)


def test_a_file_that_is_not_toml_is_one_line_naming_it(tmp_path: Path) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text('[sv]\nwords = ["och"\n', encoding="utf-8")
    with pytest.raises(KnowledgeError, match=r"broken\.toml: ") as caught:
        read_toml(broken)
    assert "\n" not in str(caught.value)


def test_a_file_that_is_not_utf8_is_one_line_naming_it(tmp_path: Path) -> None:
    latin = tmp_path / "latin.toml"
    latin.write_bytes('words = ["år"]\n'.encode("latin-1"))
    with pytest.raises(KnowledgeError, match=r"latin\.toml: "):
        read_toml(latin)
