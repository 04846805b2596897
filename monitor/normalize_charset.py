"""Decode a snapshot's raw bytes into text before normalization.

Order of trust: a byte-order mark, then the HTTP header's charset, then the document's own
``<meta>`` declaration, then detection. A declaration is only believed when the bytes agree.
"""

from __future__ import annotations

import codecs

from w3lib.encoding import (
    html_body_declared_encoding,
    http_content_type_encoding,
    read_bom,
    resolve_encoding,
)

# Single-byte Western charsets decode any byte string, so they are never proof of anything:
# servers send them as a default while the page is really UTF-8 or windows-1251.
_WESTERN = frozenset({"cp1252", "latin_1", "iso8859_1", "iso8859_15", "ascii"})
# Share of high bytes among letters above which a non-UTF-8 page is Cyrillic: Western text
# has a few accented letters per word, Cyrillic text in windows-1251 is almost all high bytes.
_CYRILLIC_SHARE = 0.4


def _canonical(encoding: str | None) -> str | None:
    if not encoding:
        return None
    resolved = resolve_encoding(encoding)
    if resolved is None:
        return None
    return codecs.lookup(resolved).name.replace("-", "_")


def _is_utf8(body: bytes) -> bool:
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


_HIGH = bytes(range(0xC0, 0x100))
_ASCII_LETTERS = bytes(range(0x41, 0x5B)) + bytes(range(0x61, 0x7B))


def _looks_cyrillic(body: bytes) -> bool:
    # Counted by deleting the bytes in C: a loop over every byte in Python costs milliseconds.
    high = len(body) - len(body.translate(None, _HIGH))
    ascii_letters = len(body) - len(body.translate(None, _ASCII_LETTERS))
    # Markup is ASCII letters too; only the text between tags should count, but a page in
    # Cyrillic has so many high bytes that a rough share over the whole body is enough.
    return high > 20 and high / (high + ascii_letters / 3) > _CYRILLIC_SHARE


def _detect(body: bytes) -> str:
    if _is_utf8(body):
        return "utf_8"
    return "cp1251" if _looks_cyrillic(body) else "cp1252"


def _believable(encoding: str, body: bytes) -> bool:
    if encoding in _WESTERN:
        # Valid multi-byte UTF-8 is almost never produced by accident.
        if not body.isascii() and _is_utf8(body):
            return False
        return not _looks_cyrillic(body)
    try:
        codecs.decode(body, encoding)
    except (UnicodeDecodeError, LookupError):
        return False
    return True


def detect_encoding(body: bytes, content_type: str | None = None) -> str:
    """Return the Python codec name the body should be decoded with."""
    bom_encoding, _ = read_bom(body)
    if bom_encoding:
        return _canonical(bom_encoding) or "utf_8"
    declared = [
        _canonical(http_content_type_encoding(content_type) if content_type else None),
        _canonical(html_body_declared_encoding(body)),
    ]
    for encoding in declared:
        if encoding and _believable(encoding, body):
            return encoding
    return _detect(body)


def decode_body(body: bytes, content_type: str | None = None) -> str:
    """Decode raw bytes to text, never failing: undecodable bytes become U+FFFD."""
    encoding = detect_encoding(body, content_type)
    _, bom = read_bom(body)
    if bom:
        body = body[len(bom) :]
    return body.decode(encoding, errors="replace")
