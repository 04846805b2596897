"""Load the per-language phrase data the classifier matches with (monitor/knowledge/phrases/).

Each ``<lang>.toml`` holds number words, duration units and, per materiality category, lists
of ``{key, pattern, example}`` entries. ``load_phrasebook`` merges every language into one
``PhraseBook`` of compiled matchers; the classifier only knows how to match, never what.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from importlib.abc import Traversable
from pathlib import Path

from monitor import facts_match, phrase_literals
from monitor.errors import KnowledgeError
from monitor.facts_match import Hit, LiteralIndex, Matcher, PhraseEntry
from monitor.knowledge_cache import load_cached
from monitor.knowledge_files import knowledge_path, read_toml
from monitor.phrase_literals import (
    Analysis,
    known_literals,
    pattern_literals,
    remember_literals,
    required_literals,
    trie_pattern,
)

__all__ = [
    "Duration",
    "DurationProbe",
    "Hit",
    "Matcher",
    "PhraseBook",
    "PhraseEntry",
    "load_phrasebook",
    "read_language_file",
    "read_phrase_files",
    "required_literals",
]

UNITS = ("day", "week", "month", "year")


@dataclass(frozen=True)
class Duration:
    """A period found in a text, normalized so that "två år" == "2 years" == "24 months"."""

    amount: float
    unit: str  # "day" or "month": weeks become days, years become months
    start: int
    end: int

    @property
    def label(self) -> str:
        amount = int(self.amount) if self.amount == int(self.amount) else self.amount
        if self.unit == "month" and amount and amount % 12 == 0:
            years = int(amount) // 12
            return f"{years} year" + ("s" if years != 1 else "")
        return f"{amount} {self.unit}" + ("s" if amount != 1 else "")


@dataclass(frozen=True, eq=False)
class PhraseBook:
    """The merged phrase data of every language, ready to match."""

    languages: tuple[str, ...]
    entries: tuple[PhraseEntry, ...]
    numbers: dict[str, float]
    units: dict[str, str]  # unit word -> one of UNITS
    kinds: dict[str, Matcher]
    index: LiteralIndex | None = None  # knows the unit words too
    # Children's ages and retention periods are both read from a sentence's periods.
    _periods: dict[str, tuple[Duration, ...]] = field(default_factory=dict, repr=False)

    def matcher(self, kind: str) -> Matcher:
        return self.kinds.get(kind) or _EMPTY

    def forget_texts(self) -> None:
        """Drop the cached literal look-ups of texts seen so far (for honest timing)."""
        self._periods.clear()
        for matcher in self.kinds.values():
            matcher.forget()
            if matcher.index is not None:
                matcher.index.forget()

    def key_matcher(self, kinds: tuple[str, ...], key: str) -> Matcher:
        """Only the patterns that mean ``key``: a cheap probe for one fact."""
        return _key_matcher(self, kinds, key)

    def duration_probe(self) -> DurationProbe:
        """Finds where a period may be stated (a number before a unit word) in a long text."""
        return _duration_probe(self)

    def durations(self, text: str) -> list[Duration]:
        """Every period stated in ``text``: a number (digits or a number word) and a unit."""
        known = self._periods.get(text)
        if known is None:
            if len(self._periods) >= _PERIODS_KEPT:
                self._periods.clear()
            known = self._periods[text] = tuple(self._durations(text))
        return list(known)

    def _durations(self, text: str) -> list[Duration]:
        found = []
        # The unit words a sentence holds are known from the index the matchers use anyway.
        units = self.index.present(text).keys() & self.units.keys() if self.index is not None else None
        for start, end, number, unit_word in _duration_probe(self).spans(text.lower(), units):
            amount = self.numbers.get(number)
            if amount is None:
                amount = float(number.replace(",", "."))
            unit = self.units[unit_word]
            if unit == "week":
                amount, unit = amount * 7, "day"
            elif unit == "year":
                amount, unit = amount * 12, "month"
            elif unit == "day" and amount and amount % 365 == 0:
                amount, unit = amount / 365 * 12, "month"
            found.append(Duration(amount, unit, start, end))
        return found


_EMPTY = Matcher([])
_PERIODS_KEPT = 4096  # texts whose periods are kept, as the matchers keep their hits


class DurationProbe:
    """Finds periods from their unit words: a whole unit word with a number just before it.

    Looking for the few unit words first is much cheaper on a long text than trying every
    number word ("två", "zwei", "trois", "трьох") at every word.
    """

    def __init__(self, book: PhraseBook) -> None:
        self._book = book
        self._units = sorted(book.units, key=len, reverse=True)
        words = "|".join(re.escape(w) for w in sorted(book.numbers, key=len, reverse=True))
        self._number_before = re.compile(
            rf"(?<!\w)(?P<num>\d+(?:[.,]\d+)?|{words})[\s\u00a0-]*(?:\(\d+\)\s*)?$"
        )
        # Whole unit words (not next to a letter or digit) in one pass over a long text: one
        # ``find`` per unit word stops at every "an" of "and" or "many". The trie tries the
        # longest unit first, as the per-word loop keeps the longest at a place.
        units = trie_pattern(self._units)
        self._unit_inside = re.compile(rf"[\W_]({units})(?![^\W_])")
        self._unit_first = re.compile(rf"({units})(?![^\W_])")

    def spans(self, lowered: str, present: Iterable[str] | None = None) -> list[tuple[int, int, str, str]]:
        """(start, end, number, unit word) of each period in a lower-cased text, in order.

        ``present``: the unit words known to be in the text, when the caller knows them.
        """
        if present is None:
            return self._scanned(lowered)
        found: dict[int, tuple[int, int, str, str]] = {}
        units = sorted(present, key=len, reverse=True)
        for unit in units:
            at = lowered.find(unit)
            while at >= 0:
                end = at + len(unit)
                whole = (at == 0 or not lowered[at - 1].isalnum()) and (end == len(lowered) or not lowered[end].isalnum())
                if whole:
                    match = self._number_before.search(lowered, max(0, at - 24), at)
                    if match and match.start() not in found:
                        found[match.start()] = (match.start(), end, match.group("num"), unit)
                at = lowered.find(unit, at + 1)
        return [found[start] for start in sorted(found)]

    def _scanned(self, lowered: str) -> list[tuple[int, int, str, str]]:
        found: dict[int, tuple[int, int, str, str]] = {}
        first = self._unit_first.match(lowered)
        units = [first] if first else []
        units += self._unit_inside.finditer(lowered)
        for unit in units:
            at = unit.start(1)
            match = self._number_before.search(lowered, max(0, at - 24), at)
            if match and match.start() not in found:
                found[match.start()] = (match.start(), unit.end(1), match.group("num"), unit.group(1))
        return [found[start] for start in sorted(found)]

    def positions(self, text: str, lowered: str) -> list[int]:
        return [start for start, *_ in self.spans(lowered)]

    def search(self, text: str) -> bool:
        return bool(self.spans(text.lower()))


@lru_cache(maxsize=4)
def _duration_probe(book: PhraseBook) -> DurationProbe:
    return DurationProbe(book)


@lru_cache(maxsize=1024)
def _key_matcher(book: PhraseBook, kinds: tuple[str, ...], key: str) -> Matcher:
    return Matcher([e for kind in kinds for e in book.matcher(kind).entries if e.key == key])


def _phrase_dir() -> Traversable:
    return knowledge_path("phrases")


def read_language_file(path: Traversable) -> tuple[list[PhraseEntry], dict[str, float], dict[str, str]]:
    """One language file's entries, number words and unit words; ``KnowledgeError`` if invalid."""
    name = path.name
    language = name.removesuffix(".toml")
    data = read_toml(path)
    numbers = data.pop("numbers", {})
    if not isinstance(numbers, dict) or not all(isinstance(v, int | float) for v in numbers.values()):
        raise KnowledgeError(f"{name}: numbers: expected a table of word = number")
    units_table = data.pop("units", {})
    units: dict[str, str] = {}
    for unit, words in units_table.items():
        if unit not in UNITS or not isinstance(words, list):
            raise KnowledgeError(f"{name}: units.{unit}: expected one of {UNITS} with a list of words")
        units.update({str(w).lower(): unit for w in words})
    entries: list[PhraseEntry] = []
    for category, roles in data.items():
        if not isinstance(roles, dict):
            raise KnowledgeError(f"{name}: {category}: expected a table of pattern lists")
        for role, items in roles.items():
            kind = f"{category}.{role}"
            if not isinstance(items, list):
                raise KnowledgeError(f"{name}: {kind}: expected an array of tables")
            for position, item in enumerate(items):
                entries.append(_entry(name, language, kind, position, item))
    return entries, {k.lower(): float(v) for k, v in numbers.items()}, units


def _entry(name: str, language: str, kind: str, position: int, item: object) -> PhraseEntry:
    where = f"{name}: {kind}[{position}]"
    if not isinstance(item, dict) or set(item) != {"key", "pattern", "example"}:
        raise KnowledgeError(f"{where}: expected exactly key, pattern and example")
    if not all(isinstance(v, str) and v for v in item.values()):
        raise KnowledgeError(f"{where}: key, pattern and example must be non-empty strings")
    try:
        pattern_literals(item["pattern"])
    except re.error as exc:
        raise KnowledgeError(f"{where}.pattern: {exc}") from exc
    return PhraseEntry(language, kind, item["key"], item["pattern"], item["example"])


def read_phrase_files() -> dict[str, list[PhraseEntry]]:
    """Every language's validated entries, by language code (for tests and tooling)."""
    result = {}
    for path in sorted(_phrase_dir().iterdir(), key=lambda p: p.name):
        if path.name.endswith(".toml"):
            result[path.name.removesuffix(".toml")] = read_language_file(path)[0]
    return result


@lru_cache(maxsize=4)
def load_phrasebook(directory: Traversable | None = None) -> PhraseBook:
    """Load and merge every language file; a bad file raises ``KnowledgeError``.

    ``directory`` defaults to ``monitor/knowledge/phrases``; a language is one file there.
    """
    paths = sorted(
        (path for path in (directory or _phrase_dir()).iterdir() if path.name.endswith(".toml")),
        key=lambda p: p.name,
    )
    # The code that parses and analyses patterns is part of what a cached entry was built from.
    sources = [Path(code).read_bytes() for code in (__file__, facts_match.__file__, phrase_literals.__file__)]
    sources += [path.name.encode() + b"\0" + path.read_bytes() for path in paths]
    languages, entries, numbers, units, parsed = load_cached("phrases", sources, lambda: _merged(paths))
    remember_literals(parsed)
    by_kind: dict[str, list[PhraseEntry]] = {}
    for entry in entries:
        by_kind.setdefault(entry.kind, []).append(entry)
    literals = [literal for entry in entries for literal in (required_literals(entry.pattern) or ())]
    index = LiteralIndex([*literals, *units])
    kinds = {kind: Matcher(items, index) for kind, items in by_kind.items()}
    return PhraseBook(tuple(languages), tuple(entries), numbers, units, kinds, index)


_Merged = tuple[list[str], list[PhraseEntry], dict[str, float], dict[str, str], dict[str, Analysis]]


def _merged(paths: list[Traversable]) -> _Merged:
    """Every language file read, validated and merged, with the literals of each pattern."""
    languages: list[str] = []
    entries: list[PhraseEntry] = []
    numbers: dict[str, float] = {}
    units: dict[str, str] = {}
    for path in paths:
        lang_entries, lang_numbers, lang_units = read_language_file(path)
        languages.append(path.name.removesuffix(".toml"))
        entries.extend(lang_entries)
        numbers.update(lang_numbers)
        units.update(lang_units)
    return languages, entries, numbers, units, known_literals(entry.pattern for entry in entries)
