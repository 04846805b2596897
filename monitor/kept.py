"""The unchanged sentences of one version, asked by ``monitor.classify`` whether they state a fact.

A fact found in a changed sentence is no change when an unchanged sentence states it too;
the probe of the fact (``monitor.fact_probes``) narrows the search to a few sentences.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from itertools import accumulate

from monitor.facts import Fact, FactExtractor
from monitor.phrases import DurationProbe, Matcher
from monitor.segment import Sentence

# The sentences a probe may match, each with the patterns whose literals it holds (None:
# not known, the probe searches the sentence itself).
_Candidates = list[tuple[int, set[int] | None]]


class KeptSentences:
    """The unchanged sentences of one version, joined once so that a probe scans them in one go."""

    def __init__(self, sentences: Sequence[Sentence], changed: list[int]) -> None:
        self.sentences = sentences
        skip = set(changed)
        self.indices = [i for i in range(len(sentences)) if i not in skip]
        self._text: str | None = None
        self._lowered: str | None = None
        self._starts: list[int] = []
        self._cache: dict[tuple[int, str], set[tuple[str, ...]]] = {}
        # Facts of one party (named, and its roles) share a probe: the text is scanned once.
        self._candidates: dict[int, _Candidates] = {}

    def _joined(self) -> str:
        if self._text is None:
            parts = [self.sentences[index].text for index in self.indices]
            # Each sentence starts one character (the line break) after the previous ends.
            self._starts = [0, *accumulate(len(part) + 1 for part in parts)][: len(parts)]
            self._text = "\n".join(parts)
            self._lowered = self._text.lower()
        return self._text

    def states(self, extractor: FactExtractor, fact: Fact) -> bool:
        """Whether an unchanged sentence states ``fact`` too.

        The probe narrows the search to the few sentences that could state it, which keeps
        classifying a 400 kB policy within milliseconds.
        """
        probe = extractor.probes.probe(fact)
        unknown_party = fact.category == "processor" and not extractor.knows(fact.key[1])
        candidates = self._candidates.get(id(probe))
        if candidates is None:
            candidates = self._candidates[id(probe)] = self._find(probe)
        for index, patterns in candidates:
            text = self.sentences[index].text
            if not (probe.search(text) if patterns is None else probe.search_among(text, patterns)):  # type: ignore[union-attr]
                continue
            if unknown_party:
                # A name known only by its legal form that the other version also writes, in
                # whatever context (often the shop's own company), is no new party.
                return True
            if fact.key in self._facts(extractor, index, fact.category):
                return True
        return False

    def _find(self, probe: Matcher | DurationProbe) -> _Candidates:
        """The sentences holding a place ``probe`` names, in the order of their first place."""
        text = self._joined()
        lowered = self._lowered or ""
        # Where lower-casing changed the length, places are not the text's: each sentence
        # found is searched in full.
        exact = isinstance(probe, Matcher) and probe.index is None and len(lowered) == len(text)
        places = probe.places(text, lowered) if exact else [(at, -1, -1) for at in probe.positions(text, lowered)]  # type: ignore[union-attr]
        found: dict[int, set[int] | None] = {}
        for position, pattern, end in sorted(places):
            number = bisect_right(self._starts, position) - 1
            index = self.indices[number]
            patterns = found.setdefault(index, set() if exact else None)
            # A literal running past the sentence's end is not in the sentence.
            if patterns is not None and pattern >= 0 and end <= self._starts[number] + len(self.sentences[index].text):
                patterns.add(pattern)
        return list(found.items())

    def _facts(self, extractor: FactExtractor, index: int, category: str) -> set[tuple[str, ...]]:
        known = self._cache.get((index, category))
        if known is None:
            known = {f.key for f in extractor.extract(self.sentences, (index,), (category,))}
            self._cache[(index, category)] = known
        return known
