"""Diff two versions' normalized texts into sentence-level changes.

Takes two normalized texts (or their ``Sentence`` lists from ``monitor.segment``) and hands
the classifier and the renderers a ``Diff``: inserts, deletes, modifies with word ops, moves.

How it aligns: sentences are compared by a folded key (case, white space and punctuation
ignored) with rapidfuzz's Indel opcodes, i.e. a longest common subsequence. Sentences left
out of that alignment are then paired in three passes: (1) the same key elsewhere is a
``move``; (2) a similar sentence between the same two anchors is a ``modify``; (3) a nearly
equal sentence anywhere else is a ``move`` with word ops. The rest are inserts and deletes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from rapidfuzz import fuzz, process
from rapidfuzz.distance import Indel, Opcodes

from monitor.diff_words import WordOp, fold_all, word_ops
from monitor.segment import Sentence, segment

__all__ = ["Change", "Diff", "WordOp", "apply_changes", "diff_sentences", "diff_texts", "key_opcodes"]

ChangeOp = Literal["insert", "delete", "modify", "move"]

# fuzz.ratio (0-100) of the folded sentences above which a deleted and an inserted sentence
# between the same anchors are one edited sentence rather than a removal and an addition.
MODIFY_CUTOFF = 60.0
# A sentence that left one place and reappears elsewhere must be nearly the same to count as
# moved; a looser cutoff would pair unrelated boilerplate across the document.
MOVE_CUTOFF = 88.0


@dataclass(frozen=True)
class Change:
    """One aligned text operation; indices point into ``Diff.old`` and ``Diff.new``."""

    op: ChangeOp
    before: str | None
    after: str | None
    section: str | None
    section_before: str | None
    old_index: int | None
    new_index: int | None
    words: tuple[WordOp, ...] = ()

    def to_json(self) -> dict[str, object]:
        return {
            "op": self.op,
            "before": self.before,
            "after": self.after,
            "section": self.section,
            "section_before": self.section_before,
            "old_index": self.old_index,
            "new_index": self.new_index,
            "words": [word.to_json() for word in self.words],
        }


@dataclass(frozen=True)
class Diff:
    """The sentences of both versions and the changes that turn the old into the new."""

    old: tuple[Sentence, ...]
    new: tuple[Sentence, ...]
    changes: tuple[Change, ...]

    def counts(self) -> dict[str, int]:
        counts = {"insert": 0, "delete": 0, "modify": 0, "move": 0}
        for change in self.changes:
            counts[change.op] += 1
        return counts

    def to_json(self) -> list[dict[str, object]]:
        return [change.to_json() for change in self.changes]

    def equal_pairs(self) -> list[tuple[int, int]]:
        """The (old, new) index pairs of sentences that are unchanged and stayed in place.

        They are the sentences no change mentions, matched in order on both sides.
        """
        used_old = {c.old_index for c in self.changes if c.old_index is not None}
        used_new = {c.new_index for c in self.changes if c.new_index is not None}
        kept_old = [i for i in range(len(self.old)) if i not in used_old]
        kept_new = [j for j in range(len(self.new)) if j not in used_new]
        return list(zip(kept_old, kept_new, strict=True))


def apply_changes(old: str | Sequence[Sentence], diff: Diff) -> list[str]:
    """Rebuild the new version's sentence texts from the old one and the changes alone.

    Every change with a ``new_index`` puts its ``after`` there; the old sentences that no
    change takes away (by ``old_index``) fill the remaining places in their old order.
    """
    sentences = segment(old) if isinstance(old, str) else list(old)
    fits = len(sentences) == len(diff.old) and all(
        sentences[c.old_index].text == c.before for c in diff.changes if c.old_index is not None
    )
    if not fits:
        raise ValueError("the changes were not computed from this old version")
    taken = {c.old_index for c in diff.changes if c.op != "insert"}
    kept = iter(s.text for i, s in enumerate(sentences) if i not in taken)
    placed = {c.new_index: c.after for c in diff.changes if c.new_index is not None}
    size = len(sentences) - len(taken) + len(placed)
    result: list[str] = []
    for j in range(size):
        after = placed.get(j)
        result.append(after if after is not None else next(kept))
    return result


def diff_texts(old: str, new: str) -> Diff:
    """Diff two normalized texts (the Markdown-like format of ``monitor.segment``)."""
    return diff_sentences(segment(old), segment(new))


@dataclass
class _Hunk:
    """A run of old and new sentences between two anchors of the alignment."""

    old_at: int  # where the hunk starts in each version
    new_at: int
    old: list[int]
    new: list[int]
    pairs: list[tuple[int, int]] = field(default_factory=list)


def diff_sentences(old: Sequence[Sentence], new: Sequence[Sentence]) -> Diff:
    """Diff two sentence lists; the library entry point when sentences are already known."""
    old_t, new_t = tuple(old), tuple(new)
    known: dict[str, str] = {}
    old_keys = fold_all((s.text for s in old_t), known)
    new_keys = fold_all((s.text for s in new_t), known)
    # Ties (which of two equal-length alignments, which of two equal scores) are broken by
    # position, which depends on the side. Aligning in one canonical orientation and
    # mirroring makes diff(b, a) exactly the reverse of diff(a, b).
    if new_keys < old_keys:
        equal, hunks, moves = _mirror(*_align(new_keys, old_keys))
    else:
        equal, hunks, moves = _align(old_keys, new_keys)
    return Diff(old_t, new_t, _changes(old_t, new_t, equal, hunks, moves))


_Alignment = tuple[list[tuple[int, int]], list[_Hunk], dict[int, int]]


def key_opcodes(old_keys: list[str], new_keys: list[str]) -> Opcodes:
    """The longest-common-subsequence opcodes of two lists of sentence keys.

    rapidfuzz compares list items by their hash, in C. A hash collision (odds about one in
    2**64 per pair of keys) would hide an edit, so the equal blocks are checked and, if one is
    wrong, the keys are aligned again as exact integer ids.
    """
    codes = Indel.opcodes(old_keys, new_keys)
    if all(
        old_keys[c.src_start : c.src_end] == new_keys[c.dest_start : c.dest_end] for c in codes if c.tag == "equal"
    ):
        return codes
    ids: dict[str, int] = {}
    old_ids = [ids.setdefault(k, len(ids)) for k in old_keys]
    return Indel.opcodes(old_ids, [ids.setdefault(k, len(ids)) for k in new_keys])


def _align(old_keys: list[str], new_keys: list[str]) -> _Alignment:
    equal: list[tuple[int, int]] = []
    hunks: list[_Hunk] = []
    after_equal = True
    for code in key_opcodes(old_keys, new_keys):
        if code.tag == "equal":
            equal.extend(zip(range(code.src_start, code.src_end), range(code.dest_start, code.dest_end), strict=True))
            after_equal = True
            continue
        # A delete next to an insert, with no equal block between, is one hunk.
        if after_equal:
            hunks.append(_Hunk(code.src_start, code.dest_start, [], []))
            after_equal = False
        hunks[-1].old.extend(range(code.src_start, code.src_end))
        hunks[-1].new.extend(range(code.dest_start, code.dest_end))

    moves = _exact_moves(hunks, old_keys, new_keys)
    moved_to = set(moves.values())
    for hunk in hunks:
        hunk.pairs = _similar_pairs(
            [i for i in hunk.old if i not in moves],
            [j for j in hunk.new if j not in moved_to],
            old_keys,
            new_keys,
        )
    moves.update(_near_moves(hunks, moves, old_keys, new_keys))
    return equal, hunks, moves


def _mirror(equal: list[tuple[int, int]], hunks: list[_Hunk], moves: dict[int, int]) -> _Alignment:
    mirrored = [_Hunk(h.new_at, h.old_at, h.new, h.old, [(j, i) for i, j in h.pairs]) for h in hunks]
    return [(j, i) for i, j in equal], mirrored, {j: i for i, j in moves.items()}


def _exact_moves(hunks: list[_Hunk], old_keys: list[str], new_keys: list[str]) -> dict[int, int]:
    # The alignment is a longest common subsequence, so a key left out on both sides can
    # only be in two different hunks: the sentence moved, unchanged.
    inserted: dict[str, list[int]] = defaultdict(list)
    for hunk in hunks:
        for j in hunk.new:
            inserted[new_keys[j]].append(j)
    moves: dict[int, int] = {}
    for hunk in hunks:
        for i in hunk.old:
            candidates = inserted.get(old_keys[i])
            if candidates:
                moves[i] = candidates.pop(0)
    return moves


def _candidates(
    old: list[int], new: list[int], old_keys: list[str], new_keys: list[str]
) -> list[tuple[float, int, int]]:
    """(-score, row, col) of every old × new pair scoring at least ``MODIFY_CUTOFF``, best first.

    Few pairs pass the cutoff, so one C++ scan per row (``extract_iter``, which also skips
    pairs whose lengths alone rule the cutoff out) beats a full ``cdist`` matrix and spares
    the process the numpy import that ``cdist`` needs.
    """
    choices = [new_keys[j] for j in new]
    found = [
        (-score, row, col)
        for row, i in enumerate(old)
        for _, score, col in process.extract_iter(old_keys[i], choices, scorer=fuzz.ratio, score_cutoff=MODIFY_CUTOFF)
    ]
    found.sort()
    return found


def _similar_pairs(
    old: list[int], new: list[int], old_keys: list[str], new_keys: list[str]
) -> list[tuple[int, int]]:
    """Pair the similar sentences of one hunk, best first, without crossing pairs."""
    if not old or not new:
        return []
    if len(old) == 1 and len(new) == 1:
        score = fuzz.ratio(old_keys[old[0]], new_keys[new[0]], score_cutoff=MODIFY_CUTOFF)
        return [(old[0], new[0])] if score else []
    pairs: list[tuple[int, int]] = []
    for _, row, col in _candidates(old, new, old_keys, new_keys):
        if all((row - r) * (col - c) > 0 for r, c in pairs):
            pairs.append((row, col))
    return sorted((old[r], new[c]) for r, c in pairs)


def _near_moves(
    hunks: list[_Hunk], moves: dict[int, int], old_keys: list[str], new_keys: list[str]
) -> dict[int, int]:
    """Pair what is still unpaired anywhere in the document when nearly equal: edited moves."""
    paired_old = set(moves) | {i for h in hunks for i, _ in h.pairs}
    paired_new = set(moves.values()) | {j for h in hunks for _, j in h.pairs}
    old = [i for h in hunks for i in h.old if i not in paired_old]
    new = [j for h in hunks for j in h.new if j not in paired_new]
    if not old or not new:
        return {}
    found: dict[int, int] = {}
    used_new: set[int] = set()
    for negative_score, row, col in _candidates(old, new, old_keys, new_keys):
        i, j = old[row], new[col]
        if i in found or j in used_new:
            continue
        # A sentence whose neighbour moved along with it (a moved section) only needs to be
        # as similar as a modify; a lone sentence must be nearly equal.
        with_neighbour = moves.get(i - 1) == j - 1 or moves.get(i + 1) == j + 1
        if with_neighbour or -negative_score >= MOVE_CUTOFF:
            found[i] = j
            used_new.add(j)
    return found


def _changes(
    old: tuple[Sentence, ...],
    new: tuple[Sentence, ...],
    equal: list[tuple[int, int]],
    hunks: list[_Hunk],
    moves: dict[int, int],
) -> tuple[Change, ...]:
    """Order the changes as a reader meets them in the new version."""
    keyed: list[tuple[tuple[int, int, int], Change]] = []

    def edited(op: ChangeOp, i: int, j: int) -> Change:
        before, after = old[i].text, new[j].text
        words = word_ops(before, after) if before != after else ()
        return Change(op, before, after, new[j].section, old[i].section, i, j, words)

    for i, j in equal:
        # Same key, different text: a case or punctuation edit, still a change of the text.
        if old[i].text != new[j].text:
            keyed.append(((j, 1, i), edited("modify", i, j)))
    for i, j in moves.items():
        keyed.append(((j, 1, i), edited("move", i, j)))
    for hunk in hunks:
        pairs = dict(hunk.pairs)
        paired_new = set(pairs.values())
        position = hunk.new_at
        for i in hunk.old:
            if i in pairs:
                keyed.append(((pairs[i], 1, i), edited("modify", i, pairs[i])))
                position = pairs[i] + 1
            elif i not in moves:
                s = old[i]
                keyed.append(((position, 0, i), Change("delete", s.text, None, s.section, s.section, i, None)))
        moved_to = set(moves.values())
        for j in hunk.new:
            if j not in paired_new and j not in moved_to:
                s = new[j]
                keyed.append(((j, 1, -1), Change("insert", None, s.text, s.section, None, None, j)))
    keyed.sort(key=lambda item: item[0])
    return tuple(change for _, change in keyed)

