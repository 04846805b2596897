"""Probes: what every sentence able to state a given fact matches.

The classifier asks whether an unchanged sentence states a fact found in a changed one
(``monitor.kept``); a probe per fact narrows that to the few sentences worth extracting.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING

from monitor.phrases import DurationProbe, Matcher, PhraseBook
from monitor.vendors import Vendor

if TYPE_CHECKING:
    from monitor.facts import Fact


def loose(name: str) -> str:
    """A pattern of a name's words with any punctuation or spacing between them."""
    return r"\W*".join(re.escape(word) for word in re.findall(r"\w+", name)) or re.escape(name)


class FactProbes:
    """One cheap search per fact, made once and kept."""

    def __init__(self, book: PhraseBook, vendor_by_key: Mapping[str, Vendor]) -> None:
        self.book = book
        self._vendor_by_key = vendor_by_key
        self._probes: dict[tuple[object, ...], Matcher | DurationProbe] = {}
        self._party_probes: dict[tuple[str, tuple[str, ...]], Matcher] = {}

    def probe(self, fact: Fact) -> Matcher | DurationProbe:
        """What every sentence able to state ``fact`` matches."""
        cache_key = (fact.category, fact.key, fact.label)
        probe = self._probes.get(cache_key)
        if probe is None:
            probe = self._probes[cache_key] = self._new_probe(fact)
        return probe

    def _new_probe(self, fact: Fact) -> Matcher | DurationProbe:
        book, kind, value = self.book, fact.key[0], fact.key[1]
        if fact.category == "processor":
            vendor = self._vendor_by_key.get(value)
            words = (*vendor.spellings, *vendor.domains) if vendor else (fact.label,)
            patterns = tuple(loose(word) for word in words)
            # A party and its roles are probed with the same patterns: one matcher for all.
            probe = self._party_probes.get((value, patterns))
            if probe is None:
                probe = self._party_probes[(value, patterns)] = Matcher.of_patterns(value, patterns)
            return probe
        if fact.category == "transfer" and kind == "recipient":
            return book.key_matcher(("transfer.destination",), value)
        if fact.category == "transfer":
            return book.key_matcher(("transfer.destination", "transfer.framework", "transfer.mechanism"), value)
        if fact.category == "retention":
            indefinite = book.key_matcher(("retention.indefinite",), value)
            return indefinite if indefinite.entries else book.duration_probe()
        if fact.category == "children":
            return Matcher.of_patterns(value, [value])
        if fact.category == "controller" and kind != "role":
            if kind in ("id", "address"):
                return book.matcher(f"controller.{'identifier' if kind == 'id' else 'address'}")
            return Matcher.of_patterns(value, [loose(fact.label)])
        # Facts read from one phrase kind: "term", "channel" (rights), "role" (controller).
        return book.key_matcher((f"{fact.category}.{kind}",), value)
