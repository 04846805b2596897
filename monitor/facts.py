"""Extract the facts of a policy that matter for materiality, sentence by sentence.

Takes ``Sentence``s (from ``monitor.segment`` / ``monitor.diff``) and hands the classifier
``Fact``s: named third parties, transfer destinations and mechanisms, retention periods with
their anchors, data categories, purposes, sharing terms, legal bases, rights, minimum ages
and controller identity. What to match comes from the phrase data and the vendor registry.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from monitor.fact_probes import FactProbes
from monitor.facts_match import Hit
from monitor.party_names import (
    HOST,
    cached_canonical,
    display_name,
    generic_word,
    legal_org_pattern,
    link_of_named,
)
from monitor.phrases import PhraseBook, load_phrasebook
from monitor.segment import Sentence
from monitor.vendors import (
    VendorRegistry,
    canonical_party_name,
    load_vendors,
)

CATEGORIES = (
    "processor",
    "transfer",
    "retention",
    "data_collected",
    "purpose",
    "sharing",
    "legal_basis",
    "rights",
    "children",
    "controller",
)

# A Markdown link's target is not text the reader sees; link targets change editorially.
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)|\]\([^)\s]*\)?|[\[\]]")
# ASCII local parts only: a missing space ("påinfo@shop.se") must not change the address.
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[\w-]+(?:\.[\w-]+)+")
# A listed name: one to three capitalized words ("Budbee", "DHL Freight", "Sweden Post").
_NAME = re.compile(r"[A-ZÀ-ÖØ-ÞА-ЯІЇЄҐ0-9][\w&'’.+-]*(?:\s[A-ZÀ-ÖØ-ÞА-ЯІЇЄҐ0-9][\w&'’.+-]*){0,2}")
_LIST_END = re.compile(r"[.;:!?()]\s|[;()]|\s[-–—]\s")
_OPERATOR = re.compile(r"\s*\(\s*(?:\w{1,6}\s+){0,2}[«\"„“]?")
_GROUP_BRACKET = re.compile(r"\s*\(")
# A negation applies to a mechanism named within a few words after it.
_NEGATION_REACH = 30
# Data named within a few words after "we do not collect" is said not to be collected.
_NEGATED_DATUM_REACH = 40
# An age is a year-based duration right after a word about minors ("under 16 years").
_AGE_GAP = 24
_AGE_MONTHS = range(10 * 12, 22 * 12)
# Sentences (per category) whose facts are kept: a few policies' changed sentences.
_KNOWN = 16384


@dataclass(frozen=True)
class Fact:
    """One fact of one version: ``key`` is what is compared, ``label`` what is shown."""

    category: str
    key: tuple[str, ...]
    label: str
    sentence: int  # index into the version's sentence list


def visible_text(text: str) -> str:
    """The sentence as a reader sees it: link targets dropped, white space collapsed."""
    return " ".join(_LINK.sub(r"\1", text).split())


def _bracketed(text: str, taken: list[tuple[int, int]], start: int) -> bool:
    return any(_OPERATOR.fullmatch(text, end, start) for _, end in taken if end <= start)


@dataclass(frozen=True)
class _Context:
    text: str
    heading: str
    index: int


class FactExtractor:
    """Knows how to find facts; the phrase book and the registry say what to find."""

    def __init__(self, book: PhraseBook | None = None, vendors: VendorRegistry | None = None) -> None:
        self.book = book or load_phrasebook()
        self.vendors = vendors or load_vendors()
        self._legal_org = legal_org_pattern()
        self._vendor_by_key = {vendor.key: vendor for vendor in self.vendors}
        self.probes = FactProbes(self.book, self._vendor_by_key)
        self._known: dict[tuple[str, str, str], tuple[tuple[str, tuple[str, ...], str], ...]] = {}
        # Three steps ask which vendors one sentence names.
        self._vendors_in = lru_cache(maxsize=4096)(self.vendors.find)

    def forget_texts(self) -> None:
        """Drop every answer cached for texts seen so far (for honest timing)."""
        self._vendors_in.cache_clear()
        self._known.clear()
        self.book.forget_texts()

    def extract(self, sentences: Sequence[Sentence], indices: Iterable[int], categories: Iterable[str] = CATEGORIES) -> list[Fact]:
        """The facts of the given sentences, for the given categories."""
        wanted = tuple(categories)
        facts: list[Fact] = []
        known = self._known
        for index in indices:
            sentence = sentences[index]
            context = _Context(visible_text(sentence.text), sentence.section or "", index)
            if not context.text:
                continue
            for category in wanted:
                # A sentence repeated (a table row, a block the policy shows twice) under the
                # same heading states the same facts: they are read once.
                cache_key = (context.text, context.heading, category)
                found = known.get(cache_key)
                if found is None:
                    if len(known) >= _KNOWN:
                        known.clear()
                    found = known[cache_key] = tuple(
                        (f.category, f.key, f.label) for f in getattr(self, f"_{category}")(context)
                    )
                facts.extend(Fact(c, key, label, index) for c, key, label in found)
        return facts

    def knows(self, party: str) -> bool:
        """Whether a processor key is a registry vendor (else a name found by its legal form)."""
        return party in self._vendor_by_key

    def _in_context(self, kind: str, context: _Context) -> bool:
        matcher = self.book.matcher(kind)
        return matcher.search(context.text) or (bool(context.heading) and matcher.search(context.heading))

    def _processing(self, context: _Context) -> bool:
        # A party counts where the text speaks of processing, sharing or sending data; a
        # brand in a carousel or in browser instructions ("Sous Google Chrome, ...") does not.
        book, text = self.book, context.text
        return bool(
            self._in_context("processor.context", context)
            or book.matcher("transfer.context").search(text)
            or book.matcher("sharing.context").search(text)
            # Hits rather than a yes or no: the purpose and data steps ask for them anyway.
            or bool(book.matcher("purpose.term").hits(text))
            or bool(book.matcher("data_collected.term").hits(text))
        )

    def _processor(self, context: _Context) -> list[Fact]:
        book, text = self.book, context.text
        if book.matcher("processor.exclude").search(text) or not self._processing(context):
            return []
        facts = []
        taken: list[tuple[int, int]] = []
        purposes = book.matcher("purpose.term").keys(text)
        matches = self._vendors_in(text)
        for match in matches:
            operator = _bracketed(text, taken, match.start)
            taken.append((match.start, match.end))
            # "Google Ads (Google Ireland Limited)": the bracket names who runs the product.
            if not match.vendor.processor or operator or generic_word(match) or link_of_named(match, matches):
                continue
            key = match.vendor.key
            facts.append(Fact("processor", ("party", key), display_name(match), context.index))
            facts.extend(Fact("processor", ("role", key, p), p, context.index) for p in purposes)
        if book.matcher("processor.context").search(text) and not self._in_context("controller.context", context):
            group = self._group_lists(text)
            for start, end, name in self._organisations(text) + self._listed(text):
                if any(s <= end and start <= e for s, e in taken + group) or _bracketed(text, taken, start):
                    continue
                canonical = canonical_party_name(name)
                if canonical:
                    facts.append(Fact("processor", ("party", canonical), name, context.index))
                taken.append((start, end))
        return facts

    def _group_lists(self, text: str) -> list[tuple[int, int]]:
        """Brackets listing the controller's own group: "Acme and its subsidiaries (A, B)"."""
        spans = []
        for hit in self.book.matcher("processor.group").hits(text):
            opening = _GROUP_BRACKET.match(text, hit.end)
            if opening:
                closing = text.find(")", opening.end())
                spans.append((opening.end(), closing if closing >= 0 else len(text)))
        return spans

    def _listed(self, text: str) -> list[tuple[int, int, str]]:
        """Names in a list after "we work with" / "vi samarbetar med": "Budbee och Instabox"."""
        book = self.book
        found = []
        for intro in book.matcher("processor.list").hits(text):
            tail_end = _LIST_END.search(text, intro.end)
            tail = text[intro.end : tail_end.start() if tail_end else len(text)]
            separators = [(h.start, h.end) for h in book.matcher("processor.conjunction").hits(tail)]
            separators += [(m.start(), m.end()) for m in re.finditer(r",", tail)]
            position = 0
            for start, end in [*sorted(separators), (len(tail), len(tail))]:
                part = tail[position:start]
                offset = intro.end + position
                position = end
                name = _NAME.match(part.lstrip(" \t\"«»„“”"))
                if name is None or not part.strip():
                    if part.strip():
                        break  # no name: the list is over, or was never one
                    continue
                text_name = name.group(0).rstrip(".")
                if self._is_phrase(text_name):
                    break
                start_at = offset + part.find(text_name)
                found.append((start_at, start_at + len(text_name), text_name))
                if name.end() < len(part.strip(" \t\"«»„“”")):
                    break  # "Instabox för leveranser": the words after the name end the list
        return found

    def _is_phrase(self, name: str) -> bool:
        book = self.book
        return any(
            book.matcher(kind).search(name)
            for kind in ("transfer.destination", "data_collected.term", "purpose.term")
        )

    def _organisations(self, text: str) -> list[tuple[int, int, str]]:
        return [(m.start(), m.end(), m.group(0).strip(" ,")) for m in self._legal_org.finditer(text)]

    def _transfer(self, context: _Context) -> list[Fact]:
        book, text = self.book, context.text
        frameworks = book.matcher("transfer.framework").hits(text)
        negations = [h.end for h in book.matcher("transfer.negation").hits(text)] if frameworks else []
        facts = [self._mechanism(h, negations, context.index) for h in frameworks]
        if not frameworks and not self._in_context("transfer.context", context):
            return facts
        destinations = book.matcher("transfer.destination").hits(text)
        for hit in destinations:
            facts.append(Fact("transfer", ("destination", hit.key), text[hit.start : hit.end], context.index))
        # "Anthropic, PBC, located in the United States": a named recipient in a country is
        # a transfer of its own; a new one is a new transfer even where the country was named.
        for party, name in self._recipients(text) if destinations else ():
            for hit in destinations:
                label = f"{name} ({text[hit.start : hit.end]})"
                facts.append(Fact("transfer", ("recipient", hit.key, party), label, context.index))
        for hit in book.matcher("transfer.mechanism").hits(text):
            facts.append(Fact("transfer", ("mechanism", hit.key), hit.key, context.index))
        return facts

    @staticmethod
    def _mechanism(hit: Hit, negations: list[int], index: int) -> Fact:
        # "will not rely on the UK Extension" and "relies on the UK Extension" are two facts.
        if any(0 <= hit.start - end <= _NEGATION_REACH for end in negations):
            return Fact("transfer", ("mechanism", hit.key, "not"), f"not {hit.key}", index)
        return Fact("transfer", ("mechanism", hit.key), hit.key, index)

    def _recipients(self, text: str) -> list[tuple[str, str]]:
        """The parties a sentence names: registry processors and companies with a legal form."""
        found = [
            (match.vendor.key, match.vendor.name)
            for match in self._vendors_in(text)
            if match.vendor.processor and not generic_word(match) and not HOST.fullmatch(match.surface)
        ]
        group = self._group_lists(text)
        for start, _, name in self._organisations(text):
            canonical = cached_canonical(name)
            if canonical and not any(s <= start < e for s, e in group):
                found.append((canonical, name))
        return found

    def _ages(self, text: str) -> list[tuple[int, int, int]]:
        # Most sentences state no period of years: the words about minors are not looked for.
        years = [d for d in self.book.durations(text) if d.unit == "month" and int(d.amount) in _AGE_MONTHS]
        minors = self.book.matcher("children.context").hits(text) if years else []
        ages = []
        for duration in years:
            if any(0 <= duration.start - hit.end <= _AGE_GAP for hit in minors):
                ages.append((duration.start, duration.end, int(duration.amount) // 12))
        return ages

    def _retention(self, context: _Context) -> list[Fact]:
        book, text = self.book, context.text
        if not self._in_context("retention.context", context) or book.matcher("retention.exclude").search(text):
            return []
        ages = self._ages(text)
        anchors = [hit.key for hit in book.matcher("retention.anchor").hits(text)]
        anchor = anchors[0] if anchors else ""
        facts = []
        for duration in book.durations(text):
            if any(start <= duration.start < end for start, end, _ in ages):
                continue
            facts.append(Fact("retention", ("period", duration.label, anchor), duration.label, context.index))
        for hit in book.matcher("retention.indefinite").hits(text):
            label = hit.key.replace("_", " ")
            facts.append(Fact("retention", ("period", hit.key, anchor), label, context.index))
        return facts

    def _children(self, context: _Context) -> list[Fact]:
        return [Fact("children", ("age", str(age)), f"{age} years", context.index) for *_, age in self._ages(context.text)]

    def _terms(self, category: str, kind: str, context: _Context) -> list[Fact]:
        return [
            Fact(category, ("term", hit.key), hit.key.replace("_", " "), context.index)
            for hit in self.book.matcher(kind).hits(context.text)
        ]

    def _data_collected(self, context: _Context) -> list[Fact]:
        # "РНОКПП 3124507782" after the controller's name identifies the controller, not a datum.
        book, text = self.book, context.text
        hits = book.matcher("data_collected.term").hits(text)
        if not hits or book.matcher("controller.identifier").search(text):
            return []
        # "We do not retain your prompts": data said not to be collected is no datum collected.
        negations = [hit.end for hit in book.matcher("data_collected.negation").hits(text)]
        return [
            Fact("data_collected", ("term", hit.key), hit.key.replace("_", " "), context.index)
            for hit in hits
            if not any(0 <= hit.start - end <= _NEGATED_DATUM_REACH for end in negations)
        ]

    def _purpose(self, context: _Context) -> list[Fact]:
        return self._terms("purpose", "purpose.term", context)

    def _rights(self, context: _Context) -> list[Fact]:
        facts = self._terms("rights", "rights.term", context)
        # How a right is exercised (a form, an app, a letter) counts where rights are the topic.
        if self._in_context("rights.context", context):
            facts.extend(
                Fact("rights", ("channel", hit.key), f"{hit.key} channel", context.index)
                for hit in self.book.matcher("rights.channel").hits(context.text)
            )
        return facts

    def _sharing(self, context: _Context) -> list[Fact]:
        if not self.book.matcher("sharing.context").search(context.text):
            return []
        return self._terms("sharing", "sharing.term", context)

    def _legal_basis(self, context: _Context) -> list[Fact]:
        if not self._in_context("legal_basis.context", context):
            return []
        return self._terms("legal_basis", "legal_basis.term", context)

    def _controller(self, context: _Context) -> list[Fact]:
        book, text = self.book, context.text
        facts = [
            Fact("controller", ("id", re.sub(r"\W", "", hit_text).lower()), hit_text, context.index)
            for hit_text in (text[h.start : h.end] for h in book.matcher("controller.identifier").hits(text))
        ]
        # Who answers for the data besides the controller: a DPO, an EU representative, a
        # joint controller.
        if not book.matcher("controller.definition").search(text):
            facts.extend(
                Fact("controller", ("role", hit.key), hit.key.replace("_", " "), context.index)
                for hit in book.matcher("controller.role").hits(text)
            )
        if not self._in_context("controller.context", context):
            return facts
        for address in _EMAIL.findall(text):
            if self.vendors.by_domain(address.rpartition("@")[2]) is None:
                facts.append(Fact("controller", ("email", address.lower()), address, context.index))
        if self._vendors_in(text):
            # A processor's address or company ("Klarna Bank AB, Sveavägen 46") is not ours.
            return facts
        for hit in book.matcher("controller.address").hits(text):
            surface = text[hit.start : hit.end]
            facts.append(Fact("controller", ("address", " ".join(surface.lower().split())), surface, context.index))
        for _, _, name in self._organisations(text):
            facts.append(Fact("controller", ("organisation", canonical_party_name(name)), name, context.index))
        return facts
