"""The phrase data under monitor/knowledge/phrases/: valid, exemplified, alike across languages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from monitor.errors import KnowledgeError
from monitor.facts import CATEGORIES
from monitor.facts_match import LiteralIndex, PhraseEntry
from monitor.phrase_literals import literal_reach
from monitor.phrases import (
    Matcher,
    load_phrasebook,
    read_language_file,
    read_phrase_files,
    required_literals,
)

LANGUAGES = ("sv", "uk", "en", "de", "fr")
FILES = read_phrase_files()
ENTRIES = [entry for entries in FILES.values() for entry in entries]
MATERIALITY = Path(__file__).resolve().parents[3] / "shared" / "spec" / "materiality.md"


def test_every_language_we_promise_has_a_phrase_file() -> None:
    assert set(LANGUAGES) <= set(FILES)


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: f"{e.language}-{e.kind}-{e.key}")
def test_every_pattern_matches_its_own_example(entry) -> None:
    assert Matcher([entry]).search(entry.example), f"{entry.pattern!r} misses {entry.example!r}"


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: f"{e.language}-{e.kind}-{e.key}")
def test_the_literal_prefilter_never_hides_a_match_of_the_example(entry) -> None:
    # The matcher skips a pattern whose required literals are absent: they must really be required.
    literals = required_literals(entry.pattern)
    match = re.search(entry.pattern, entry.example, re.IGNORECASE)
    assert match is not None
    if literals is not None:
        assert any(literal in match.group(0).lower() for literal in literals)


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: f"{e.language}-{e.kind}-{e.key}")
def test_a_match_of_the_example_holds_a_literal_within_its_reach(entry) -> None:
    # The matcher starts looking ``reach`` characters before the first literal it finds.
    literals, reach = required_literals(entry.pattern), literal_reach(entry.pattern)
    match = re.search(entry.pattern, entry.example, re.IGNORECASE)
    assert match is not None
    if literals is not None and reach is not None:
        lowered = match.group(0).lower()
        assert any(0 <= lowered.find(literal) <= reach for literal in literals)


def test_the_reach_is_how_far_into_a_match_its_literal_may_start() -> None:
    assert literal_reach(r"ab{2,5}cdef") == 6
    assert literal_reach(r"(?:stored|processed) (?:\w+ ){0,3}in") == 0
    assert literal_reach(r"\w+ data") is None


def test_a_match_that_starts_before_its_literal_is_found_whole() -> None:
    entry = PhraseEntry("en", "test.kind", "car", r"(?:big )?red car", "big red car")
    matcher = Matcher([entry], LiteralIndex(["red car"]))
    assert [(hit.start, hit.end) for hit in matcher.hits("a big red car")] == [(2, 13)]


def test_every_language_covers_the_same_kinds_of_phrases() -> None:
    kinds = {language: {entry.kind for entry in entries} for language, entries in FILES.items()}
    reference = kinds["en"]
    for language, found in kinds.items():
        assert found == reference, f"{language}: missing {reference - found}, extra {found - reference}"


def test_phrase_categories_are_the_classifier_categories() -> None:
    categories = {entry.kind.split(".")[0] for entry in ENTRIES}
    assert categories == set(CATEGORIES)


@pytest.mark.skipif(not MATERIALITY.exists(), reason="the shared materiality spec is not next to this checkout")
def test_every_category_is_named_in_materiality_md() -> None:
    spec = MATERIALITY.read_text(encoding="utf-8")
    for category in CATEGORIES:
        assert f"`{category}`" in spec


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("två år", "2 years"),
        ("2 years", "2 years"),
        ("24 months", "2 years"),
        ("24 місяці", "2 years"),
        ("zwei Jahre", "2 years"),
        ("deux ans", "2 years"),
        ("дві роки", "2 years"),
        ("trois ans", "3 years"),
        ("трьох років", "3 years"),
        ("one year", "1 year"),
        ("12 månader", "1 year"),
        ("365 Tage", "1 year"),
        ("14 Tagen", "14 days"),
        ("two weeks", "14 days"),
        ("30 днів", "30 days"),
        ("sechs Monate", "6 months"),
    ],
)
def test_number_words_and_units_normalize_to_one_duration(text: str, label: str) -> None:
    durations = load_phrasebook().durations(f"We keep it for {text} and then delete it.")
    assert [d.label for d in durations] == [label]


def test_a_number_without_a_unit_is_no_duration() -> None:
    assert load_phrasebook().durations("Section 7 of the policy, version 10.") == []


def test_a_pattern_that_does_not_compile_is_a_knowledge_error_naming_file_and_key(tmp_path: Path) -> None:
    bad = tmp_path / "xx.toml"
    bad.write_text("[[transfer.destination]]\nkey = 'US'\npattern = '(USA'\nexample = 'USA'\n", encoding="utf-8")
    with pytest.raises(KnowledgeError, match=r"xx\.toml: transfer\.destination\[0\]\.pattern"):
        read_language_file(bad)


def test_an_entry_without_an_example_is_a_knowledge_error(tmp_path: Path) -> None:
    bad = tmp_path / "xx.toml"
    bad.write_text("[[purpose.term]]\nkey = 'profiling'\npattern = 'profiling'\n", encoding="utf-8")
    with pytest.raises(KnowledgeError, match=r"purpose\.term\[0\]: expected exactly key, pattern and example"):
        read_language_file(bad)


def test_an_unknown_unit_is_a_knowledge_error(tmp_path: Path) -> None:
    bad = tmp_path / "xx.toml"
    bad.write_text("[units]\nfortnight = ['fortnight']\n", encoding="utf-8")
    with pytest.raises(KnowledgeError, match=r"units\.fortnight"):
        read_language_file(bad)


def test_required_literals_are_found_through_groups_and_alternatives() -> None:
    assert required_literals(r"third countr(?:y|ies)") == ("third countr",)
    literals = required_literals(r"USA|United States")
    assert literals is not None
    assert all(any(literal in text for literal in literals) for text in ("usa", "united states"))
    assert required_literals(r"\d{6}-\d{4}") is None


def test_a_one_letter_prefix_before_plain_alternatives_joins_them() -> None:
    # "UK|U.K." is parsed as "U(?:K|.K.)": "u" alone is too short to look for.
    assert required_literals(r"(?-i:UK|U\.K\.)") == ("u.k.", "uk")


def test_a_new_language_is_only_a_data_file(tmp_path: Path) -> None:
    # Norwegian, written for this test: numbers, units and one retention phrase are enough
    # for the classifier to read "lagres i to år" as a period of retention.
    (tmp_path / "nb.toml").write_text(
        """
[numbers]
"to" = 2
"tre" = 3

[units]
year = ["år"]

[[retention.context]]
key = "retention"
pattern = 'lagres|slettes'
example = "Opplysningene lagres i to år."
""",
        encoding="utf-8",
    )
    book = load_phrasebook(tmp_path)
    assert book.languages == ("nb",)
    assert [d.label for d in book.durations("Opplysningene lagres i to år.")] == ["2 years"]
    assert book.matcher("retention.context").search("Opplysningene slettes etter tre år.")


def test_places_name_the_pattern_whose_literal_is_there_and_search_among_runs_only_those() -> None:
    matcher = Matcher.of_patterns("shipping", [r"parcel lockers?", r"home deliver(?:y|ies)"])
    text = "We offer home delivery.\nParcel lockers are coming."
    places = matcher.places(text, text.lower())
    assert sorted((text[at:end].lower(), pattern) for at, pattern, end in places) == [("home deliver", 1), ("parcel locker", 0)]
    assert matcher.search_among("We offer home delivery.", [1])
    # Told that only the first pattern's literal is there, the second pattern is not run.
    assert not matcher.search_among("We offer home delivery.", [0])
