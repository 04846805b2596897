"""Match phrase patterns fast: each pattern runs only where the literals it needs occur.

Used by ``monitor.phrases`` (the phrase book's matchers) and ``monitor.facts`` (probes for
one fact over a whole policy). Knows nothing about languages or categories.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from monitor.phrase_literals import literal_reach, required_literals


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


class Matcher:
    """All patterns of one kind, across languages.

    Each pattern is compiled alone with the literal text any of its matches must contain
    ("Privacy Shield", "kanad"); a pattern runs only on texts that contain one, which keeps
    hundreds of patterns cheap on a long policy.
    """

    def __init__(self, entries: Iterable[PhraseEntry], index: LiteralIndex | None = None) -> None:
        self.entries = tuple(entries)
        self.index = index
        self._keys = [entry.key for entry in self.entries]
        self._literals = [required_literals(entry.pattern) for entry in self.entries]
        self._reaches = [literal_reach(entry.pattern) for entry in self.entries]
        # Compiling is most of the cost of a cold start and most patterns never get a text
        # holding their literals: each is compiled when first needed.
        self._regexes: list[re.Pattern[str] | None] = [None] * len(self.entries)
        self._always = [i for i, literals in enumerate(self._literals) if literals is None]
        self._by_literal: dict[str, list[int]] = {}
        for i, literals in enumerate(self._literals):
            for literal in literals or ():
                self._by_literal.setdefault(literal, []).append(i)
        # The index tells, once per text, which of this matcher's patterns it may hold.
        self._slot = index.register(self._by_literal) if index is not None else -1
        # The same sentence (and its heading) is asked about by several steps of extraction;
        # whether a sentence matches at all is known once its hits are.
        self._hits_of: dict[str, tuple[Hit, ...]] = {}
        self._search_of: dict[str, bool] = {}

    def _regex(self, i: int) -> re.Pattern[str]:
        regex = self._regexes[i]
        if regex is None:
            # Patterns are words or phrases: they never start or end inside another word.
            regex = re.compile(rf"(?<!\w)(?:{self.entries[i].pattern})(?!\w)", re.IGNORECASE)
            self._regexes[i] = regex
        return regex

    def forget(self) -> None:
        """Drop the answers cached for texts seen so far (for honest timing)."""
        self._hits_of.clear()
        self._search_of.clear()

    @classmethod
    def of_patterns(cls, key: str, patterns: Iterable[str]) -> Matcher:
        """A matcher for ad-hoc patterns of one meaning (a probe for one fact)."""
        return cls(PhraseEntry("", "probe", key, pattern, pattern) for pattern in patterns)

    def _candidates(self, text: str) -> list[tuple[str, re.Pattern[str], tuple[str, ...] | None, int]]:
        """The patterns worth running on ``text``, each with the literals that put it there
        and where a match of it may start at the earliest."""
        if self.index is not None:
            # The index knows every kind's literals; only this matcher's matter here.
            places, by_slot = self.index.located(text)
            mine = by_slot.get(self._slot)
            if mine is None:
                return [(self._keys[i], self._regex(i), None, 0) for i in self._always]
            chosen: dict[int, list[str]] = {i: [] for i in self._always}
            chosen.update(mine)
            found = []
            for i in sorted(chosen):
                literals, reach = chosen[i], self._reaches[i]
                # A match starts at most ``reach`` characters before the literal it holds.
                start = 0
                if literals and reach is not None:
                    first = places[literals[0]] if len(literals) == 1 else min(places[lit] for lit in literals)
                    start = max(0, first - reach)
                found.append((self._keys[i], self._regexes[i] or self._regex(i), tuple(literals) if self._literals[i] else None, start))
            return found
        lowered = text.lower()
        return [
            (self._keys[i], self._regex(i), literals, 0)
            for i, literals in enumerate(self._literals)
            if literals is None or any(literal in lowered for literal in literals)
        ]

    def hits(self, text: str) -> list[Hit]:
        """Non-overlapping hits, leftmost first, the longest of those starting together."""
        # Only the phrase book's matchers cache (emptied by ``forget``); a probe runs once.
        if self.index is None:
            return list(self._hits(text))
        found = self._hits_of.get(text)
        if found is None:
            if len(self._hits_of) >= _CACHED:
                self._hits_of.clear()
            found = self._hits_of[text] = self._hits(text)
        return list(found)

    def search(self, text: str) -> bool:
        if self.index is None:
            return self._search(text)
        known = self._search_of.get(text)
        if known is None:
            hits = self._hits_of.get(text)
            known = bool(hits) if hits is not None else self._search(text)
            if len(self._search_of) >= _CACHED:
                self._search_of.clear()
            self._search_of[text] = known
        return known

    def _hits(self, text: str) -> tuple[Hit, ...]:
        found: list[Hit] = []
        lowered = text.lower() if len(text) > _WINDOW_FROM else ""
        for key, regex, literals, first in self._candidates(text):
            found.extend(Hit(key, start, end) for start, end in _spans(regex, text, lowered, literals, first))
        if len(found) < 2:
            return tuple(found)
        found.sort(key=lambda hit: (hit.start, hit.start - hit.end))
        chosen: list[Hit] = []
        for hit in found:
            if not chosen or hit.start >= chosen[-1].end:
                chosen.append(hit)
        return tuple(chosen)

    def _search(self, text: str) -> bool:
        lowered = text.lower() if len(text) > _WINDOW_FROM else ""
        return any(
            _spans(regex, text, lowered, literals, start, first=True) for _, regex, literals, start in self._candidates(text)
        )

    def keys(self, text: str) -> set[str]:
        return {hit.key for hit in self.hits(text)}

    def positions(self, text: str, lowered: str) -> list[int]:
        """Where a hit may be in a long text (a superset, found by plain string search).

        Case-insensitive regular expressions scan slowly; on a whole policy the literals
        locate the few places worth a closer look. ``lowered`` is ``text.lower()``.
        """
        return [at for at, _, _ in self.places(text, lowered)]

    def places(self, text: str, lowered: str) -> list[tuple[int, int, int]]:
        """``positions``, each with the pattern whose literal is there and where that
        literal ends (-1 and -1 for a match of a pattern without literals)."""
        found: list[tuple[int, int, int]] = []
        for i, literals in enumerate(self._literals):
            if literals is None:
                found.extend((m.start(), -1, -1) for m in self._regex(i).finditer(text))
                continue
            for literal in literals:
                at = lowered.find(literal)
                while at >= 0:
                    found.append((at, i, at + len(literal)))
                    at = lowered.find(literal, at + 1)
        return found

    def search_among(self, text: str, patterns: Iterable[int]) -> bool:
        """``search`` for a text known to hold the literals of ``patterns`` and of no other
        pattern: the patterns without literals and those are run, nothing is looked for."""
        lowered = text.lower() if len(text) > _WINDOW_FROM else ""
        return any(
            _spans(self._regex(i), text, lowered, self._literals[i], 0, first=True)
            for i in sorted({*self._always, *patterns})
        )



# Texts whose answers a phrase book's matcher keeps: a few policies' changed sentences.
_CACHED = 4096
# Texts longer than this are searched only around the literals a pattern needs; a pattern's
# match reaches at most _REACH characters from its literal (phrases, not paragraphs).
_WINDOW_FROM = 400
_REACH = 120


def _spans(
    regex: re.Pattern[str], text: str, lowered: str, literals: tuple[str, ...] | None, start: int, first: bool = False
) -> list[tuple[int, int]]:
    """The matches of ``regex`` in ``text`` from ``start`` (no match starts before), scanning
    only windows around ``literals`` when long."""
    if not lowered or literals is None or len(lowered) != len(text):
        matches = regex.finditer(text, start)
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
    """Which of many literals a text contains, found in one pass over the text's 4-grams.

    Every pattern of the phrase book has literals (see ``required_literals``); one look at a
    sentence tells all matchers at once which patterns are worth running on it.
    """

    def __init__(self, literals: Iterable[str]) -> None:
        self._by_prefix: dict[str, list[str]] = {}
        self._short: list[str] = []
        for literal in set(literals):
            if len(literal) < _GRAM:
                self._short.append(literal)
            else:
                self._by_prefix.setdefault(literal[:_GRAM], []).append(literal)
        self._prefixes = frozenset(self._by_prefix)
        self._present = lru_cache(maxsize=4096)(self._find)
        self._owners: dict[str, list[tuple[int, int]]] = {}
        self._slots = 0

    def register(self, by_literal: dict[str, list[int]]) -> int:
        """Take one matcher's patterns by literal; returns the matcher's number in ``located``."""
        slot = self._slots
        self._slots += 1
        for literal, indices in by_literal.items():
            self._owners.setdefault(literal, []).extend((slot, i) for i in indices)
        return slot

    def present(self, text: str) -> dict[str, int]:
        """The literals ``text`` contains, and where each first occurs (0 where the
        lower-cased text is not as long as the text: its places are not the text's)."""
        return self._present(text)[0]

    def located(self, text: str) -> tuple[dict[str, int], dict[int, dict[int, list[str]]]]:
        """``present``, and by registered matcher, its patterns whose literals ``text``
        contains, each with those literals."""
        return self._present(text)

    def forget(self) -> None:
        self._present.cache_clear()

    def _find(self, text: str) -> tuple[dict[str, int], dict[int, dict[int, list[str]]]]:
        lowered = text.lower()
        # The text's 4-grams say which literals can be in it; ``find`` confirms the few. Four
        # characters rule out more than three ("cont" vs "con") for the same cost.
        grams = {lowered[i : i + _GRAM] for i in range(len(lowered) - _GRAM + 1)}
        found = {}
        for literal in self._short:
            at = lowered.find(literal)
            if at >= 0:
                found[literal] = at
        for prefix in self._prefixes.intersection(grams):
            for literal in self._by_prefix[prefix]:
                at = lowered.find(literal)
                if at >= 0:
                    found[literal] = at
        if len(lowered) != len(text):
            found = dict.fromkeys(found, 0)
        by_slot: dict[int, dict[int, list[str]]] = {}
        owners = self._owners
        for literal in found:
            for slot, i in owners.get(literal, ()):
                by_slot.setdefault(slot, {}).setdefault(i, []).append(literal)
        return found, by_slot


_GRAM = 4
