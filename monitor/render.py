"""Format a ``Diff`` (and its classification) for people and programs.

The last step of ``diff``/``compare``: text (optionally coloured), unified (for patch
tools), json (the contract in spec/interface.md) and html (one self-contained page).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from monitor.diff import Change, Diff, WordOp

Format = Literal["text", "unified", "json", "html"]
RowKind = Literal["equal", "delete", "insert", "modify", "move_from", "move_to"]

_ANSI = {"delete": "\x1b[31m", "insert": "\x1b[32m", "move": "\x1b[36m", "section": "\x1b[1m", "dim": "\x1b[2m"}
_RESET = "\x1b[0m"


@dataclass(frozen=True)
class Row:
    """One line of the aligned view: a sentence on the old side, the new side or both."""

    kind: RowKind
    old_index: int | None
    new_index: int | None
    change: Change | None


def aligned_rows(diff: Diff) -> list[Row]:
    """Both versions interleaved in reading order; a move appears at both of its places."""
    old_role: dict[int, Row] = {i: Row("equal", i, j, None) for i, j in diff.equal_pairs()}
    new_role: dict[int, Row] = {j: row for row in old_role.values() if (j := row.new_index) is not None}
    for c in diff.changes:
        if c.op in ("modify", "delete"):
            old_role[c.old_index] = Row(c.op, c.old_index, c.new_index, c)  # type: ignore[index]
        if c.op in ("modify", "insert"):
            new_role[c.new_index] = Row(c.op, c.old_index, c.new_index, c)  # type: ignore[index]
        if c.op == "move":
            old_role[c.old_index] = Row("move_from", c.old_index, c.new_index, c)  # type: ignore[index]
            new_role[c.new_index] = Row("move_to", c.old_index, c.new_index, c)  # type: ignore[index]
    rows: list[Row] = []
    i = j = 0
    # Rows present on one side only are taken as soon as their side reaches them; paired
    # rows (equal, modify) never cross, so both sides reach them together.
    while i < len(diff.old) or j < len(diff.new):
        if i < len(diff.old) and old_role[i].kind in ("delete", "move_from"):
            rows.append(old_role[i])
            i += 1
        elif j < len(diff.new) and new_role[j].kind in ("insert", "move_to"):
            rows.append(new_role[j])
            j += 1
        else:
            rows.append(old_role[i])
            i, j = i + 1, j + 1
    return rows


def render_diff(
    diff: Diff,
    classification: object | None,
    *,
    fmt: Format,
    color: bool = False,
    context: int = 1,
    title: str = "",
    old_label: str = "old",
    new_label: str = "new",
) -> str:
    """Render a diff in one of the four formats; ``classification`` may be None."""
    if fmt == "json":
        return _json(diff, classification, title, old_label, new_label)
    if fmt == "unified":
        return _unified(diff, context, old_label, new_label)
    if fmt == "html":
        from monitor.diff_html import render_html  # only the html format needs it

        return render_html(diff, aligned_rows(diff), _classification(classification), title, old_label, new_label)
    if fmt == "text":
        return _text(diff, classification, color, context, title, old_label, new_label)
    raise ValueError(f"unknown format {fmt!r}: expected text, unified, json or html")


def _classification(classification: object | None) -> dict[str, object]:
    if classification is None:
        return {"material": False, "categories": [], "findings": []}
    return dict(classification.to_json())  # type: ignore[attr-defined]


def _json(diff: Diff, classification: object | None, title: str, old_label: str, new_label: str) -> str:
    document = _classification(classification)
    document.update(
        {"title": title, "old_label": old_label, "new_label": new_label, "counts": diff.counts(), "changes": diff.to_json()}
    )
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def _visible(rows: list[Row], context: int, is_change: list[bool]) -> list[bool]:
    shown = [False] * len(rows)
    for index, changed in enumerate(is_change):
        if changed:
            for k in range(max(0, index - context), min(len(rows), index + context + 1)):
                shown[k] = True
    return shown


def _paint(text: str, style: str, color: bool) -> str:
    return f"{_ANSI[style]}{text}{_RESET}" if color else text


def _inline_words(words: tuple[WordOp, ...], color: bool) -> str:
    parts = []
    for word in words:
        if word.op == "equal":
            parts.append(word.text)
        elif color:
            parts.append(_paint(word.text, word.op, True))
        else:
            parts.append(f"[-{word.text}-]" if word.op == "delete" else f"{{+{word.text}+}}")
    return "".join(parts)


def _text_line(diff: Diff, row: Row, color: bool, continues_move: bool) -> str:
    change = row.change
    if row.kind == "equal":
        sentence = diff.new[row.new_index]  # type: ignore[index]
        return _paint(f"§ {sentence.text}", "section", color) if sentence.kind == "heading" else "  " + sentence.text
    assert change is not None
    if row.kind == "delete":
        return _paint(f"- {change.before}", "delete", color)
    if row.kind == "insert":
        return _paint(f"+ {change.after}", "insert", color)
    if row.kind == "modify":
        return "~ " + _inline_words(change.words, color)
    body = _inline_words(change.words, color) if change.words else change.after
    if continues_move:
        return _paint(">   ", "move", color) + str(body)
    origin = f"§ {change.section_before}" if change.section_before else "the start"
    return _paint(f"> moved from {origin}: ", "move", color) + str(body)


def _continues_move(previous: Row | None, row: Row) -> bool:
    # Sentences that moved together (a moved paragraph or section) are listed under one
    # "moved from" line.
    return (
        previous is not None
        and previous.kind == row.kind == "move_to"
        and previous.old_index is not None
        and previous.old_index + 1 == row.old_index
    )


def _text(
    diff: Diff, classification: object | None, color: bool, context: int, title: str, old_label: str, new_label: str
) -> str:
    # The old place of a moved sentence is left out: "moved from § X" already says it.
    rows = [row for row in aligned_rows(diff) if row.kind != "move_from"]
    shown = _visible(rows, context, [row.kind != "equal" for row in rows])
    counts = diff.counts()
    lines = [title] if title else []
    lines.append(f"--- {old_label}\n+++ {new_label}")
    lines.append(", ".join(f"{n} {op}" for op, n in counts.items()) if diff.changes else "no changes")
    summary = _classification(classification)
    if summary["material"]:
        lines.append(_paint("material: " + ", ".join(summary["categories"]), "section", color))  # type: ignore[arg-type]
    section: str | None = None
    previous = -1
    for index, row in enumerate(rows):
        if not shown[index]:
            continue
        if previous != -1 and index != previous + 1:
            lines.append(_paint("  …", "dim", color))
        sentence = diff.new[row.new_index] if row.new_index is not None else diff.old[row.old_index]  # type: ignore[index]
        if sentence.section != section and not (row.kind == "equal" and sentence.kind == "heading"):
            lines.append(_paint(f"§ {sentence.section}" if sentence.section else "§ (no heading)", "section", color))
        section = sentence.section
        lines.append(_text_line(diff, row, color, index == previous + 1 and _continues_move(rows[previous], row)))
        previous = index
    return "\n".join(lines) + "\n"


def _unified_lines(diff: Diff, row: Row) -> Iterator[str]:
    if row.kind == "equal":
        yield " " + diff.old[row.old_index].text  # type: ignore[index]
    if row.kind in ("delete", "modify", "move_from"):
        yield "-" + diff.old[row.old_index].text  # type: ignore[index]
    if row.kind in ("insert", "modify", "move_to"):
        yield "+" + diff.new[row.new_index].text  # type: ignore[index]


def _unified(diff: Diff, context: int, old_label: str, new_label: str) -> str:
    """A unified diff of the two versions written one sentence per line."""
    rows = aligned_rows(diff)
    shown = _visible(rows, context, [row.kind != "equal" for row in rows])
    out = [f"--- {old_label}", f"+++ {new_label}"]
    old_pos = new_pos = 0
    hunk: list[str] = []
    start = (0, 0)
    for index, row in enumerate(rows):
        if shown[index]:
            if not hunk:
                start = (old_pos, new_pos)
            hunk.extend(_unified_lines(diff, row))
        elif hunk:
            out.extend(_hunk(start, hunk))
            hunk = []
        old_pos += row.kind in ("equal", "delete", "modify", "move_from")
        new_pos += row.kind in ("equal", "insert", "modify", "move_to")
    if hunk:
        out.extend(_hunk(start, hunk))
    return "\n".join(out) + "\n" if diff.changes else ""


def _hunk(start: tuple[int, int], lines: list[str]) -> list[str]:
    old_count = sum(1 for line in lines if line[0] in " -")
    new_count = sum(1 for line in lines if line[0] in " +")
    # An empty side names the line before the hunk, as diff -u does.
    old_start = start[0] + 1 if old_count else start[0]
    new_start = start[1] + 1 if new_count else start[1]
    return [f"@@ -{old_start},{old_count} +{new_start},{new_count} @@", *lines]
