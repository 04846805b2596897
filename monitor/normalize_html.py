"""Write the kept HTML elements out as normalized text.

``extract`` chose the elements; this turns them into the Markdown-like lines that
``monitor.segment`` reads: headings, one-line paragraphs, ``- `` items and ``| `` rows.
"""

from __future__ import annotations

from collections.abc import Iterable

from lxml import etree
from lxml.etree import _Element as HtmlElement

from monitor.normalize_links import CLOUDFLARE_EMAIL_TOKEN, LinkPolicy, cloudflare_email, is_cloudflare_href

_INLINE = frozenset(
    {"a", "abbr", "b", "bdi", "bdo", "cite", "code", "data", "del", "dfn", "em", "font", "i",
     "ins", "kbd", "label", "mark", "q", "s", "samp", "small", "span", "strike", "strong",
     "sub", "sup", "time", "tt", "u", "var", "wbr", "nobr", "big", "acronym"}
)
_HEADINGS = {f"h{level}": level for level in range(1, 7)}
_LISTS = frozenset({"ul", "ol", "dl", "menu"})
_ITEMS = frozenset({"li", "dt", "dd"})
# Tags written otherwise than as a block of running text.
_SPECIAL = frozenset({*_INLINE, *_HEADINGS, *_ITEMS, "br"})


class _Writer:
    """Accumulates inline text and flushes it as a line of the kind its block asks for."""

    def __init__(self, links: LinkPolicy) -> None:
        self.links = links
        self.lines: list[str] = []
        self.buffer: list[str] = []

    def flush(self, prefix: str = "") -> None:
        buffer = self.buffer
        if not buffer:
            return
        text = " ".join((buffer[0] if len(buffer) == 1 else "".join(buffer)).split())
        buffer.clear()
        if text:
            self.lines += (prefix + text, "")

    def line(self, text: str | None, prefix: str = "") -> None:
        """A block that is only ``text``: the same as buffering it between two flushes."""
        if self.buffer:
            self.flush()
        if text:
            text = " ".join(text.split())
            if text:
                self.lines += (prefix + text, "")

    def text(self, value: str | None) -> None:
        if value:
            self.buffer.append(value)

    def inline(self, element: HtmlElement) -> None:
        """Write an element's text as running text, whatever its children are."""
        tag = element.tag
        if tag == "br":
            self.buffer.append(" ")
        elif tag == "a" or element.get("data-cfemail") is not None:
            self.buffer.append(self._link_text(element))
        else:
            if tag not in _INLINE:
                self.buffer.append(" ")
            self.text(element.text)
            if len(element):
                for child in element.iterchildren(etree.Element):
                    self.inline(child)
                    self.text(child.tail)
            if tag not in _INLINE:
                self.buffer.append(" ")

    def _link_text(self, element: HtmlElement) -> str:
        encoded = element.get("data-cfemail")
        if encoded:
            return cloudflare_email(encoded)
        label = " ".join(_text_of(element).split())
        href = (element.get("href") or "").strip()
        if is_cloudflare_href(href):
            fragment = href.partition("#")[2]
            return cloudflare_email(fragment) if fragment else CLOUDFLARE_EMAIL_TOKEN
        for child in element.iter(etree.Element):
            if child.get("data-cfemail"):
                return cloudflare_email(child.get("data-cfemail", ""))
        return self.links.render(label, href)

    def block(self, element: HtmlElement) -> None:
        tag = element.tag
        if not len(element) and tag not in _SPECIAL:
            # A paragraph without markup inside, most of a policy: its text is one line.
            self.line(element.text)
            return
        if tag in _HEADINGS and not len(element) and element.get("data-cfemail") is None:
            self.line(element.text, "#" * _HEADINGS[tag] + " ")
        elif tag in _HEADINGS:
            self.flush()
            self.inline(element)
            self.flush("#" * _HEADINGS[tag] + " ")
        elif tag in _ITEMS:
            self.flush()
            self.item(element)
        elif tag == "table" and _is_data_table(element):
            self.flush()
            self.table(element)
        elif tag == "br":
            # A line break ends a line of text; within a paragraph it separates lines of an
            # address or a list written without list markup.
            self.flush()
        elif tag in _INLINE and not _has_blocks(element):
            self.inline(element)
        else:
            self.flush()
            self.text(element.text)
            for child in element.iterchildren(etree.Element):
                # block() of a childless paragraph, inlined: it is most of a policy.
                if not len(child) and child.tag not in _SPECIAL:
                    self.line(child.text)
                else:
                    self.block(child)
                self.text(child.tail)
            self.flush()

    def item(self, element: HtmlElement) -> None:
        """A list item is one line; nested lists become items of their own after it."""
        nested: list[HtmlElement] = []
        self.text(element.text)
        for child in element.iterchildren(etree.Element):
            if child.tag in _LISTS:
                nested.append(child)
            else:
                self.inline(child)
            self.text(child.tail)
        self.flush("- ")
        for child in nested:
            self.block(child)

    def table(self, element: HtmlElement) -> None:
        for row in element.iter("tr"):
            cells: list[str] = []
            for cell in row.iterchildren("td", "th"):
                self.inline(cell)
                cells.append(" ".join("".join(self.buffer).split()))
                self.buffer.clear()
            if any(cells):
                self.lines.append("| " + " | ".join(cells) + " |")
        self.lines.append("")


def _text_of(element: HtmlElement) -> str:
    return "".join(element.itertext())


def _has_blocks(element: HtmlElement) -> bool:
    return any(child.tag not in _INLINE for child in element.iter(etree.Element) if child is not element)


def _is_data_table(table: HtmlElement) -> bool:
    """A table laid out in rows and columns of data, not a page layout built from cells."""
    for inner in table.iter("table", "h1", "h2", "h3", "h4", "h5", "h6"):
        if inner is not table:
            return False
    return any(len(row.findall("td")) + len(row.findall("th")) > 1 for row in table.iter("tr"))


def render_elements(elements: Iterable[HtmlElement], links: LinkPolicy) -> str:
    """Normalized text of ``elements``, one block after another."""
    writer = _Writer(links)
    for element in elements:
        writer.block(element)
    writer.flush()
    return "\n".join(writer.lines)


def link_targets(root: HtmlElement) -> list[str]:
    """Targets of the links in ``root``, for guessing the document's own site."""
    return [href for a in root.iter("a") if (href := a.get("href"))]
