"""The html format of ``monitor.render``: one self-contained side-by-side page of a diff.

Every piece of policy text goes through ``html.escape``; the page loads nothing and its
Content-Security-Policy forbids scripts, so a policy containing markup renders as text.
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING, Any

from monitor.diff import Diff, WordOp

if TYPE_CHECKING:
    from monitor.render import Row

_CSS = """
body{font:15px/1.45 system-ui,sans-serif;margin:1.5em;color:#1b1b1b;background:#fff}
h1{font-size:1.3em}.meta{color:#555}.material{color:#8a1c00;font-weight:600}
table{border-collapse:collapse;width:100%;table-layout:fixed}
td{vertical-align:top;padding:.25em .6em;border-top:1px solid #eee;overflow-wrap:anywhere}
th{text-align:left;padding:.3em .6em;background:#f3f3f3}
tr.equal td{color:#666}tr.heading td{font-weight:700;color:#1b1b1b;padding-top:.9em}
td.delete,td.move_from{background:#fdecec}td.insert,td.move_to{background:#e9f7ec}
td.modify{background:#fff8e1}del{background:#f6b9b9;text-decoration:line-through}
ins{background:#a8e2b5;text-decoration:none}a.move{font-size:.85em;margin-right:.4em}
nav ul{columns:2;font-size:.9em}ul.findings{font-size:.95em}
"""
_CSP = "default-src 'none'; style-src 'unsafe-inline'"


def _words(words: tuple[WordOp, ...], side: str) -> str:
    skipped, tag = ("insert", "del") if side == "old" else ("delete", "ins")
    parts = []
    for word in words:
        if word.op == "equal":
            parts.append(escape(word.text))
        elif word.op != skipped:
            parts.append(f"<{tag}>{escape(word.text)}</{tag}>")
    return "".join(parts)


def _cell(diff: Diff, kind: str, side: str, index: int | None, partner: int | None, words: tuple[WordOp, ...]) -> str:
    if index is None:
        return "<td></td>"
    sentence = (diff.old if side == "old" else diff.new)[index]
    body = _words(words, side) if words else escape(sentence.text)
    if kind == "move_from":
        body = f'<a class="move" href="#new-{partner}">moved to →</a>{body}'
    elif kind == "move_to":
        body = f'<a class="move" href="#old-{partner}">moved from ←</a>{body}'
    anchor = f' id="sec-{index}"' if side == "new" and sentence.kind == "heading" else ""
    return f'<td class="{kind}"><span id="{side}-{index}"{anchor}></span>{body}</td>'


def _findings(summary: dict[str, Any]) -> str:
    items = []
    for finding in summary.get("findings", []):
        parts = [f"<b>{escape(str(finding.get('category')))}</b> {escape(str(finding.get('change') or ''))}"]
        if finding.get("entity"):
            parts.append(escape(str(finding["entity"])))
        if finding.get("before"):
            parts.append(f"<del>{escape(str(finding['before']))}</del>")
        if finding.get("after"):
            parts.append(f"<ins>{escape(str(finding['after']))}</ins>")
        items.append("<li>" + " ".join(parts) + "</li>")
    return f'<ul class="findings">{"".join(items)}</ul>' if items else ""


def render_html(
    diff: Diff, rows: list[Row], summary: dict[str, Any], title: str, old_label: str, new_label: str
) -> str:
    """The whole page: header, classification, section index and the side-by-side table."""
    counts = ", ".join(f"{n} {op}" for op, n in diff.counts().items())
    categories = ", ".join(str(c) for c in summary.get("categories", []))
    verdict = f'<p class="material">Material change: {escape(categories)}</p>' if summary.get("material") else ""
    sections = [
        f'<li><a href="#sec-{j}">{escape(s.text)}</a></li>' for j, s in enumerate(diff.new) if s.kind == "heading"
    ]
    nav = f"<nav><ul>{''.join(sections)}</ul></nav>" if sections else ""
    body_rows = []
    for row in rows:
        words = row.change.words if row.change else ()
        old_index = row.old_index if row.kind not in ("insert", "move_to") else None
        new_index = row.new_index if row.kind not in ("delete", "move_from") else None
        is_heading = any(
            i is not None and side[i].kind == "heading" for side, i in ((diff.old, old_index), (diff.new, new_index))
        )
        classes = row.kind + (" heading" if is_heading else "")
        body_rows.append(
            f'<tr class="{classes}">{_cell(diff, row.kind, "old", old_index, row.new_index, words)}'
            f'{_cell(diff, row.kind, "new", new_index, row.old_index, words)}</tr>'
        )
    heading = escape(title or f"{old_label} → {new_label}")
    return (
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">'
        f"<title>{heading}</title><style>{_CSS}</style></head><body>"
        f"<h1>{heading}</h1><p class=\"meta\">{escape(old_label)} → {escape(new_label)}: {counts}</p>"
        f"{verdict}{_findings(summary)}{nav}"
        f"<table><colgroup><col><col></colgroup><tr><th>{escape(old_label)}</th><th>{escape(new_label)}</th></tr>"
        f"{''.join(body_rows)}</table></body></html>\n"
    )
