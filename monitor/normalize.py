"""Normalize a snapshot (HTML, Markdown or plain text bytes) into a ``Document``.

Takes the raw bytes the crawler stored plus the shop's ``select``/``remove`` rules and hands
the version step clean Markdown-like text (format in ``monitor.segment``), its language and
title. ``text_hash`` decides whether that text changed.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from monitor.errors import NormalizeError
from monitor.extract import (
    main_content,
    remove_elements,
    select_elements,
    strip_chrome,
    text_of,
)
from monitor.language import detect_language
from monitor.normalize_charset import decode_body
from monitor.normalize_html import link_targets, render_elements
from monitor.normalize_links import LinkPolicy
from monitor.normalize_text import markdown_to_text, plain_text_to_text

# Bump whenever the same input can give different text: versions made by an older
# normalizer are then re-made as technical upgrades, never notified as changes.
NORMALIZER_VERSION = "2"

# Soft hyphens and zero-width characters are invisible on the page; editors insert and
# remove them without changing a word.
_INVISIBLE = "\u00ad\u200b\u2060\ufeff\u180e"
# Every white-space character but the space and the line feed (what ``str.isspace`` holds
# true for); ``str.split`` and ``str.splitlines`` break on them.
_OTHER_SPACES = "\t\v\f\r\x1c\x1d\x1e\x1f\x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*>", re.IGNORECASE)
_HTML_SNIFF = re.compile(rb"<\s*(!doctype\s+html|html|head|body|p|div|meta)\b", re.IGNORECASE)
_MARKDOWN_SNIFF = re.compile(r"^(#{1,6}\s|\s*[*-]\s|\|.*\|\s*$)|\]\(", re.MULTILINE)
_MARKDOWN_SUFFIXES = frozenset({".md", ".markdown"})
_HTML_SUFFIXES = frozenset({".html", ".htm", ".xhtml"})


@dataclass(frozen=True)
class Document:
    """The normalized text of one snapshot, with its language, title and ``text_hash``."""

    text: str
    language: str | None
    title: str | None
    # ``text_hash(text)``: computed here when not given (``normalize`` gives it).
    text_hash: str = ""

    def __post_init__(self) -> None:
        if not self.text_hash:
            object.__setattr__(self, "text_hash", text_hash(self.text))


def text_hash(text: str) -> str:
    """SHA-256 of the text with all runs of white space made one space."""
    return _hash_collapsed(" ".join(text.split()))


def _hash_collapsed(collapsed: str) -> str:
    return hashlib.sha256(collapsed.encode("utf-8")).hexdigest()


def _has_other_spaces(text: str) -> bool:
    """Whether ``text`` holds white space other than the space and the line feed."""
    spaces = _OTHER_SPACES[:8] if text.isascii() else _OTHER_SPACES
    return any(space in text for space in spaces)


def _clean_lines(text: str) -> list[str]:
    """The lines of the normalized text: NFC, plain spaces, no invisible characters, one blank
    line between blocks.

    Every line has its words one space apart and no space at either end, so joining the
    lines that are not blank with one space gives the text with its white space collapsed.
    """
    # Every line has its white space collapsed below (no-break, ideographic and other wide
    # spaces included); only \v and \f would also break a line, so only they become spaces.
    text = unicodedata.normalize("NFC", text).replace("\v", " ").replace("\f", " ")
    if not text.isascii():
        for invisible in _INVISIBLE:
            text = text.replace(invisible, "")
    # The writers of normalized text mostly give lines with words one space apart and none
    # at either end; those are kept as they are rather than split and joined again.
    spaced = _has_other_spaces(text)
    lines: list[str] = []
    for line in text.splitlines():
        if spaced or "  " in line or line.startswith(" ") or line.endswith(" "):
            line = " ".join(line.split())
        if line in ("-", "#") or (line.startswith("#") and not line.lstrip("#").strip()):
            continue
        if line or (lines and lines[-1]):
            lines.append(line)
    while lines and not lines[-1]:
        lines.pop()
    # Items of a list and rows of a table stay together, as in Markdown.
    lines = [
        line for i, line in enumerate(lines)
        if line or not (0 < i < len(lines) - 1 and lines[i - 1][:2] == lines[i + 1][:2] and lines[i + 1][:2] in ("- ", "| "))
    ]
    return lines


def _kind(content_type: str | None, body: bytes) -> str:
    mime = (content_type or "").split(";")[0].strip().lower()
    if mime in ("text/markdown", "text/x-markdown"):
        return "markdown"
    if mime == "text/plain":
        # Some servers label every file text/plain; a page that starts as HTML is HTML.
        return "html" if re.match(rb"\s*<(!doctype html|html)", body[:512], re.IGNORECASE) else "text"
    if mime in ("text/html", "application/xhtml+xml") or _HTML_SNIFF.search(body[:4096]):
        return "html"
    return "sniff"


def _first_heading(text: str) -> str | None:
    for line in text.splitlines():
        if line.startswith("#"):
            return line.lstrip("#").strip() or None
    return None


def _parser() -> etree.HTMLParser:
    # A parser per call: lxml parsers are not safe to share between threads.
    return etree.HTMLParser(remove_comments=True, remove_pis=True, no_network=True)


def _normalize_html(
    markup: str, url: str | None, select: Sequence[str], remove: Sequence[str]
) -> tuple[str, str | None, str | None]:
    where = url or "<document>"
    try:
        root = etree.fromstring(_XML_DECLARATION.sub("", markup), _parser())
    except (etree.ParserError, ValueError) as exc:
        raise NormalizeError(f"{where}: not a usable HTML document: {exc}") from exc
    if root is None:
        raise NormalizeError(f"{where}: no text left after normalization")
    page_title = root.findtext(".//title")
    declared = (root.get("lang") or "").split("-")[0].lower() or None
    links = LinkPolicy.for_document(url, [] if url else link_targets(root))
    if remove:
        remove_elements(root, remove, where)
    if select:
        kept = select_elements(root, select, where)
        strip_chrome(root, keep=kept)
        elements = [e for e in kept if e.getroottree().getroot() is root]
    else:
        strip_chrome(root)
        elements = main_content(root)
    text = render_elements(elements, links)
    title = next((" ".join(text_of(h).split()) for e in elements for h in e.iter("h1")), None)
    if not title and page_title:
        title = " ".join(page_title.split()) or None
    return text, title, declared


def normalize(
    body: bytes,
    *,
    content_type: str | None = None,
    url: str | None = None,
    select: Sequence[str] = (),
    remove: Sequence[str] = (),
    language: str | None = None,
) -> Document:
    """Normalize a snapshot's bytes into a ``Document``.

    ``content_type`` is the HTTP header as received (its charset is a hint, not a fact).
    ``select``/``remove`` are the shop's CSS selectors; without ``select`` the main content
    is found by structure and text density. ``language`` overrides detection.
    Raises ``NormalizeError`` when ``select`` matches nothing or no text is left.
    """
    where = url or "<document>"
    decoded = decode_body(body, content_type)
    kind = _kind(content_type, body)
    if kind == "sniff":
        kind = "markdown" if _MARKDOWN_SNIFF.search(decoded) else "text"
    declared: str | None = None
    if kind == "html":
        raw, title, declared = _normalize_html(decoded, url, select, remove)
    elif kind == "markdown":
        raw = markdown_to_text(decoded, LinkPolicy.for_document(url, []) if url else None)
        title = None
    else:
        raw = plain_text_to_text(decoded)
        title = None
    lines = _clean_lines(raw)
    if not lines:
        raise NormalizeError(f"{where}: no text left after normalization")
    text = "\n".join(lines) + "\n"
    title = title or _first_heading(text)
    return Document(
        text=text,
        language=language or detect_language(text) or declared,
        title=title,
        # The same as text_hash(text), without splitting the whole text into words again.
        text_hash=_hash_collapsed(" ".join(filter(None, lines))),
    )


def normalize_file(path: Path, *, language: str | None = None) -> Document:
    """Normalize a local file, its kind taken from the suffix (sniffed when unknown)."""
    try:
        body = path.read_bytes()
    except OSError as exc:
        raise NormalizeError(f"{path}: cannot read: {exc.strerror}") from exc
    suffix = path.suffix.lower()
    content_type = (
        "text/html" if suffix in _HTML_SUFFIXES
        else "text/markdown" if suffix in _MARKDOWN_SUFFIXES
        else "text/plain" if suffix == ".txt"
        else None
    )
    return normalize(body, content_type=content_type, url=None, language=language)
