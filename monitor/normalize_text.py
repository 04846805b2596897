"""Turn Markdown captures and plain-text policies into normalized text.

Markdown (Open Terms Archive captures) and plain text (policies exported from shop systems)
come out in the same format as HTML pages, so that versions from any source compare.
"""

from __future__ import annotations

import re

from monitor.normalize_links import CLOUDFLARE_EMAIL_TOKEN, LinkPolicy, cloudflare_email, is_cloudflare_href

_ATX = re.compile(r"^ {0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_SETEXT = re.compile(r"^ {0,3}(=+|-+)\s*$")
_BULLET = re.compile(r"^(\s*)(?:[-*+•]|\d{1,3}[.)])\s+(.*)$")
_RULE = re.compile(r"^ {0,3}([-*_])(?:\s*\1){2,}\s*$")
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
_FENCE = re.compile(r"^\s*(```|~~~)")
_QUOTE = re.compile(r"^\s*>\s?")
_BR = re.compile(r"<br\s*/?>", re.IGNORECASE)
_TAG = re.compile(r"</?[a-zA-Z][^>]*>")
_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|>~<\"'])")
_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)|!\[[^\]]*\]\[[^\]]*\]")
# Link text may itself hold brackets from escapes, which are protected before this runs.
# Link text may hold one level of brackets: "[[email protected]](…/cdn-cgi/l/email-protection#…)".
_LINK = re.compile(r"\[((?:[^\[\]]|\[[^\[\]]*\])*)\]\(\s*<?([^)\s>]*)>?(?:\s+[\"'(][^)]*[\"')])?\s*\)")
# A link around an image (dropped) that a converter spread over several lines: "[\n\n](url)".
_EMPTY_LINK = re.compile(r"\[\s*\]\(\s*<?[^)\s>]*>?(?:\s+[\"'(][^)]*[\"')])?\s*\)")
_REF_LINK = re.compile(r"\[([^\]]+)\]\[[^\]]*\]")
_REF_DEF = re.compile(r"^ {0,3}\[[^\]]+\]:\s+\S+.*$")
_AUTOLINK = re.compile(r"<((?:https?|mailto):[^>\s]+)>")
_EMPHASIS = re.compile(r"(\*{1,3}|_{1,3})(?=\S)(.+?)(?<=\S)\1(?![\w*])")
_CODE = re.compile(r"`+([^`]*)`+")
# Escaped characters are swapped for private-use characters while the markup is parsed, so
# that "\*" is never taken for emphasis nor "\[" for a link.
_PRIVATE = 0xE000

# A plain-text line is a heading when it is short and does not end like a sentence.
_HEADING_MAX_CHARS = 90
_HEADING_MAX_WORDS = 12
_SENTENCE_END = (".", ",", ";", ":", "!", "…")


def _protect(text: str) -> str:
    return _ESCAPE.sub(lambda m: chr(_PRIVATE + ord(m.group(1))), text) if "\\" in text else text


_RESTORE = {_PRIVATE + code: code for code in range(128)}
_PROTECTED = re.compile("[\ue000-\ue07f]")


def _restore(text: str) -> str:
    return text.translate(_RESTORE) if _PROTECTED.search(text) else text


def _hrefs(text: str) -> list[str]:
    return [m.group(2) for m in _LINK.finditer(_protect(text))]


def _inline(text: str, links: LinkPolicy) -> str:
    # Each pattern runs only when the character it cannot match without is present: most
    # lines of a policy are plain sentences, and a regex pass costs as much as a match.
    if "<" in text:
        text = _BR.sub(" ", text)
    text = _protect(text)
    if "![" in text:
        text = _IMAGE.sub("", text)

    def link(match: re.Match[str]) -> str:
        label, href = _restore(match.group(1)), _restore(match.group(2))
        if is_cloudflare_href(href):
            fragment = href.partition("#")[2]
            return cloudflare_email(fragment) if fragment else CLOUDFLARE_EMAIL_TOKEN
        return links.render(label.strip(), href)

    if "](" in text:
        text = _LINK.sub(link, text)
    if "][" in text:
        text = _REF_LINK.sub(r"\1", text)
    if "<" in text:
        text = _AUTOLINK.sub(lambda m: m.group(1).removeprefix("mailto:"), text)
        text = _TAG.sub(" ", text)
    if "`" in text:
        text = _CODE.sub(r"\1", text)
    if "*" in text or "_" in text:
        for _ in range(3):  # nested emphasis: ***a*** or **_a_**
            text, found = _EMPHASIS.subn(r"\2", text)
            if not found:
                break
    return " ".join(_restore(text).split())


def _table_row(line: str) -> list[str]:
    protected = _protect(line.strip())
    cells = protected.strip("|").split("|")
    return [_restore(c) for c in cells]


def markdown_to_text(markdown: str, links: LinkPolicy | None = None) -> str:
    """Normalized text of a Markdown document."""
    markdown = _EMPTY_LINK.sub("", _IMAGE.sub("", markdown))
    links = links or LinkPolicy.for_document(None, _hrefs(markdown))
    out: list[str] = []
    paragraph: list[str] = []
    item: list[str] | None = None

    def flush() -> None:
        nonlocal item
        if item is not None:
            text = _inline(" ".join(item), links)
            if text:
                out.extend(("- " + text, ""))
            item = None
        if paragraph:
            text = _inline(" ".join(paragraph), links)
            if text:
                out.extend((text, ""))
            paragraph.clear()

    lines = markdown.splitlines()
    in_fence = False
    for index, raw in enumerate(lines):
        if _FENCE.match(raw):
            flush()
            in_fence = not in_fence
            continue
        line = raw if in_fence else _QUOTE.sub("", raw)
        stripped = line.strip()
        following = lines[index + 1] if index + 1 < len(lines) else ""
        if not stripped or _REF_DEF.match(line) or (not in_fence and _RULE.match(line) and not paragraph):
            flush()
            continue
        if in_fence:
            flush()
            out.extend((stripped, ""))
            continue
        if heading := _ATX.match(line):
            flush()
            text = _inline(heading.group(2), links)
            if text:
                out.extend((f"{heading.group(1)} {text}", ""))
            continue
        if paragraph and item is None and _SETEXT.match(line):
            level = "#" if stripped.startswith("=") else "##"
            text = _inline(" ".join(paragraph), links)
            paragraph.clear()
            if text:
                out.extend((f"{level} {text}", ""))
            continue
        if stripped.startswith("|"):
            flush()
            if not _TABLE_RULE.match(stripped):
                out.extend(_table_lines(_table_row(stripped), links))
            continue
        if bullet := _BULLET.match(line):
            flush()
            item = [bullet.group(2)]
            continue
        if item is not None and (line[:1].isspace() or not following.strip()):
            item.append(stripped)  # a lazy continuation line of the list item
            continue
        if item is not None:
            flush()
        paragraph.append(stripped)
        if raw.endswith(("  ", "\\")):
            flush()  # a hard line break: the same as <br> in HTML, a new line of text
    flush()
    return "\n".join(_merge_tables(out))


def _table_lines(cells: list[str], links: LinkPolicy) -> list[str]:
    """A one-column row is page layout: its cell is Markdown of its own, written as blocks."""
    if len(cells) == 1:
        inner = _BR.sub("\n", cells[0])
        return [*markdown_to_text(inner, links).splitlines(), ""]
    texts = [_inline(c, links) for c in cells]
    if not any(texts):
        return []
    return ["| " + " | ".join(texts) + " |", ""]


def _merge_tables(lines: list[str]) -> list[str]:
    """Keep the rows of one table together, without blank lines between them."""
    merged: list[str] = []
    for line in lines:
        if line.startswith("| ") and len(merged) >= 2 and not merged[-1] and merged[-2].startswith("| "):
            merged.pop()
        merged.append(line)
    return merged


def _is_heading_line(line: str) -> bool:
    if len(line) > _HEADING_MAX_CHARS or len(line.split()) > _HEADING_MAX_WORDS:
        return False
    # "Senast uppdaterad: 10/11/2019", "Tel: 08-123 45": labelled values, not titles.
    if line.endswith(_SENTENCE_END) or ":" in line or not any(c.isalpha() for c in line):
        return False
    first = next(c for c in line if c.isalpha())
    return first.isupper()


def plain_text_to_text(text: str) -> str:
    """Normalized text of a plain-text policy.

    Every line is a paragraph of its own: exported policies put one paragraph per line,
    often without blank lines between them. A short line that does not end like a sentence
    is a heading (``#`` for the first line of the document, ``##`` after it); a line
    starting with a bullet or a number followed by a sentence is a list item.
    """
    out: list[str] = []
    for number, raw in enumerate(line for line in text.splitlines() if line.strip()):
        line = " ".join(raw.split())
        bullet = _BULLET.match(line)
        if bullet and not _is_heading_line(line):
            out.extend(("- " + bullet.group(2), ""))
        elif _is_heading_line(line):
            out.extend((("# " if number == 0 else "## ") + line, ""))
        else:
            out.extend((line, ""))
    return "\n".join(out)
