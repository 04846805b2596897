"""Find the registry's spellings in a lower-cased text, for ``monitor.vendors``.

A spelling is found from its first word, its first part ("google", "real.de") and the word
after it: a few dictionary look-ups wherever "the", "a" or "google" is written, whatever the
registry's size. Building one regular expression of two thousand names instead cost most of
the classifier's cold start. Which case a name must be written in is the registry's concern.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

_WORDS = re.compile(r"\w+")
_NEXT_WORD = re.compile(r"\s+(\w+)")


@dataclass(frozen=True)
class NameHit:
    """A spelling found in the lower-cased text, with the legal form and possessive after it."""

    key: str  # the spelling as stored: lower case, single spaces
    start: int
    name_end: int
    legal: tuple[int, int] | None
    possessive: str
    end: int


class NameIndex:
    """The spellings (lower case, single spaces) and how a legal form or a possessive may
    follow one ("klarna bank ab", "klarna's")."""

    def __init__(self, spellings: Iterable[str], legal_forms: Iterable[str], possessives: Iterable[str]) -> None:
        possessives = tuple(possessives)
        legal = "|".join(re.escape(form.lower()) for form in legal_forms)
        possessive = "|".join(re.escape(p) for p in possessives)
        self._tail = re.compile(rf"(?P<legal>(?:,?\s+(?:{legal}))+)?(?P<poss>{possessive})?(?![\w@])")
        self._glued = tuple(p for p in possessives if p.isalpha())
        # First word (run of word characters) -> first parts; first part -> the spellings of
        # one part; (first part, next word) -> the spellings of several parts.
        self._heads: dict[str, list[str]] = {}
        self._single: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
        self._multi: dict[tuple[str, str], list[tuple[str, tuple[str, ...]]]] = {}
        for key in spellings:
            parts = tuple(key.split(" "))
            first = _WORDS.match(key)
            if first is None:
                continue
            heads = self._heads.setdefault(first.group(0), [])
            if parts[0] not in heads:
                heads.append(parts[0])
            second = _WORDS.match(parts[1]) if len(parts) > 1 else None
            if len(parts) == 1:
                self._single.setdefault(parts[0], []).append((key, parts))
            elif second is not None:
                self._multi.setdefault((parts[0], second.group(0)), []).append((key, parts))
            else:
                # A second part that starts with punctuation ("& co"): looked at always.
                self._single.setdefault(parts[0], []).append((key, parts))
        self._word_regexes: dict[str, re.Pattern[str]] = {}
        followers: dict[str, set[str]] = {}
        for head, follower in self._multi:
            followers.setdefault(head, set()).update([follower, *(follower + g for g in self._glued)])
        self._needs = {
            word: frozenset(follower for head in heads for follower in followers.get(head, ()))
            for word, heads in self._heads.items()
            if not any(head in self._single for head in heads)
        }
        # Every word a name may start with, possessive included: most sentences have none.
        self._starts = frozenset(self._heads) | {word + g for word in self._heads for g in self._glued}

    def matches(self, lowered: str, rejected: Callable[[NameHit], bool]) -> Iterator[NameHit]:
        """Spellings written in ``lowered``, left to right; after a hit ``rejected`` turns
        down, the search goes on from the next word rather than after the hit."""
        present = set(_WORDS.findall(lowered))
        # "the" starts names ("The Trade Desk") only with one of their second words.
        words = [w for w in self._starts.intersection(present) if not present.isdisjoint(self._needs.get(w, present))]
        if not words:
            return
        starts = sorted(
            (found.start(), word)
            for word in words
            for found in self._word_regex(word).finditer(lowered)
            if found.start() == 0 or not _glued_before(lowered[found.start() - 1])
        )
        position = 0
        for start, word in starts:
            if start < position:
                continue
            match = self._name_at(lowered, start, word)
            if match is None:
                continue
            yield match
            position = match.start + 1 if rejected(match) else max(match.end, match.start + 1)

    def _name_at(self, lowered: str, start: int, word: str) -> NameHit | None:
        """The longest spelling starting with this word that a legal form, a possessive or
        the end of the word may follow."""
        candidates: list[tuple[str, tuple[str, ...]]] = []
        words = [word] + [word[: -len(g)] for g in self._glued if word.endswith(g)]  # "Klarnas"
        for head in (head for w in words for head in self._heads.get(w, ())):
            if not lowered.startswith(head, start):
                continue
            candidates += self._single.get(head, ())
            following = _NEXT_WORD.match(lowered, start + len(head))
            if following is not None:
                after = following.group(1)
                for second in [after] + [after[: -len(g)] for g in self._glued if after.endswith(g)]:
                    candidates += self._multi.get((head, second), ())
        # The longest spelling first: "google analytics" before "google".
        candidates.sort(key=lambda c: len(c[0]), reverse=True)
        for key, parts in candidates:
            name_end = _spelled_at(lowered, start, parts)
            if name_end < 0:
                continue
            tail = self._tail.match(lowered, name_end)
            if tail is not None:
                legal = tail.span("legal") if tail.group("legal") else None
                return NameHit(key, start, name_end, legal, tail.group("poss") or "", tail.end())
        return None

    def _word_regex(self, word: str) -> re.Pattern[str]:
        # One small regex per word met so far: a word's places are found at the speed of the
        # regex engine, and the few words a process meets are compiled once.
        regex = self._word_regexes.get(word)
        if regex is None:
            # Without a look-behind the engine jumps to the word's letters; the character
            # before is checked by the caller.
            regex = self._word_regexes[word] = re.compile(rf"{re.escape(word)}(?!\w)")
        return regex


def _glued_before(char: str) -> bool:
    # What ``(?<![\w@])`` says: a name does not start inside a word or an e-mail address.
    return char.isalnum() or char in "_@"


def _spelled_at(lowered: str, start: int, parts: tuple[str, ...]) -> int:
    """Where ``parts`` (a spelling's words) end when written from ``start``, white space of
    any length between them; -1 when they are not written there."""
    position = start
    for number, part in enumerate(parts):
        if number:
            gap = position
            while gap < len(lowered) and lowered[gap].isspace():
                gap += 1
            if gap == position:
                return -1
            position = gap
        if not lowered.startswith(part, position):
            return -1
        position += len(part)
    return position


