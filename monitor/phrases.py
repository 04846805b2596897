"""Load the per-language phrase data the classifier matches with (monitor/knowledge/phrases/).

Each ``<lang>.toml`` holds number words, duration units and, per materiality category, lists
of ``{key, pattern, example}`` entries. ``load_phrasebook`` merges every language into one
``PhraseBook`` of compiled matchers; the classifier only knows how to match, never what.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from importlib.abc import Traversable
from collections.abc import Iterable
import re._constants as _constants
import re._parser as _parser

from monitor.errors import KnowledgeError

UNITS = ("day", "week", "month", "year")


@dataclass(frozen=True)
class PhraseEntry:
    """One pattern of one language: what it means (``key``) and a sentence it must match."""

    language: str
    kind: str  # "<category>.<role>", e.g. "transfer.destination"
    key: str
    pattern: str
    example: str


@dataclass(frozen=True)
class Hit:
    """A match of a phrase in a text."""

    key: str
    start: int
    end: int


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


class Matcher:
    """All patterns of one kind, across languages.

    Each pattern is compiled alone with the literal text any of its matches must contain
    ("Privacy Shield", "kanad"); a pattern runs only on texts that contain one, which keeps
    hundreds of patterns cheap on a long policy.
    """

    def __init__(self, entries: Iterable[PhraseEntry], index: LiteralIndex | None = None) -> None:
        self.entries = tuple(entries)
        self.index = index
        # Patterns are words or phrases: they never start or end inside another word.
        self._compiled = [
            (entry.key, re.compile(rf"(?<!\w)(?:{entry.pattern})(?!\w)", re.IGNORECASE), required_literals(entry.pattern))
            for entry in self.entries
        ]
        self._always = [i for i, (_, _, literals) in enumerate(self._compiled) if literals is None]
        self._by_literal: dict[str, list[int]] = {}
        for i, (_, _, literals) in enumerate(self._compiled):
            for literal in literals or ():
                self._by_literal.setdefault(literal, []).append(i)

    @classmethod
    def of_patterns(cls, key: str, patterns: Iterable[str]) -> Matcher:
        """A matcher for ad-hoc patterns of one meaning (a probe for one fact)."""
        return cls(PhraseEntry("", "probe", key, pattern, pattern) for pattern in patterns)

    def _candidates(self, text: str) -> list[tuple[str, re.Pattern[str], tuple[str, ...] | None]]:
        """The patterns worth running on ``text``, each with the literals that put it there."""
        if self.index is not None:
            chosen: dict[int, list[str]] = {i: [] for i in self._always}
            by_literal = self._by_literal
            for literal in self.index.present(text):
                for i in by_literal.get(literal, ()):
                    chosen.setdefault(i, []).append(literal)
            return [
                (self._compiled[i][0], self._compiled[i][1], tuple(chosen[i]) if self._compiled[i][2] else None)
                for i in sorted(chosen)
            ]
        lowered = text.lower()
        return [
            (key, regex, literals)
            for key, regex, literals in self._compiled
            if literals is None or any(literal in lowered for literal in literals)
        ]

    def hits(self, text: str) -> list[Hit]:
        """Non-overlapping hits, leftmost first, the longest of those starting together."""
        found = []
        lowered = text.lower() if len(text) > _WINDOW_FROM else ""
        for key, regex, literals in self._candidates(text):
            found.extend(Hit(key, start, end) for start, end in _spans(regex, text, lowered, literals))
        if len(found) < 2:
            return found
        found.sort(key=lambda hit: (hit.start, hit.start - hit.end))
        chosen: list[Hit] = []
        for hit in found:
            if not chosen or hit.start >= chosen[-1].end:
                chosen.append(hit)
        return chosen

    def search(self, text: str) -> bool:
        lowered = text.lower() if len(text) > _WINDOW_FROM else ""
        return any(_spans(regex, text, lowered, literals, first=True) for _, regex, literals in self._candidates(text))

    def keys(self, text: str) -> set[str]:
        return {hit.key for hit in self.hits(text)}

    def positions(self, text: str, lowered: str) -> list[int]:
        """Where a hit may be in a long text (a superset, found by plain string search).

        Case-insensitive regular expressions scan slowly; on a whole policy the literals
        locate the few places worth a closer look. ``lowered`` is ``text.lower()``.
        """
        found = []
        for _, regex, literals in self._compiled:
            if literals is None:
                found.extend(m.start() for m in regex.finditer(text))
                continue
            for literal in literals:
                at = lowered.find(literal)
                while at >= 0:
                    found.append(at)
                    at = lowered.find(literal, at + 1)
        return found



# Texts longer than this are searched only around the literals a pattern needs; a pattern's
# match reaches at most _REACH characters from its literal (phrases, not paragraphs).
_WINDOW_FROM = 400
_REACH = 120


def _spans(
    regex: re.Pattern[str], text: str, lowered: str, literals: tuple[str, ...] | None, first: bool = False
) -> list[tuple[int, int]]:
    """The matches of ``regex`` in ``text``, scanning only windows around ``literals`` when long."""
    if not lowered or literals is None or len(lowered) != len(text):
        matches = regex.finditer(text)
        if first:
            match = next(matches, None)
            return [match.span()] if match else []
        return [m.span() for m in matches]
    spans: set[tuple[int, int]] = set()
    for literal in literals:
        at = lowered.find(literal)
        while at >= 0:
            low, high = max(0, at - _REACH), min(len(text), at + len(literal) + _REACH)
            for match in regex.finditer(text, low, high):
                if match.end() == high and high < len(text):
                    # Cut by the window: the real match from this start may run further.
                    match = regex.match(text, match.start()) or match
                spans.add(match.span())
                if first:
                    return [match.span()]
            at = lowered.find(literal, at + 1)
    return sorted(spans)


class LiteralIndex:
    """Which of many literals a text contains, found in one pass over the text's trigrams.

    Every pattern of the phrase book has literals (see ``required_literals``); one look at a
    sentence tells all matchers at once which patterns are worth running on it.
    """

    def __init__(self, literals: Iterable[str]) -> None:
        self._by_prefix: dict[str, list[str]] = {}
        self._short: list[str] = []
        for literal in set(literals):
            if len(literal) < 3:
                self._short.append(literal)
            else:
                self._by_prefix.setdefault(literal[:3], []).append(literal)
        self._prefixes = frozenset(self._by_prefix)
        self._present = lru_cache(maxsize=4096)(self._find)

    def present(self, text: str) -> frozenset[str]:
        return self._present(text)

    def forget(self) -> None:
        self._present.cache_clear()

    def _find(self, text: str) -> frozenset[str]:
        lowered = text.lower()
        # The text's trigrams say which literals can be in it; ``in`` confirms the few.
        trigrams = {lowered[i : i + 3] for i in range(len(lowered) - 2)}
        found = {literal for literal in self._short if literal in lowered}
        for prefix in self._prefixes.intersection(trigrams):
            found.update(literal for literal in self._by_prefix[prefix] if literal in lowered)
        return frozenset(found)


def required_literals(pattern: str) -> tuple[str, ...] | None:
    """Lower-case strings one of which every match of ``pattern`` contains, if it can tell."""
    try:
        parsed = _parser.parse(pattern, re.IGNORECASE)
    except re.error:
        return None
    found = _required(list(parsed))
    if not found or min(len(literal) for literal in found) < 2:
        return None
    return tuple(sorted(found))


def _required(items: list[tuple[object, object]]) -> set[str] | None:
    best: set[str] | None = None
    run: list[str] = []

    def consider(candidate: set[str] | None) -> None:
        nonlocal best
        if candidate and (best is None or min(map(len, candidate)) > min(map(len, best))):
            best = candidate

    for op, value in items:
        if op is _constants.LITERAL:
            run.append(chr(value).lower())  # type: ignore[arg-type]
            continue
        consider({"".join(run)} if run else None)
        run = []
        if op is _constants.SUBPATTERN:
            consider(_required(list(value[-1])))  # type: ignore[index]
        elif op is _constants.BRANCH:
            branches = [_required(list(branch)) for branch in value[1]]  # type: ignore[index]
            if all(branches):
                consider(set().union(*branches))  # type: ignore[arg-type]
        elif op in (_constants.MAX_REPEAT, _constants.MIN_REPEAT) and value[0] >= 1:  # type: ignore[index]
            consider(_required(list(value[2])))  # type: ignore[index]
    consider({"".join(run)} if run else None)
    return best


@dataclass(frozen=True, eq=False)
class PhraseBook:
    """The merged phrase data of every language, ready to match."""

    languages: tuple[str, ...]
    entries: tuple[PhraseEntry, ...]
    numbers: dict[str, float]
    units: dict[str, str]  # unit word -> one of UNITS
    kinds: dict[str, Matcher]

    def matcher(self, kind: str) -> Matcher:
        return self.kinds.get(kind) or _EMPTY

    def forget_texts(self) -> None:
        """Drop the cached literal look-ups of texts seen so far (for honest timing)."""
        for matcher in self.kinds.values():
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
        found = []
        for start, end, number, unit_word in _duration_probe(self).spans(text.lower()):
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

    def spans(self, lowered: str) -> list[tuple[int, int, str, str]]:
        """(start, end, number, unit word) of each period in a lower-cased text, in order."""
        found: dict[int, tuple[int, int, str, str]] = {}
        for unit in self._units:
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
    return resources.files("monitor") / "knowledge" / "phrases"


def read_language_file(path: Traversable) -> tuple[list[PhraseEntry], dict[str, float], dict[str, str]]:
    """One language file's entries, number words and unit words; ``KnowledgeError`` if invalid."""
    name = path.name
    language = name.removesuffix(".toml")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise KnowledgeError(f"{name}: {exc}") from exc
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
        re.compile(item["pattern"])
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


@lru_cache(maxsize=1)
def load_phrasebook() -> PhraseBook:
    """Load and merge every language file; a bad file raises ``KnowledgeError``."""
    languages, entries, numbers, units = [], [], {}, {}
    for path in sorted(_phrase_dir().iterdir(), key=lambda p: p.name):
        if not path.name.endswith(".toml"):
            continue
        lang_entries, lang_numbers, lang_units = read_language_file(path)
        languages.append(path.name.removesuffix(".toml"))
        entries.extend(lang_entries)
        numbers.update(lang_numbers)
        units.update(lang_units)
    by_kind: dict[str, list[PhraseEntry]] = {}
    for entry in entries:
        by_kind.setdefault(entry.kind, []).append(entry)
    index = LiteralIndex(
        literal for entry in entries for literal in (required_literals(entry.pattern) or ())
    )
    kinds = {kind: Matcher(items, index) for kind, items in by_kind.items()}
    return PhraseBook(tuple(languages), tuple(entries), numbers, units, kinds)
