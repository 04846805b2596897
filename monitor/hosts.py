"""Host names in prose: where they are, and the label a company registers under.

Used by the vendor registry (``monitor.vendors``) to recognise ``klarna.se`` or
``shop.klarna.co.uk`` as Klarna.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

# Host names are looked for around a dot between letters, which is rare in prose: scanning
# every word for a host would cost more than matching all the vendor names.
_DOTTED = re.compile(r"[a-z0-9]\.[a-z]")
_HOST = re.compile(r"(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,24}(?![\w-])")
_HOST_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789.-")


def registrable_label(host: str, second_level: frozenset[str]) -> tuple[str, str]:
    """``shop.klarna.co.uk`` → (``klarna``, ``co.uk``): the label a company registers."""
    labels = host.split(".")
    width = 2 if ".".join(labels[-2:]) in second_level and len(labels) > 2 else 1
    if len(labels) <= width:
        return "", ".".join(labels)
    return labels[-width - 1], ".".join(labels[-width:])


def lower_same_length(text: str) -> str:
    """``text`` lower-cased without changing its length (so spans carry over)."""
    # Spans found in the lower-cased copy are spans of the text, so lower-casing must not
    # change the length ("İ" becomes two characters): such rare characters stay as they are.
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in text)


def host_spans(lowered: str) -> Iterator[tuple[int, int]]:
    """The spans of host names in a lower-cased text, outside e-mail addresses' domains."""
    reached = 0
    for dot in _DOTTED.finditer(lowered):
        if dot.start() < reached:
            continue
        start = dot.start()
        while start > 0 and lowered[start - 1] in _HOST_CHARS:
            start -= 1
        while lowered[start] in ".-":
            start += 1
        before = lowered[start - 1] if start else " "
        host = None if before.isalnum() or before in "_@" else _HOST.match(lowered, start)
        reached = host.end() if host else dot.end()
        if host:
            yield host.span()
