"""Word-level diff of two sentences and the folding used to align sentences.

``monitor.diff`` pairs sentences; this module says how two paired sentences differ, word by
word, as ``WordOp``s that the renderers and the classifier read.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from rapidfuzz.distance import Indel

WordOpKind = Literal["equal", "insert", "delete"]

_TOKEN = re.compile(r"\w+|[^\w\s]|\s+")
_NOT_WORD = re.compile(r"[\W_]+")


@dataclass(frozen=True)
class WordOp:
    """A run of text that both sentences share (equal) or that only one of them has."""

    op: WordOpKind
    text: str

    def to_json(self) -> dict[str, str]:
        return {"op": self.op, "text": self.text}


# ASCII bytes that are not letters or digits become a space, the other bytes stay. UTF-8 never
# uses ASCII bytes inside a multi-byte character, so one bytes.translate (a C loop) does for
# most of a sentence what the regex does match by match.
_ASCII_NOT_WORD_TO_SPACE = bytes(b if chr(b).isalnum() else 0x20 for b in range(128)) + bytes(range(128, 256))


def fold(text: str) -> str:
    """The alignment key of a sentence: case, white space and punctuation do not count."""
    if text.isascii():
        # Nothing but letters, digits and spaces is left: no word needs a second look.
        words = text.lower().encode("ascii").translate(_ASCII_NOT_WORD_TO_SPACE).decode("ascii").split()
    else:
        words = text.casefold().encode("utf-8").translate(_ASCII_NOT_WORD_TO_SPACE).decode("utf-8").split()
        if not "".join(words).isalnum():
            # Punctuation outside ASCII ("l’art", "—", "«") is left: only those words need the regex.
            words = " ".join(w if w.isalnum() else _NOT_WORD.sub(" ", w) for w in words).split()
    # A sentence made only of punctuation ("—", "***") keeps its own text as its key,
    # otherwise every such sentence would look equal to every other one.
    return " ".join(words) or text.strip()


def fold_all(texts: Iterable[str], known: dict[str, str] | None = None) -> list[str]:
    """``fold`` each text, folding each distinct text once; ``known`` (text → key) is reused and filled.

    Two versions of a policy share most of their sentences, so a diff folds about half of them.
    """
    keys = {} if known is None else known
    result: list[str] = []
    for text in texts:
        key = keys.get(text)
        if key is None:
            key = keys[text] = fold(text)
        result.append(key)
    return result


def _is_glue(text: str) -> bool:
    # White space or a lone punctuation mark between two edits reads better as part of
    # one edit than as an "unchanged" island: "[-a, b-]{+c+}" rather than "[-a-]{+c+}, [-b-]".
    return not text.strip() or (len(text) == 1 and not text.isalnum())


def word_ops(before: str, after: str) -> tuple[WordOp, ...]:
    """Diff two sentences by words; joining equal+delete gives ``before``, equal+insert ``after``."""
    old_tokens = _TOKEN.findall(before)
    new_tokens = _TOKEN.findall(after)
    raw: list[tuple[str, str, str]] = []  # (kind, deleted text, inserted text)
    for code in Indel.opcodes(old_tokens, new_tokens):
        deleted = "".join(old_tokens[code.src_start : code.src_end])
        inserted = "".join(new_tokens[code.dest_start : code.dest_end])
        raw.append(("equal" if code.tag == "equal" else "edit", deleted, inserted))
    for index in range(1, len(raw) - 1):
        kind, deleted, inserted = raw[index]
        if kind == "equal" and raw[index - 1][0] == "edit" and raw[index + 1][0] == "edit" and _is_glue(deleted):
            raw[index] = ("edit", deleted, inserted)
    ops: list[WordOp] = []
    pending_delete: list[str] = []
    pending_insert: list[str] = []

    def flush() -> None:
        if pending_delete and "".join(pending_delete):
            ops.append(WordOp("delete", "".join(pending_delete)))
        if pending_insert and "".join(pending_insert):
            ops.append(WordOp("insert", "".join(pending_insert)))
        pending_delete.clear()
        pending_insert.clear()

    for kind, deleted, inserted in raw:
        if kind == "equal":
            flush()
            ops.append(WordOp("equal", deleted))
        else:
            pending_delete.append(deleted)
            pending_insert.append(inserted)
    flush()
    return tuple(ops)
