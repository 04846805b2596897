"""Tell which language a normalized policy text is written in.

Used by ``normalize`` when a shop does not set ``language``; the classifier picks its phrase
files by the result. Function words and telling letters per language live in
``knowledge/languages.toml``.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import lru_cache

from monitor.errors import KnowledgeError
from monitor.knowledge_files import read_knowledge

# The opening of a long policy tells its language as well as the whole of it does.
_SAMPLE_CHARS = 20_000
# Below this many words a guess is noise ("Cookies", "OK").
_MIN_WORDS = 5
# The winner needs this share of the words to be its function words...
_MIN_SHARE = 0.08
# ...and this lead over the runner-up, else the text is too mixed or too short to say.
_MIN_LEAD = 1.1
# A telling letter weighs less than a word: names and loan words carry letters too.
_LETTER_WEIGHT = 0.5
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")


@dataclass(frozen=True)
class LanguageProfile:
    """What one language looks like (a table of ``languages.toml``)."""

    code: str
    stopwords: frozenset[str]
    letters: frozenset[str]
    example: str


@lru_cache(maxsize=1)
def language_profiles() -> tuple[LanguageProfile, ...]:
    """Load and validate ``knowledge/languages.toml``."""
    path, data = read_knowledge("languages.toml")
    profiles = []
    for code, table in data.items():
        if not re.fullmatch(r"[a-z]{2}", code) or not isinstance(table, dict):
            raise KnowledgeError(f"{path}: {code}: expected a table named by an ISO 639-1 code")
        words, letters, example = table.get("stopwords"), table.get("letters"), table.get("example")
        if not isinstance(words, list) or not words or not all(isinstance(w, str) for w in words):
            raise KnowledgeError(f"{path}: {code}.stopwords: expected a list of strings")
        if not isinstance(letters, str):
            raise KnowledgeError(f"{path}: {code}.letters: expected a string")
        if not isinstance(example, str) or not example:
            raise KnowledgeError(f"{path}: {code}.example: expected a sentence")
        profiles.append(LanguageProfile(code, frozenset(w.lower() for w in words), frozenset(letters.lower()), example))
    return tuple(profiles)


@lru_cache(maxsize=1)
def _weights() -> tuple[dict[str, dict[str, float]], dict[str, dict[str, float]]]:
    """Per word and per letter, the languages it points to, each with 1/(number of them)."""
    words: dict[str, dict[str, float]] = defaultdict(dict)
    letters: dict[str, dict[str, float]] = defaultdict(dict)
    profiles = language_profiles()
    for table, attribute in ((words, "stopwords"), (letters, "letters")):
        owners: dict[str, list[str]] = defaultdict(list)
        for profile in profiles:
            for key in getattr(profile, attribute):
                owners[key].append(profile.code)
        for key, codes in owners.items():
            table[key] = {code: 1 / len(codes) for code in codes}
    return dict(words), dict(letters)


@lru_cache(maxsize=1)
def _letter_terms() -> tuple[re.Pattern[str], dict[str, tuple[tuple[str, float], ...]]]:
    """A pattern finding any telling letter, and per letter what it adds to each language."""
    _, letters = _weights()
    terms = {
        letter: tuple((code, _LETTER_WEIGHT * weight) for code, weight in weights.items())
        for letter, weights in letters.items()
    }
    pattern = "[" + "".join(map(re.escape, letters)) + "]" if letters else "(?!)"
    return re.compile(pattern), terms


# Lower-casing a whole text gives the same words as lower-casing each word, except for a
# capital dotted I (two characters lower-cased) and a capital sigma (final or not by its
# context); every other lower-cased character keeps its length and its kind.
_CONTEXT_CASED = ("\u0130", "\u03a3")
_PUNCTUATION = '.,:;()!?"'


def _token_counts(text: str) -> dict[str, int]:
    """Lower-cased words of ``text`` with their counts, in order of first occurrence.

    The same as counting ``_WORD.findall(text)`` lower-cased, but the regex only runs on
    the distinct white-space separated chunks that are not all letters: a word never spans
    white space, and a chunk of letters only is one word.
    """
    lowered = not any(c in text for c in _CONTEXT_CASED)
    if lowered:
        text = text.lower()
    # Punctuation is never part of a word: as a space it leaves more chunks all letters.
    for mark in _PUNCTUATION:
        text = text.replace(mark, " ")
    counts: dict[str, int] = {}
    for chunk, count in Counter(text.split()).items():
        for token in (chunk,) if chunk.isalpha() else _WORD.findall(chunk):
            if not lowered:
                token = token.lower()
            counts[token] = counts.get(token, 0) + count
    return counts


def _scores(counts: dict[str, int]) -> dict[str, float]:
    word_weights, _ = _weights()
    telling, letter_terms = _letter_terms()
    scores: dict[str, float] = defaultdict(float)
    # Terms are added word by word in the same order as ever: a float sum depends on it.
    for token, count in counts.items():
        weights = word_weights.get(token)
        if weights is not None:
            for code, weight in weights.items():
                scores[code] += weight * count
        # Most words have none of the telling letters; only those that do need the loop.
        if telling.search(token) is None:
            continue
        # Sorted: a set's order changes with the hash seed, and so would the float sums.
        for letter in sorted(set(token)):
            terms = letter_terms.get(letter)
            if terms is not None:
                for code, term in terms:
                    scores[code] += term * count
    return dict(scores)


def language_scores(text: str) -> dict[str, float]:
    """Score of each language for ``text`` (higher is likelier); empty without evidence."""
    return _scores(_token_counts(text))


def detect_language(text: str) -> str | None:
    """ISO 639-1 code of the text's language, or None when there is too little to tell."""
    counts = _token_counts(text[:_SAMPLE_CHARS])
    words = sum(counts.values())
    if words < _MIN_WORDS:
        return None
    ranked = sorted(_scores(counts).items(), key=lambda item: item[1], reverse=True)
    if not ranked:
        return None
    best, score = ranked[0]
    runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
    if score < _MIN_SHARE * words or score < _MIN_LEAD * runner_up:
        return None
    return best
