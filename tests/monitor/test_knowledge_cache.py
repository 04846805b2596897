"""The disk cache of parsed knowledge files: reused while its sources are the same, never stale."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.knowledge_cache import CACHE_ENV, load_cached
from monitor.phrases import load_phrasebook, read_phrase_files
from monitor.vendors import load_vendors


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(CACHE_ENV, str(tmp_path))
    return tmp_path


def test_a_second_load_from_the_same_sources_does_not_build_again(cache: Path) -> None:
    builds: list[int] = []
    first = load_cached("thing", [b"data"], lambda: builds.append(1) or {"a": 1})
    second = load_cached("thing", [b"data"], lambda: builds.append(1) or {"a": 2})
    assert first == second == {"a": 1}
    assert builds == [1]


def test_changed_sources_are_built_again(cache: Path) -> None:
    load_cached("thing", [b"data"], lambda: 1)
    assert load_cached("thing", [b"data, edited"], lambda: 2) == 2


def test_a_damaged_entry_is_built_again(cache: Path) -> None:
    load_cached("thing", [b"data"], lambda: 1)
    for entry in cache.glob("thing-*.pickle"):
        entry.write_bytes(b"not a pickle")
    assert load_cached("thing", [b"data"], lambda: 2) == 2


def test_only_the_newest_entries_of_a_name_are_kept(cache: Path) -> None:
    for version in range(7):
        load_cached("thing", [f"data {version}".encode()], lambda version=version: version)
    load_cached("other", [b"data"], lambda: 0)
    assert len(list(cache.glob("thing-*.pickle"))) == 4
    assert len(list(cache.glob("other-*.pickle"))) == 1
    assert load_cached("thing", [b"data 6"], lambda: -1) == 6


def test_the_cache_can_be_turned_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(CACHE_ENV, "off")
    load_cached("thing", [b"data"], lambda: 1)
    assert load_cached("thing", [b"data"], lambda: 2) == 2


def test_an_unwritable_cache_only_means_building(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory", encoding="utf-8")
    monkeypatch.setenv(CACHE_ENV, str(blocker / "cache"))
    assert load_cached("thing", [b"data"], lambda: 3) == 3


def test_the_cached_phrase_book_and_registry_equal_freshly_parsed_ones(cache: Path) -> None:
    load_phrasebook.cache_clear()
    load_vendors.cache_clear()
    try:
        for _ in range(2):  # built, then read back from the cache
            book = load_phrasebook()
            assert list(book.entries) == [e for entries in read_phrase_files().values() for e in entries]
            registry = load_vendors()
            assert [m.vendor.key for m in registry.find("Betalning med Klarnas app och PayPal.")] == ["klarna", "paypal"]
            load_phrasebook.cache_clear()
            load_vendors.cache_clear()
        assert len(list(cache.glob("*.pickle"))) == 2
    finally:
        load_phrasebook.cache_clear()
        load_vendors.cache_clear()
