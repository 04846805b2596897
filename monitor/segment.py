"""Split a normalized policy text into sections and sentences.

The normalized text (see ``monitor.normalize``) is Markdown-like: ``#`` headings, blank-line
separated paragraphs, ``- `` list items and ``| a | b |`` table rows. ``segment`` hands the
diff and the classifier a flat list of ``Sentence``s, each knowing its section heading.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from monitor.errors import KnowledgeError
from monitor.knowledge_files import read_knowledge

SentenceKind = Literal["heading", "sentence", "item", "cell"]

_HEADING = re.compile(r"^(#{1,6})\s+(.*\S)\s*$")
_ITEM = re.compile(r"^\s*(?:[-*+•]|\d{1,3}[.)])\s+(.*\S)\s*$")
_TABLE_RULE = re.compile(r"^\s*\|?[\s:|-]+\|?\s*$")
# A sentence ends at . ! ? … (optionally followed by closing quotes or brackets) and white
# space, when the next sentence starts with something that can start one.
# The pattern starts with the stop itself (not a look-behind) so the engine can skip ahead.
_BOUNDARY = re.compile(r"[.!?…][\"'»”)\]]*\s+(?=[\"'«„“(\[]?[0-9A-ZÀ-ÖØ-ÞА-ЯЁІЇЄҐ])")
_ITEM_STARTS = frozenset("-*+•0123456789")
# Two versions of a policy share most paragraphs, and the crawl, the guard, the diff and the
# history segment the same texts again: recent paragraphs and texts are split only once.
_PARAGRAPHS_CACHED = 16384
_TEXTS_CACHED = 8


@dataclass(frozen=True)
class Sentence:
    """One unit of comparison: a heading, a sentence of a paragraph, a list item or a cell."""

    text: str
    section: str | None
    kind: SentenceKind
    block: int


@lru_cache(maxsize=1)
def _abbreviations() -> frozenset[str]:
    path, data = read_knowledge("abbreviations.toml")
    words: set[str] = set()
    final: set[str] = set()
    for language, table in data.items():
        for key, into in (("words", words), ("final", final)):
            entries = table.get(key, []) if isinstance(table, dict) else None
            if not isinstance(entries, list) or not all(isinstance(w, str) for w in entries):
                raise KnowledgeError(f"{path}: {language}.{key}: expected a list of strings")
            into.update(w.lower().rstrip(".") for w in entries)
    # The boundary pattern only fires before a capital or a digit, so a "final" abbreviation
    # there ends the sentence: it is simply not kept as a non-final one.
    words -= final
    return frozenset(words)


def _is_abbreviation(text_before: str) -> bool:
    if not text_before or text_before[-1].isspace():
        return False
    # French elision: "l'art." is the abbreviation "art." after "l'".
    word = text_before.rsplit(None, 1)[-1].rsplit("'", 1)[-1].rsplit("’", 1)[-1]
    word = word.lstrip("(\"«„“[").rstrip(".").lower()
    if len(word) == 1 and word.isalpha():
        return True  # an initial: "J. Smith", "a. b."
    return word in _abbreviations()


def split_sentences(paragraph: str) -> list[str]:
    """Split one paragraph into sentences, keeping abbreviations ("t.ex.", "z.B.") inside."""
    return list(_split_cached(paragraph))


@lru_cache(maxsize=_PARAGRAPHS_CACHED)
def _split_cached(paragraph: str) -> tuple[str, ...]:
    paragraph = " ".join(paragraph.split())
    if not paragraph:
        return ()
    sentences: list[str] = []
    start = 0
    for boundary in _BOUNDARY.finditer(paragraph):
        candidate = paragraph[start : boundary.end()].rstrip()
        # Only the last word before the full stop decides; looking at a bounded tail keeps
        # long paragraphs linear.
        stop = boundary.start()
        if paragraph[stop] == "." and _is_abbreviation(paragraph[max(start, stop - 40) : stop]):
            continue
        if candidate:
            sentences.append(candidate)
        start = boundary.end()
    rest = paragraph[start:].strip()
    if rest:
        sentences.append(rest)
    return tuple(sentences)


def _table_cells(line: str) -> list[str]:
    cells = [" ".join(cell.split()) for cell in line.strip().strip("|").split("|")]
    return [cell for cell in cells if cell]


def segment(text: str) -> list[Sentence]:
    """Return the sentences of a normalized text in document order."""
    return list(_segment_cached(text))


def clear_caches() -> None:
    """Forget the texts and paragraphs split so far (benchmarks time cold runs with it)."""
    _segment_cached.cache_clear()
    _split_cached.cache_clear()


@lru_cache(maxsize=_TEXTS_CACHED)
def _segment_cached(text: str) -> tuple[Sentence, ...]:
    sentences: list[Sentence] = []
    section: str | None = None
    block = 0
    paragraph: list[str] = []

    def flush() -> None:
        nonlocal block
        if paragraph:
            for sentence in _split_cached(" ".join(paragraph)):
                sentences.append(Sentence(sentence, section, "sentence", block))
            paragraph.clear()
            block += 1

    for line in text.splitlines():
        stripped = line.strip()
        if not stripped:
            flush()
            continue
        # The first character rules out most kinds before any pattern is tried.
        first = stripped[0]
        if first == "#" and (heading := _HEADING.match(stripped)):
            flush()
            section = " ".join(heading.group(2).split())
            sentences.append(Sentence(section, section, "heading", block))
            block += 1
        elif first == "|":
            flush()
            if not _TABLE_RULE.match(stripped):
                for cell in _table_cells(stripped):
                    sentences.append(Sentence(cell, section, "cell", block))
                block += 1
        elif first in _ITEM_STARTS and (item := _ITEM.match(stripped)):
            flush()
            sentences.append(Sentence(" ".join(item.group(1).split()), section, "item", block))
            block += 1
        else:
            paragraph.append(stripped)
    flush()
    return tuple(sentences)
