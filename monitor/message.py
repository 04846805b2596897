"""Write the alert text: findings of a change (or a monitoring event) → title and body.

Pure functions over plain values; ``monitor.notify`` picks the format and the length limit
from each Apprise target and sends the result.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from typing import Literal

from monitor.diff_words import word_ops
from storage.records import StoredFinding

Format = Literal["text", "markdown", "html"]

# Room kept for the line that says how many findings were left out.
_OMITTED_RESERVE = 60
_ELLIPSIS = "…"


@dataclass(frozen=True)
class Message:
    title: str
    body: str


@dataclass(frozen=True)
class ChangeAlert:
    """One material change of one shop, as a target is to hear of it."""

    shop: str
    version_id: int
    previous_id: int | None
    categories: tuple[str, ...]
    findings: tuple[StoredFinding, ...]


def change_title(shop: str, categories: Sequence[str]) -> str:
    return f"policywatch: {shop} changed its privacy policy ({', '.join(categories)})"


def diff_command(alert: ChangeAlert) -> str:
    start = f" --from {alert.previous_id}" if alert.previous_id is not None else ""
    return f"policywatch diff {alert.shop}{start} --to {alert.version_id}"


def _marked(before: str, after: str, fmt: Format) -> tuple[str, str]:
    """Before and after with the changed words marked: struck and bold, or <del>/<ins>."""
    old, new = [], []
    for op in word_ops(before, after):
        if op.op == "equal":
            old.append(escape(op.text) if fmt == "html" else op.text)
            new.append(escape(op.text) if fmt == "html" else op.text)
        elif fmt == "html":
            (old if op.op == "delete" else new).append(
                f"<{'del' if op.op == 'delete' else 'ins'}>{escape(op.text)}</{'del' if op.op == 'delete' else 'ins'}>"
            )
        elif op.text.strip():
            mark = "~~" if op.op == "delete" else "**"
            stripped = op.text.strip()
            lead, trail = op.text[: len(op.text) - len(op.text.lstrip())], op.text[len(op.text.rstrip()) :]
            (old if op.op == "delete" else new).append(f"{lead}{mark}{stripped}{mark}{trail}")
        else:
            (old if op.op == "delete" else new).append(op.text)
    return "".join(old), "".join(new)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: max(limit - 1, 0)].rstrip() + _ELLIPSIS


def _finding_block(finding: StoredFinding, fmt: Format, sentence_limit: int | None) -> str:
    before, after = finding.before, finding.after
    if sentence_limit is not None:
        # Clip before marking, so that no marker is cut in half.
        before = _clip(before, sentence_limit) if before else before
        after = _clip(after, sentence_limit) if after else after
    if before and after and fmt != "text":
        before, after = _marked(before, after, fmt)
    elif fmt == "html":
        before, after = (escape(before) if before else before), (escape(after) if after else after)
    head = f"{finding.category} {finding.change}" + (f": {finding.entity}" if finding.entity else "")
    if finding.section:
        head += f" (section: {finding.section})"
    lines = [head]
    if before:
        lines.append(f"  before: {before}")
    if after:
        lines.append(f"  after: {after}")
    if fmt == "html":
        return "<p>" + "<br>".join(escape(lines[0]) if i == 0 else line for i, line in enumerate(lines)) + "</p>"
    return "- " + "\n".join(lines)


def _join(parts: Sequence[str], fmt: Format) -> str:
    return ("\n" if fmt == "html" else "\n\n").join(parts)


def _line(text: str, fmt: Format) -> str:
    return f"<p>{escape(text)}</p>" if fmt == "html" else text


def change_body(alerts: Sequence[ChangeAlert], fmt: Format, max_length: int | None = None) -> str:
    """The body for one change (or a digest of several), shortened to ``max_length``.

    Shortening first clips long sentences, then leaves out the last findings with a line
    saying how many; the categories line and the diff command always stay.
    """
    for sentence_limit in (None, 400, 160, 60):
        for keep in _keep_counts(alerts):
            body = _render(alerts, fmt, sentence_limit, keep)
            if max_length is None or len(body) <= max_length:
                return body
    return _clip(_render(alerts, fmt, 60, [0] * len(alerts)), max_length or 0)


def _keep_counts(alerts: Sequence[ChangeAlert]) -> list[list[int]]:
    """How many findings of each alert to show, from all of them down to none."""
    total = max((len(alert.findings) for alert in alerts), default=0)
    return [[min(len(alert.findings), n) for alert in alerts] for n in range(total, -1, -1)]


def _render(alerts: Sequence[ChangeAlert], fmt: Format, sentence_limit: int | None, keep: Sequence[int]) -> str:
    parts = []
    for alert, count in zip(alerts, keep, strict=True):
        if len(alerts) > 1:
            parts.append(_line(change_title(alert.shop, alert.categories), fmt))
        parts.append(_line(f"Categories: {', '.join(alert.categories)}", fmt))
        parts.extend(_finding_block(finding, fmt, sentence_limit) for finding in alert.findings[:count])
        if count < len(alert.findings):
            left = len(alert.findings) - count
            parts.append(_line(f"… and {left} more finding{'s' if left > 1 else ''} (see the full diff)", fmt))
        parts.append(_line(f"Full diff: {diff_command(alert)}", fmt))
    return _join(parts, fmt)


def change_message(alerts: Sequence[ChangeAlert], fmt: Format, *, max_length: int | None = None,
                   title_length: int | None = None) -> Message:
    """Title and body of one change alert, or of a digest when ``alerts`` holds several."""
    if len(alerts) == 1:
        title = change_title(alerts[0].shop, alerts[0].categories)
    else:
        shops = sorted({alert.shop for alert in alerts})
        categories = sorted({category for alert in alerts for category in alert.categories})
        title = f"policywatch digest: {len(alerts)} privacy policy changes ({', '.join(categories)}) in {', '.join(shops)}"
    if title_length:
        title = _clip(title, title_length)
    return Message(title, change_body(alerts, fmt, max_length))


def monitoring_message(shop: str, started: bool, detail: str, fmt: Format) -> Message:
    """A monitoring problem starting or ending; never worded as a change of the policy."""
    if started:
        title = f"policywatch: monitoring problem with {shop}: {detail}"
        body = f"{detail}. policywatch will say when this is resolved. See: policywatch shops"
    else:
        title = f"policywatch: monitoring of {shop} is back to normal"
        body = f"Resolved: {detail}."
    return Message(title, _line(body, fmt))
