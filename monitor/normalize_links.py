"""Decide how a link appears in normalized text, for HTML and Markdown input alike.

A link keeps only its text, unless it points to another site than the document's own (the
privacy policy of a payment provider, say): then its target is kept without query string or
fragment, which carry session ids and tracking parameters that change on every fetch.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit, urlunsplit

CLOUDFLARE_EMAIL_TOKEN = "[email protected]"
_CLOUDFLARE_PATH = "/cdn-cgi/l/email-protection"
# Second-level labels under which registries sell names ("shop.co.uk"), so that the site is
# the last three labels there. A full public-suffix list would need a dependency.
_SECOND_LEVEL = frozenset({"co", "com", "org", "net", "ac", "gov", "edu", "or", "ne", "in", "kiev", "kyiv"})


def site_of(host: str | None) -> str | None:
    """The registrable part of a host name: ``www.shop.co.uk`` → ``shop.co.uk``."""
    if not host:
        return None
    labels = host.lower().rstrip(".").split(".")
    if len(labels) >= 3 and labels[-2] in _SECOND_LEVEL and len(labels[-1]) == 2:
        return ".".join(labels[-3:])
    return ".".join(labels[-2:])


def _absolute(href: str, base_url: str | None) -> str | None:
    """The target of a link leaving the page's host, else None (relative, mailto:, tel:)."""
    href = href.strip()
    if href.startswith("//") and base_url:
        href = urljoin(base_url, href)
    elif "://" not in href[:12]:
        return None  # relative, "#", "mailto:", "javascript:": never another site
    parts = urlsplit(href)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return href


@dataclass(frozen=True)
class LinkPolicy:
    """Which links keep their target: those leaving ``own_site`` (all when it is unknown)."""

    own_site: str | None
    base_url: str | None = None

    @classmethod
    def for_document(cls, url: str | None, hrefs: Iterable[str]) -> LinkPolicy:
        """The page's own site from its URL, or else the site most of its links point to.

        Without a URL (a local file, a Markdown capture) the most common site among the
        document's links is taken as its own when it is linked at least twice and more
        often than any other; with no such site every outside target is kept.
        """
        if url:
            return cls(site_of(urlsplit(url).hostname), url)
        sites = Counter(site_of(urlsplit(a).hostname) for h in hrefs if (a := _absolute(h, None)))
        ranked = sites.most_common(2)
        if ranked and ranked[0][1] >= 2 and (len(ranked) == 1 or ranked[0][1] > ranked[1][1]):
            return cls(ranked[0][0])
        return cls(None)

    def render(self, label: str, href: str) -> str:
        """The text a link with this label and target becomes."""
        target = _absolute(href, self.base_url)
        if not label or target is None:
            return label
        parts = urlsplit(target)
        site = site_of(parts.hostname)
        if self.own_site is not None and site == self.own_site:
            return label
        clean = urlunsplit((parts.scheme, parts.netloc.lower(), parts.path, "", ""))
        if label.startswith(("http://", "https://", "www.")):
            return clean
        return f"[{label}]({clean})"


def is_cloudflare_href(href: str) -> bool:
    """Whether a link is Cloudflare's placeholder for an obfuscated e-mail address."""
    return _CLOUDFLARE_PATH in href


def cloudflare_email(encoded: str) -> str:
    """Decode Cloudflare's ``data-cfemail`` hex (XOR with its first byte), else a token."""
    try:
        data = bytes.fromhex(encoded.strip())
    except ValueError:
        return CLOUDFLARE_EMAIL_TOKEN
    if len(data) < 2:
        return CLOUDFLARE_EMAIL_TOKEN
    key = data[0]
    try:
        address = bytes(b ^ key for b in data[1:]).decode("utf-8")
    except UnicodeDecodeError:
        return CLOUDFLARE_EMAIL_TOKEN
    return address if "@" in address and address.isprintable() else CLOUDFLARE_EMAIL_TOKEN
