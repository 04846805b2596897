"""Classify the change between two versions: which material facts appeared or disappeared.

Takes the two normalized texts (and the aligned ``Diff`` when the caller has it) and hands
``crawl``, ``diff``, ``compare``, notifications and the renderer a ``Classification`` of
``Finding``s, each with the sentences that prove it. Facts are compared, not keywords: a
fact counts as added only when the whole old version lacks it, and the other way round.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Literal

from monitor.facts import CATEGORIES, Fact, FactExtractor, visible_text
from monitor.kept import KeptSentences
from monitor.segment import Sentence, segment
from monitor.vendors import canonical_party_name

if TYPE_CHECKING:
    from monitor.diff import Diff

ChangeKind = Literal["added", "removed", "modified"]

# Core categories first (materiality.md); notifications and the renderer sort by it.
SEVERITY = {
    "processor": 100,
    "transfer": 90,
    "retention": 80,
    "data_collected": 60,
    "purpose": 55,
    "sharing": 50,
    "legal_basis": 45,
    "rights": 40,
    "children": 35,
    "controller": 30,
}
# A legal basis is said once per processing: "consent" replacing "legitimate interest" for
# one purpose changes the counts, while both words may still appear elsewhere in the policy.
_COUNTED = frozenset({"legal_basis"})
_NON_WORD = re.compile(r"[\W_]+")
_OBFUSCATED_EMAIL = "email protected"


@dataclass(frozen=True)
class Finding:
    """One material difference between two versions, with its evidence."""

    category: str
    change: ChangeKind
    entity: str | None
    before: str | None
    after: str | None
    section: str | None
    severity: int
    detail: str = ""

    def to_json(self) -> dict[str, object]:
        return {
            "category": self.category,
            "change": self.change,
            "entity": self.entity,
            "before": self.before,
            "after": self.after,
            "section": self.section,
            "severity": self.severity,
            "detail": self.detail,
        }


@dataclass(frozen=True)
class Classification:
    """Whether a change is material, in which categories, and the findings behind it."""

    material: bool
    categories: tuple[str, ...]
    findings: tuple[Finding, ...]

    def to_json(self) -> dict[str, object]:
        return {
            "material": self.material,
            "categories": list(self.categories),
            "findings": [finding.to_json() for finding in self.findings],
        }

    def summary(self, shop: str) -> str:
        """One line for a notification: "jcarpart added Klarna as a processor; ..."."""
        parts = []
        for finding in self.findings:
            if finding.category == "processor" and finding.change != "modified":
                verb = "added" if finding.change == "added" else "removed"
                parts.append(f"{verb} {finding.entity} as a processor")
            else:
                parts.append(finding.detail)
        unique = list(dict.fromkeys(parts))
        if not unique:
            return f"{shop}: no material change"
        return f"{shop} " + "; ".join(unique)


@lru_cache(maxsize=1)
def _extractor() -> FactExtractor:
    return FactExtractor()


def forget_texts() -> None:
    """Drop the answers cached for the texts classified so far (benchmarks time cold runs)."""
    _extractor().forget_texts()


def sentence_key(text: str) -> str:
    """What must differ for a sentence to count as changed: words, not case or punctuation."""
    return " ".join(_NON_WORD.sub(" ", visible_text(text).casefold()).split())


def classify(old_text: str, new_text: str, diff: Diff | None = None, *, language: str | None = None) -> Classification:
    """Compare the facts of two versions and report the material differences.

    ``language`` is accepted for callers that know it; the phrase data of every language is
    applied anyway, because policies mix languages and each pattern is made of its own
    language's words.
    """
    if diff is None:
        return classify_sentences(segment(old_text), segment(new_text))
    # Sentences no change touches (and moves or edits that kept their words, as
    # ``classify_sentences`` compares them) state the same facts on both sides; only the
    # others can bring a difference.
    changes = [c for c in diff.changes if c.before != c.after and not _same_words(c.before, c.after)]
    gone = {c.old_index for c in changes if c.old_index is not None}
    came = {c.new_index for c in changes if c.new_index is not None}
    return _classify(diff.old, diff.new, sorted(gone), sorted(came))


def _same_words(before: str | None, after: str | None) -> bool:
    return before is not None and after is not None and sentence_key(before) == sentence_key(after)


def classify_sentences(old: Sequence[Sentence], new: Sequence[Sentence]) -> Classification:
    """``classify`` on segmented versions, without an aligned diff."""
    old_keys = [sentence_key(s.text) for s in old]
    new_keys = [sentence_key(s.text) for s in new]
    old_set, new_set = set(old_keys), set(new_keys)
    gone = [i for i, key in enumerate(old_keys) if key not in new_set]
    came = [i for i, key in enumerate(new_keys) if key not in old_set]
    return _classify(old, new, gone, came)


def _classify(old: Sequence[Sentence], new: Sequence[Sentence], gone: list[int], came: list[int]) -> Classification:
    if not gone and not came:
        return Classification(False, (), ())
    # Sentences that came to a section that also lost some are rewritings of what was there
    # rather than processing that began.
    sections_gone = {old[i].section for i in gone}
    edited_new = {j for j in came if new[j].section in sections_gone}
    extractor = _extractor()
    old_facts = extractor.extract(old, gone)
    new_facts = extractor.extract(new, came)
    if any(_OBFUSCATED_EMAIL in sentences[i].text.casefold() for sentences, changed in ((old, gone), (new, came)) for i in changed):
        # A CDN hides addresses as "[email protected]" in some captures and not in others:
        # then the addresses of the two versions cannot be compared.
        old_facts = [f for f in old_facts if f.key[0] != "email"]
        new_facts = [f for f in new_facts if f.key[0] != "email"]
    kept_old = KeptSentences(old, gone)
    kept_new = KeptSentences(new, came)
    findings: list[Finding] = []
    for category in CATEGORIES:
        before = [f for f in old_facts if f.category == category]
        after = [f for f in new_facts if f.category == category]
        if not before and not after:
            continue
        if category in _COUNTED:
            removed = _first_by_key(before, Counter(f.key for f in before) - Counter(f.key for f in after))
            added = _first_by_key(after, Counter(f.key for f in after) - Counter(f.key for f in before))
            # A basis changes when one replaces another, or when an edited sentence now states
            # one; a new processing that brings its own basis, or one that goes with its basis,
            # is not a change of legal basis.
            rewritten = any(f.sentence in edited_new for f in added)
            # One basis replaces another where both are said of the same processing: under one
            # heading. A processing that ends under one heading while another begins under a
            # different one is two processings, each with its own basis; a basis no longer said
            # in a rewritten section, with none said instead, is no new basis either.
            replaced = bool({old[f.sentence].section for f in removed} & {new[f.sentence].section for f in added})
            if not replaced and not rewritten:
                removed, added = [], []
        else:
            added = _first_by_key(after, {f.key for f in after} - {f.key for f in before})
            removed = _first_by_key(before, {f.key for f in before} - {f.key for f in after})
            added = [f for f in added if not kept_old.states(extractor, f)]
            removed = [f for f in removed if not kept_new.states(extractor, f)]
            if category == "transfer":
                removed, added = _net_recipients(removed, added)
        if category == "processor":
            findings.extend(_processor_findings(removed, added, before, after, old, new))
        else:
            findings.extend(_findings(category, removed, added, old, new))
    findings.sort(key=lambda f: -f.severity)
    categories = tuple(dict.fromkeys(f.category for f in findings))
    return Classification(bool(findings), categories, tuple(findings))


def _net_recipients(removed: list[Fact], added: list[Fact]) -> tuple[list[Fact], list[Fact]]:
    """Recipients of one country that only replace each other are no transfer change.

    Swapping one named provider in the United States for another is a processor change
    (reported as such); one recipient more or fewer there changes where data goes.
    """
    gone = Counter(f.key[1] for f in removed if f.key[0] == "recipient")
    came = Counter(f.key[1] for f in added if f.key[0] == "recipient")
    balanced = {country for country in gone.keys() | came.keys() if gone[country] == came[country]}

    def kept(facts: list[Fact]) -> list[Fact]:
        return [f for f in facts if f.key[0] != "recipient" or f.key[1] not in balanced]

    return kept(removed), kept(added)


def _first_by_key(facts: list[Fact], keys: Counter[tuple[str, ...]] | set[tuple[str, ...]]) -> list[Fact]:
    seen: dict[tuple[str, ...], Fact] = {}
    for fact in facts:
        if fact.key in keys and fact.key not in seen:
            seen[fact.key] = fact
    return list(seen.values())


def _findings(
    category: str, removed: list[Fact], added: list[Fact], old: Sequence[Sentence], new: Sequence[Sentence]
) -> list[Finding]:
    severity = SEVERITY[category]
    label = category.replace("_", " ")
    if category == "retention" and removed and added:
        # A period that changed is one finding: "retention (bookkeeping law): 7 years → 10 years".
        first_old, first_new = removed[0], added[0]
        anchors = {f.key[2] for f in removed + added}
        common = anchors.pop().replace("_", " ") if len(anchors) == 1 else ""

        def periods(facts: list[Fact]) -> str:
            return ", ".join(f.label + (f" ({f.key[2].replace('_', ' ')})" if f.key[2] and not common else "") for f in facts)

        detail = f"retention{f' ({common})' if common else ''}: {periods(removed)} → {periods(added)}"
        return [
            Finding(
                category,
                "modified",
                first_new.label,
                old[first_old.sentence].text,
                new[first_new.sentence].text,
                new[first_new.sentence].section,
                severity,
                detail,
            )
        ]
    findings = []
    for fact in removed:
        sentence = old[fact.sentence]
        findings.append(
            Finding(category, "removed", fact.label, sentence.text, None, sentence.section, severity, f"{label} removed: {fact.label}")
        )
    for fact in added:
        sentence = new[fact.sentence]
        findings.append(
            Finding(category, "added", fact.label, None, sentence.text, sentence.section, severity, f"{label} added: {fact.label}")
        )
    return findings


def _processor_findings(
    removed: list[Fact], added: list[Fact], before: list[Fact], after: list[Fact], old: Sequence[Sentence], new: Sequence[Sentence]
) -> list[Finding]:
    """Parties added or removed, one finding per name written; role changes of kept parties."""
    severity = SEVERITY["processor"]
    findings = []
    parties = {f.key[1] for f in removed + added if f.key[0] == "party"}
    sides: tuple[tuple[ChangeKind, list[Fact], list[Fact], Sequence[Sentence]], ...] = (
        ("removed", removed, before, old),
        ("added", added, after, new),
    )
    for change, facts, pool, sentences in sides:
        for fact in facts:
            if fact.key[0] != "party":
                continue
            for name, index in _names([f for f in pool if f.key == fact.key]):
                sentence = sentences[index]
                text_before = sentence.text if change == "removed" else None
                text_after = sentence.text if change == "added" else None
                verb = "no longer named" if change == "removed" else "named"
                findings.append(
                    Finding(
                        "processor", change, name, text_before, text_after, sentence.section, severity, f"processor {verb}: {name}"
                    )
                )
    findings = _without_makers(findings)
    roles_before = [f for f in removed if f.key[0] == "role" and f.key[1] not in parties]
    roles_after = [f for f in added if f.key[0] == "role" and f.key[1] not in parties]
    for key in dict.fromkeys(f.key[1] for f in roles_before + roles_after):
        gone = [f for f in roles_before if f.key[1] == key]
        came = [f for f in roles_after if f.key[1] == key]
        name = next(f.label for f in before + after if f.key == ("party", key))
        first_old = old[gone[0].sentence].text if gone else None
        first_new = new[came[0].sentence] if came else None
        section = first_new.section if first_new else old[gone[0].sentence].section
        roles = " ".join([f"-{f.label.replace('_', ' ')}" for f in gone] + [f"+{f.label.replace('_', ' ')}" for f in came])
        findings.append(
            Finding(
                "processor",
                "modified",
                name,
                first_old,
                first_new.text if first_new else None,
                section,
                severity,
                f"role of {name} changed: {roles}",
            )
        )
    return findings


def _without_makers(findings: list[Finding]) -> list[Finding]:
    # "Google" leaving together with "Google Ads" is the company behind the product.
    names = {(f.change, canonical_party_name(f.entity or "")) for f in findings}
    return [
        f
        for f in findings
        if not any(
            change == f.change and other.startswith(canonical_party_name(f.entity or "") + " ") for change, other in names
        )
    ]


def _names(facts: list[Fact]) -> list[tuple[str, int]]:
    # "Shopify" and "Shop Pay" are two names of one party; "Klarna Bank AB" adds nothing to "Klarna".
    chosen: dict[str, tuple[str, int]] = {}
    for fact in sorted(facts, key=lambda f: len(f.label)):
        canonical = canonical_party_name(fact.label)
        if not any(canonical.startswith(other) for other in chosen):
            chosen[canonical] = (fact.label, fact.sentence)
    return list(chosen.values())
