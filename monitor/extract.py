"""Find the policy inside a parsed HTML page: drop the chrome, keep the document.

``normalize`` hands the parsed tree here; the kept elements go on to ``normalize_html`` to be
written out as text. Hints about what chrome looks like live in ``knowledge/chrome.toml``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from lxml import etree
from lxml.cssselect import CSSSelector
from lxml.etree import _Element as HtmlElement

from monitor.errors import KnowledgeError, NormalizeError
from monitor.knowledge_files import read_knowledge

# A hint-matched element holding more than this share of the page's text is the document
# itself (a policy inside class="modal-content"), not chrome.
_CHROME_MAX_SHARE = 0.3
# Descend into a child while it holds at least this share of its parent's paragraph text.
_DESCEND_SHARE = 0.85
# main/article is trusted when it holds at least this share of the page's paragraph text.
_MAIN_MIN_SHARE = 0.5
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
_TOKEN_SPLIT = re.compile(r"[\s_-]+")
_TITLE_TAGS = frozenset({"h1", "h2"})


@dataclass(frozen=True)
class ChromeHints:
    """What chrome looks like: tags, ARIA roles and class/id words (``chrome.toml``)."""

    never_text: tuple[str, ...]
    chrome_tags: frozenset[str]
    chrome_roles: frozenset[str]
    class_tokens: frozenset[str]
    substrings: tuple[str, ...]


def _strings(path: object, data: dict[str, object], table: str, key: str) -> list[str]:
    section = data.get(table)
    values = section.get(key) if isinstance(section, dict) else None
    if not isinstance(values, list) or not all(isinstance(v, str) and v for v in values):
        raise KnowledgeError(f"{path}: {table}.{key}: expected a list of non-empty strings")
    return [v.lower() for v in values]


@lru_cache(maxsize=1)
def load_chrome_hints() -> ChromeHints:
    """Load and validate ``knowledge/chrome.toml``."""
    path, data = read_knowledge("chrome.toml")
    return ChromeHints(
        never_text=tuple(_strings(path, data, "tags", "never_text")),
        chrome_tags=frozenset(_strings(path, data, "tags", "chrome")),
        chrome_roles=frozenset(_strings(path, data, "roles", "chrome")),
        class_tokens=frozenset(_strings(path, data, "hints", "class_tokens")),
        substrings=tuple(s.replace("-", "").replace("_", "") for s in _strings(path, data, "hints", "substrings")),
    )


def text_of(element: HtmlElement) -> str:
    """All the text under an element."""
    return "".join(element.itertext())


def _text_length(element: HtmlElement) -> int:
    """``len(text_of(element))``, counted by libxml2 without making Python strings."""
    return int(element.xpath("string-length(.)"))


def drop_element(element: HtmlElement) -> None:
    """Remove an element and its content, keeping the text that follows it."""
    parent = element.getparent()
    if parent is None:
        return
    if element.tail:
        previous = element.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + element.tail
        else:
            parent.text = (parent.text or "") + element.tail
    parent.remove(element)


def _matches_hint(element: HtmlElement, hints: ChromeHints) -> bool:
    classes = (element.get("class") or "").lower()
    ident = (element.get("id") or "").lower()
    if not classes and not ident:
        return False
    if classes and not hints.class_tokens.isdisjoint(_TOKEN_SPLIT.split(classes)):
        return True
    squashed = (classes + " " + ident).replace("-", "").replace("_", "")
    return any(hint in squashed for hint in hints.substrings)


def _inside_document(element: HtmlElement) -> bool:
    for ancestor in element.iterancestors():
        if ancestor.tag in ("main", "article") or ancestor.get("role") == "main":
            return True
    return False


def _is_hidden(element: HtmlElement) -> bool:
    if element.get("hidden") is not None:
        return True
    style = element.get("style")
    return bool(style and _HIDDEN_STYLE.search(style))


def _is_chrome(element: HtmlElement, hints: ChromeHints) -> bool:
    """Structural chrome; ``_is_hinted_chrome`` covers the guesses that need a size check."""
    tag = element.tag
    if tag in ("header", "footer") and _inside_document(element):
        return False
    if tag in hints.chrome_tags and tag != "form":
        return True
    return (element.get("role") or "").lower() in hints.chrome_roles


def _is_hinted_chrome(element: HtmlElement, hints: ChromeHints) -> bool:
    if element.tag == "form" or element.get("aria-hidden") == "true":
        return True
    return _matches_hint(element, hints)


def strip_chrome(root: HtmlElement, keep: Sequence[HtmlElement] = ()) -> None:
    """Remove non-text elements and page chrome from ``root`` in place.

    Elements in ``keep`` (the ones a shop's ``select`` matched) and their ancestors are
    never removed, only chrome inside them.
    """
    hints = load_chrome_hints()
    etree.strip_elements(root, *hints.never_text, with_tail=False)
    protected = {e for element in keep for e in (element, *element.iterancestors())}
    total = _text_length(root)
    doomed: list[HtmlElement] = []
    # Chrome is told by its tag or its attributes; an element with neither is never chrome
    # (most of a policy: p, li, h2, ...), and is passed over without the checks below.
    chrome_tags = hints.chrome_tags | {"form"}
    for element in root.iter(etree.Element):
        if element.tag not in chrome_tags and not element.keys():
            continue
        if element in protected or element.tag in ("html", "body", "main"):
            continue
        # Whatever lies inside chrome goes with it. Visited in document order, an element
        # inside removed chrome is inside the last element found to be chrome.
        if doomed and doomed[-1] in element.iterancestors():
            continue
        if (
            _is_hidden(element)
            or _is_chrome(element, hints)
            or (_is_hinted_chrome(element, hints) and _text_length(element) <= _CHROME_MAX_SHARE * total)
        ):
            doomed.append(element)
    for element in doomed:
        drop_element(element)


def _content_lengths(root: HtmlElement) -> dict[HtmlElement, int]:
    """Length of the non-link text under each element.

    Keyed by the elements themselves: lxml makes its Python proxies on demand, so an
    ``id()`` is only stable while something holds the proxy.
    """
    total: dict[HtmlElement, int] = {}
    linked: dict[HtmlElement, int] = {}  # only elements with link text under them
    # Reversed document order visits every element after all of its descendants.
    for element in reversed(list(root.iter(etree.Element))):
        text = element.text
        length = len(text.strip()) if text else 0
        link = 0
        if len(element):
            for child in element:
                tail = child.tail
                length += total.get(child, 0) + (len(tail.strip()) if tail else 0)
                link += linked.get(child, 0)
        total[element] = length
        if element.tag == "a":
            link = length
        if link:
            linked[element] = link
    return {key: length - linked.get(key, 0) for key, length in total.items()}


def main_content(root: HtmlElement) -> list[HtmlElement]:
    """Return the elements holding the document, in order (after ``strip_chrome``).

    Start from ``main``/``article``/``[role=main]`` when one holds most of the text, else
    from ``body``; then descend while a single child holds nearly all the paragraph text,
    keeping a title heading left behind on the way.
    """
    content = _content_lengths(root)
    body = root.find("body")
    start = body if body is not None else root
    candidates = [e for e in root.iter("main", "article", "div", "section") if e.tag in ("main", "article") or e.get("role") == "main"]
    if candidates:
        best = max(candidates, key=lambda e: content[e])
        if content[best] >= _MAIN_MIN_SHARE * content[start]:
            start = best
    titles: list[HtmlElement] = []
    current = start
    while len(current):
        child = max(current, key=lambda e: content.get(e, 0))
        if content.get(child, 0) < _DESCEND_SHARE * content[current] or content[current] == 0:
            break
        for sibling in current:
            if sibling is child:
                break
            # The page title often sits in a wrapper of its own next to the text's wrapper.
            titles.extend(sibling.iter(*_TITLE_TAGS) if sibling.tag in _TITLE_TAGS else sibling.iter("h1"))
        current = child
    return [*titles, current]


@lru_cache(maxsize=256)
def _selector(css: str) -> CSSSelector:
    return CSSSelector(css, translator="html")


def select_elements(root: HtmlElement, select: Sequence[str], url: str) -> list[HtmlElement]:
    """Elements matched by any of ``select``, outermost only, in document order."""
    matched: set[HtmlElement] = set()
    for css in select:
        try:
            matched.update(_selector(css)(root))
        except (etree.XPathError, SyntaxError, ValueError) as exc:
            raise NormalizeError(f"{url}: select {css!r} is not a valid CSS selector: {exc}") from exc
    if not matched:
        joined = ", ".join(select)
        raise NormalizeError(f"{url}: select '{joined}' matched nothing")
    return [
        e
        for e in root.iter(etree.Element)
        if e in matched and not any(a in matched for a in e.iterancestors())
    ]


def remove_elements(root: HtmlElement, remove: Sequence[str], url: str) -> None:
    """Drop every element matched by ``remove`` (with its content) from ``root``."""
    for css in remove:
        try:
            doomed = _selector(css)(root)
        except (etree.XPathError, SyntaxError, ValueError) as exc:
            raise NormalizeError(f"{url}: remove {css!r} is not a valid CSS selector: {exc}") from exc
        for element in doomed:
            drop_element(element)
