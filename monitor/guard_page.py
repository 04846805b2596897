"""Tell whether a normalized text looks like a privacy policy, for the wrong-page guard.

Scores a text by the distinct policy word stems it uses and names the kind of page it looks
like otherwise (login wall, challenge, ...). The words live in ``knowledge/policy_vocabulary.toml``.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from monitor.errors import KnowledgeError

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
    path = resources.files("monitor") / "knowledge" / _FILE
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise KnowledgeError(f"{_FILE}: {exc}") from exc
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


@dataclass(frozen=True)
class _Finder:
    """Finds which of many phrases occur in a text in one scan, overlapping ones included."""

    pattern: re.Pattern[str]
    shorter: dict[str, frozenset[str]]  # phrase -> the phrases that are its prefixes

    def found(self, flat: str) -> set[str]:
        found: set[str] = set()
        for match in self.pattern.finditer(flat):
            longest = match.group(1)
            found.add(longest)
            found |= self.shorter[longest]
        return found


@lru_cache(maxsize=8)
def _finder(phrases: frozenset[str]) -> _Finder:
    # A phrase starts at a word boundary and may run on into an inflection. The look-ahead
    # matches at every word start (so phrases inside longer ones are seen), the longest first.
    ordered = sorted(phrases, key=len, reverse=True)
    pattern = re.compile(r"(?<!\w)(?=(" + "|".join(map(re.escape, ordered)) + "))")
    shorter = {p: frozenset(q for q in phrases if q != p and p.startswith(q)) for p in phrases}
    return _Finder(pattern, shorter)


def _flat(text: str) -> str:
    return " ".join(text.lower().replace("’", "'").split())


def policy_terms(text: str, vocabularies: tuple[PolicyVocabulary, ...] | None = None) -> set[str]:
    """The distinct policy stems of any language that occur in ``text``."""
    stems = frozenset(stem for vocabulary in vocabularies or policy_vocabularies() for stem in vocabulary.policy)
    return _finder(stems).found(_flat(text))


def page_kind(text: str, vocabularies: tuple[PolicyVocabulary, ...] | None = None) -> tuple[str, str] | None:
    """The first not-a-policy page kind whose phrase occurs in ``text``, with that phrase."""
    vocabularies = vocabularies or policy_vocabularies()
    phrases = frozenset(p for vocabulary in vocabularies for kind in vocabulary.kinds for p in kind.phrases)
    found = _finder(phrases).found(_flat(text))
    for vocabulary in vocabularies:
        for kind in vocabulary.kinds:
            for phrase in kind.phrases:
                if phrase in found:
                    return kind.name, phrase
    return None


def score_page(text: str) -> PageScore:
    """Score ``text``: how many distinct policy stems it uses and which other page it resembles."""
    found = page_kind(text)
    return PageScore(len(policy_terms(text)), found[0] if found else None, found[1] if found else None)
