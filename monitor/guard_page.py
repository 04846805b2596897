"""Tell whether a normalized text looks like a privacy policy, for the wrong-page guard.

Scores a text by the distinct policy word stems it uses and names the kind of page it looks
like otherwise (login wall, challenge, ...). The words live in ``knowledge/policy_vocabulary.toml``.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass
from functools import lru_cache

from monitor.errors import KnowledgeError
from monitor.knowledge_files import read_knowledge

_FILE = "policy_vocabulary.toml"


@dataclass(frozen=True)
class PageKind:
    """A kind of page that is not a policy (``login``, ``challenge``, ...) in one language."""

    name: str
    phrases: tuple[str, ...]
    example: str


@dataclass(frozen=True)
class PolicyVocabulary:
    """The policy word stems and the not-a-policy page phrases of one language."""

    language: str
    policy: tuple[str, ...]
    example: str
    kinds: tuple[PageKind, ...]


@dataclass(frozen=True)
class PageScore:
    """How much a text looks like a policy: distinct stems found, and the page kind it resembles."""

    policy_terms: int
    kind: str | None
    phrase: str | None


def _strings(value: object, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v.strip() for v in value):
        raise KnowledgeError(f"{where}: expected a non-empty list of strings")
    return tuple(v.lower() for v in value)


def _sentence(value: object, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise KnowledgeError(f"{where}: expected an example sentence")
    return value


@lru_cache(maxsize=1)
def policy_vocabularies() -> tuple[PolicyVocabulary, ...]:
    """Load and validate ``knowledge/policy_vocabulary.toml`` (a bad file is a ``KnowledgeError``)."""
    _, data = read_knowledge(_FILE)
    vocabularies = []
    for code, table in data.items():
        where = f"{_FILE}: {code}"
        if not re.fullmatch(r"[a-z]{2}", code) or not isinstance(table, dict):
            raise KnowledgeError(f"{where}: expected a table named by an ISO 639-1 code")
        pages = table.get("pages")
        if not isinstance(pages, dict) or not pages:
            raise KnowledgeError(f"{where}.pages: expected a table of page kinds")
        kinds = []
        for name, kind in pages.items():
            if not isinstance(kind, dict):
                raise KnowledgeError(f"{where}.pages.{name}: expected a table with phrases and example")
            kinds.append(
                PageKind(
                    name,
                    _strings(kind.get("phrases"), f"{where}.pages.{name}.phrases"),
                    _sentence(kind.get("example"), f"{where}.pages.{name}.example"),
                )
            )
        vocabularies.append(
            PolicyVocabulary(
                code,
                _strings(table.get("policy"), f"{where}.policy"),
                _sentence(table.get("example"), f"{where}.example"),
                tuple(kinds),
            )
        )
    return tuple(vocabularies)


_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class _Words:
    """The words of a lower-cased text, for quick "does any word start with ..." tests."""

    flat: str
    distinct: frozenset[str]
    ordered: tuple[str, ...]

    @classmethod
    def of(cls, text: str) -> _Words:
        tokens = text.lower().replace("’", "'").split()
        distinct: set[str] = set()
        # Most distinct tokens are one word already; only the others need splitting.
        for token in set(tokens):
            if token.isalnum():
                distinct.add(token)
            else:
                distinct.update(_WORD.findall(token))
        return cls(" ".join(tokens), frozenset(distinct), tuple(sorted(distinct)))

    def starting_with(self, stem: str) -> bool:
        index = bisect_left(self.ordered, stem)
        return index < len(self.ordered) and self.ordered[index].startswith(stem)


@dataclass(frozen=True)
class _Phrase:
    """A phrase that starts at a word boundary and may run on into an inflection."""

    text: str
    words: tuple[str, ...]  # its words; all but the last are whole words in the text

    @classmethod
    def of(cls, phrase: str) -> _Phrase:
        return cls(phrase, tuple(_WORD.findall(phrase)))

    def occurs_in(self, words: _Words) -> bool:
        # Word look-ups rule out nearly every phrase; only the rest are searched for.
        if not self.words or not words.starting_with(self.words[-1]):
            return False
        if len(self.words) == 1 and self.words[0] == self.text:
            return True
        if any(word not in words.distinct for word in self.words[:-1]):
            return False
        return _at_word_start(self.text, words.flat)


def _at_word_start(phrase: str, flat: str) -> bool:
    """Whether ``phrase`` occurs in ``flat`` where no word character precedes it."""
    start = flat.find(phrase)
    while start > 0 and (flat[start - 1].isalnum() or flat[start - 1] == "_"):
        start = flat.find(phrase, start + 1)
    return start >= 0


@lru_cache(maxsize=8)
def _phrases(phrases: frozenset[str]) -> tuple[_Phrase, ...]:
    return tuple(_Phrase.of(phrase) for phrase in sorted(phrases))


def _found(phrases: frozenset[str], words: _Words) -> set[str]:
    return {phrase.text for phrase in _phrases(phrases) if phrase.occurs_in(words)}


def policy_terms(text: str, vocabularies: tuple[PolicyVocabulary, ...] | None = None) -> set[str]:
    """The distinct policy stems of any language that occur in ``text``."""
    return _policy_terms(_Words.of(text), vocabularies or policy_vocabularies())


def page_kind(text: str, vocabularies: tuple[PolicyVocabulary, ...] | None = None) -> tuple[str, str] | None:
    """The first not-a-policy page kind whose phrase occurs in ``text``, with that phrase."""
    return _page_kind(_Words.of(text), vocabularies or policy_vocabularies())


def score_page(text: str) -> PageScore:
    """Score ``text``: how many distinct policy stems it uses and which other page it resembles."""
    words, vocabularies = _Words.of(text), policy_vocabularies()
    found = _page_kind(words, vocabularies)
    terms = _policy_terms(words, vocabularies)
    return PageScore(len(terms), found[0] if found else None, found[1] if found else None)


def _policy_terms(words: _Words, vocabularies: tuple[PolicyVocabulary, ...]) -> set[str]:
    return _found(frozenset(stem for vocabulary in vocabularies for stem in vocabulary.policy), words)


def _page_kind(words: _Words, vocabularies: tuple[PolicyVocabulary, ...]) -> tuple[str, str] | None:
    found = _found(frozenset(p for vocabulary in vocabularies for kind in vocabulary.kinds for p in kind.phrases), words)
    for vocabulary in vocabularies:
        for kind in vocabulary.kinds:
            for phrase in kind.phrases:
                if phrase in found:
                    return kind.name, phrase
    return None
