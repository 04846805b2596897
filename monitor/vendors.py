"""The registry of known third parties, loaded from ``monitor/knowledge/vendors.toml``.

The classify step asks it which vendors a sentence names (``find``), what party a name or a
domain belongs to (``by_name``, ``by_domain``), and compares party names with
``canonical_party_name`` so that "Klarna Bank AB" and "Klarna Bank" are one party.

Matching rules, decided here once:

- Names are matched case-insensitively, with Unicode word boundaries (Cyrillic included).
  Vendors marked ``ambiguous`` ("Rule", "Square", "Bring") are matched only in their exact
  case, so "we will bring your order" names nobody.
- A legal form may follow a name ("Stripe, Inc.", "Klarna Bank AB (publ)"); it is part of
  the match. Possessives are recognized: "Klarna's", "Klarna:s", and the bare genitive "s"
  ("Klarnas", "Googles") but only when the name starts with a capital letter as written,
  so the English word "stripes" is not Stripe while the Swedish "Stripes villkor" is.
- A name glued to other letters ("PayPalkonto") is not a match, a hyphenated compound
  ("PayPal-konto") is. Nothing inside an e-mail address is a match: an address names a
  mailbox, usually the shop's own, not a recipient of data.
- A legal form counts only in the case it is written in ``legal_forms.toml``.
- Domains (``klarna.com``, ``https://www.klarna.se/...``) map to their vendor; the first
  label of someone else's host (``klarna.example.com``) is not a mention.
- Mentions never overlap: the leftmost wins, then the longest ("Google Analytics" rather
  than "Google"); an ``exclude`` phrase ("Times Square") hides the name inside it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from monitor import hosts, vendor_names
from monitor.errors import KnowledgeError
from monitor.hosts import host_spans, lower_same_length, registrable_label
from monitor.knowledge_cache import load_cached
from monitor.knowledge_files import knowledge_path, read_knowledge
from monitor.vendor_names import NameHit, NameIndex

ROLES = frozenset(
    {
        "payment", "bnpl", "platform", "carrier", "email_marketing", "sms", "analytics",
        "advertising", "hosting", "cdn", "support", "chat", "reviews", "consent", "credit_check",
        "debt_collection", "fraud", "identity", "accounting", "social", "marketplace", "search",
        "maps", "affiliate", "price_comparison", "bank", "insurance", "ai", "browser", "other",
    }
)  # fmt: skip

_FIELDS = {"name", "role", "aliases", "domains", "formerly", "processor", "ambiguous", "exclude"}
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PUNCTUATION = re.compile(r"[^\w\s]+")


@dataclass(frozen=True)
class Vendor:
    """One third party: its display name, role and every way a policy may write it."""

    key: str
    name: str
    role: str
    aliases: tuple[str, ...]
    domains: tuple[str, ...]
    formerly: tuple[str, ...]
    processor: bool
    ambiguous: bool

    @property
    def spellings(self) -> tuple[str, ...]:
        """The name, the aliases and the former names."""
        return (self.name, *self.aliases, *self.formerly)


@dataclass(frozen=True)
class VendorMatch:
    """A mention of a vendor in a text; ``surface`` is ``text[start:end]``."""

    vendor: Vendor
    surface: str
    start: int
    end: int


@dataclass(frozen=True)
class _Naming:
    """How party names are written around the name itself (from ``legal_forms.toml``)."""

    suffixes: tuple[str, ...]
    prefixes: tuple[str, ...]
    possessives: tuple[str, ...]
    second_level: frozenset[str]
    label_tlds: frozenset[str]


def _strings(file: str, key: str, value: object) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise KnowledgeError(f"{file}: {key}: expected a list of non-empty strings")
    return tuple(" ".join(v.split()) for v in value)


@lru_cache(maxsize=1)
def _naming() -> _Naming:
    file, data = read_knowledge("legal_forms.toml")
    domains = data.get("domains", {})
    if not isinstance(domains, dict):
        raise KnowledgeError(f"{file}: domains: expected a table")

    def strings(table: dict[str, Any], key: str, label: str) -> tuple[str, ...]:
        return _strings(file, label, table.get(key))

    def lowered(key: str) -> frozenset[str]:
        return frozenset(s.lower() for s in strings(domains, key, f"domains.{key}"))

    return _Naming(
        suffixes=_longest_first(strings(data, "suffixes", "suffixes")),
        prefixes=_longest_first(strings(data, "prefixes", "prefixes")),
        possessives=_longest_first(strings(data, "possessives", "possessives")),
        second_level=lowered("second_level"),
        label_tlds=lowered("label_tlds"),
    )


def _longest_first(forms: tuple[str, ...]) -> tuple[str, ...]:
    # In an alternation the first branch that fits wins: "GmbH & Co. KG" must come before "GmbH".
    return tuple(sorted(set(forms), key=len, reverse=True))


@lru_cache(maxsize=1)
def _legal_form_pattern() -> tuple[re.Pattern[str], re.Pattern[str]]:
    naming = _naming()
    # A legal form counts only as a whole word: "Visma Spcs" keeps its "Spcs".
    suffix = "|".join(re.escape(f) for f in naming.suffixes)
    prefix = "|".join(re.escape(f) for f in naming.prefixes)
    return (
        re.compile(rf"(?:[\s,]+(?:{suffix})(?![\w]))+\s*$", re.IGNORECASE),
        re.compile(rf"^\s*(?:{prefix})(?!\w)", re.IGNORECASE),
    )


@lru_cache(maxsize=16384)
def canonical_party_name(name: str) -> str:
    """The comparable form of a party name: legal forms, punctuation and case removed.

    ``canonical_party_name("Klarna Bank AB (publ)") == canonical_party_name("klarna bank")``.
    """
    trailing, leading = _legal_form_pattern()
    text = " ".join(name.split())
    stripped = leading.sub("", trailing.sub("", text))
    # A name that is nothing but a legal form ("AS") stays itself.
    text = stripped if _PUNCTUATION.sub(" ", stripped).strip() else text
    return " ".join(_PUNCTUATION.sub(" ", text).casefold().split())


@dataclass(frozen=True)
class _Spelling:
    """What a lower-cased spelling in the matcher stands for."""

    vendor: Vendor | None  # None: an excluded phrase ("Times Square") that hides its name
    exact: frozenset[str] | None  # the only spellings accepted, for ambiguous vendors


class VendorRegistry:
    """Finds and looks up the vendors of ``vendors.toml``."""

    def __init__(self, vendors: Iterable[Vendor], excluded: Iterable[tuple[str, bool]] = ()):
        naming = _naming()
        self._vendors = tuple(vendors)
        self._second_level = naming.second_level
        self._label_tlds = naming.label_tlds
        forms = "|".join(re.escape(form) for form in naming.suffixes)
        # One or more legal forms as written ("AB (publ)", "S.à r.l. et Cie, S.C.A.").
        self._legal_run = re.compile(rf"(?:,?\s+(?:{forms}))+")
        self._by_name: dict[str, Vendor] = {}
        self._by_domain: dict[str, Vendor] = {}
        cases: dict[str, tuple[Vendor | None, set[str] | None]] = {}
        labels: dict[str, set[Vendor]] = {}
        for vendor in self._vendors:
            for spelling in self._matched_spellings(vendor):
                cased: set[str] | None = set() if vendor.ambiguous else None
                entry = cases.setdefault(spelling.lower(), (vendor, cased))
                if entry[1] is not None:
                    entry[1].add(spelling)
            for spelling in vendor.spellings:
                self._by_name.setdefault(canonical_party_name(spelling), vendor)
            for domain in vendor.domains:
                self._by_domain[domain] = vendor
                label, _ = registrable_label(domain, self._second_level)
                if not vendor.ambiguous and len(label) >= 4:
                    labels.setdefault(label, set()).add(vendor)
        for phrase, in_case in excluded:
            cases.setdefault(phrase.lower(), (None, {phrase} if in_case else None))
        self._spellings = {
            key: _Spelling(vendor, None if cased is None else frozenset(cased))
            for key, (vendor, cased) in cases.items()
        }
        # A label registered by two vendors ("google") says nothing on its own.
        self._by_label = {label: next(iter(vs)) for label, vs in labels.items() if len(vs) == 1}
        # Names are looked up word by word, then compared as plain strings (monitor.vendor_names);
        # the case that matters (ambiguous names, legal forms, "Stripes") is checked here.
        self._names = NameIndex(self._spellings, naming.suffixes, naming.possessives)

    def _matched_spellings(self, vendor: Vendor) -> list[str]:
        # "Klarna AB" is "Klarna" followed by a legal form, and is matched that way, so that
        # the legal form's case is checked: "Klarna ab initio" mentions Klarna, not Klarna AB.
        spellings = {spelling.lower() for spelling in vendor.spellings}
        matched = []
        for spelling in vendor.spellings:
            bare = self._legal_run.sub("", spelling)
            matched.append(bare if bare.lower() in spellings else spelling)
        return matched

    def __len__(self) -> int:
        return len(self._vendors)

    def __iter__(self) -> Iterator[Vendor]:
        return iter(self._vendors)

    def by_name(self, name: str) -> Vendor | None:
        """The vendor one of whose spellings is ``name`` (any case, legal form ignored)."""
        return self._by_name.get(canonical_party_name(name))

    def by_domain(self, host: str) -> Vendor | None:
        """The vendor owning ``host`` (a host name or a URL), or one of its subdomains.

        A host whose registered label belongs to one vendor only maps to it under another
        country or generic TLD too: ``klarna.se`` is Klarna although the file says
        ``klarna.com``.
        """
        if "/" in host:
            host = urlsplit(host if "//" in host else f"//{host}").hostname or ""
        host = host.lower().strip(".").split(":")[0]
        labels = host.split(".")
        for index in range(len(labels) - 1):
            vendor = self._by_domain.get(".".join(labels[index:]))
            if vendor is not None:
                return vendor
        if self._is_host(host):
            return self._by_label.get(registrable_label(host, self._second_level)[0])
        return None

    def _is_host(self, host: str) -> bool:
        tld = registrable_label(host, self._second_level)[1]
        return tld in self._label_tlds or tld in self._second_level

    def find(self, text: str) -> list[VendorMatch]:
        """Every vendor mention in ``text`` in order: leftmost first, then the longest."""
        lowered = lower_same_length(text)
        candidates: list[tuple[int, int, Vendor | None]] = []
        foreign: list[tuple[int, int]] = []  # hosts of nobody we know, up to their first dot
        for start, end in host_spans(lowered):
            vendor = self.by_domain(lowered[start:end])
            if vendor is not None:
                candidates.append((start, end, vendor))
            elif self._is_host(lowered[start:end]):
                foreign.append((start, end))
        # A spelling rejected for its case ("an Post" in German) must not hide a name that
        # starts inside it ("Post & Paket"): the search goes on from the next word.
        for match in self._names.matches(lowered, lambda hit: self._rejected(text, hit)):
            start, end = match.start, self._end(text, match)
            # Inside someone else's host only a name spelled with its dot counts ("Real.de"),
            # not a label of it ("klarna.example.com", "mail.klarna.example.com").
            dotted = "." in match.key
            if any(
                start < f_end and f_start < end and (start != f_start or not dotted)
                for f_start, f_end in foreign
            ):
                continue
            entry = self._entry(text, match)
            if entry is not None:
                candidates.append((start, end, entry.vendor))
        emails = [m.span() for m in _EMAIL.finditer(text)] if "@" in text else []
        found: list[VendorMatch] = []
        reached = 0
        for start, end, vendor in sorted(candidates, key=lambda c: (c[0], c[0] - c[1])):
            if start < reached:
                continue
            reached = end
            # An excluded phrase (vendor None) takes its place and names nobody.
            if vendor is not None and not any(s <= start and end <= e for s, e in emails):
                found.append(VendorMatch(vendor, text[start:end], start, end))
        return found

    def _rejected(self, text: str, match: NameHit) -> bool:
        entry = self._spellings.get(match.key)
        return entry is not None and entry.exact is not None and self._entry(text, match) is None

    def _entry(self, text: str, match: NameHit) -> _Spelling | None:
        """What a name match stands for, or None when its case says it is an ordinary word."""
        entry = self._spellings.get(match.key)
        written = text[match.start : match.name_end]
        if entry is None:
            return None
        if entry.exact is not None and " ".join(written.split()) not in entry.exact:
            return None  # "we bring", "Bring"
        if match.possessive.isalpha() and (match.legal or not written[0].isupper()):
            return None  # "stripes" is a word, not Stripe's
        return entry

    def _end(self, text: str, match: NameHit) -> int:
        """Where the mention ends: a legal form in another case is not one ("Klarna ab")."""
        if match.legal and not self._legal_run.fullmatch(text, *match.legal):
            return match.name_end
        return match.end


def _vendor(file: str, key: str, table: object) -> tuple[Vendor, tuple[str, ...]]:
    if not isinstance(table, dict):
        raise KnowledgeError(f"{file}: {key}: expected a table")
    unknown = set(table) - _FIELDS
    if unknown:
        raise KnowledgeError(f"{file}: {key}.{min(unknown)}: unknown field")
    name = table.get("name")
    if not isinstance(name, str) or not name.strip():
        raise KnowledgeError(f"{file}: {key}.name: expected a non-empty string")
    role = table.get("role")
    if role not in ROLES:
        roles = ", ".join(sorted(ROLES))
        raise KnowledgeError(f"{file}: {key}.role: {role!r} is not one of {roles}")
    flags = {}
    for flag, default in (("processor", True), ("ambiguous", False)):
        flags[flag] = table.get(flag, default)
        if not isinstance(flags[flag], bool):
            raise KnowledgeError(f"{file}: {key}.{flag}: expected true or false")
    lists = {
        field: _strings(file, f"{key}.{field}", table.get(field, []))
        for field in ("aliases", "domains", "formerly", "exclude")
    }
    for domain in lists["domains"]:
        if domain != domain.lower() or "/" in domain or "." not in domain:
            raise KnowledgeError(f"{file}: {key}.domains: {domain!r} is not a lower-case host")
    vendor = Vendor(
        key=key,
        name=" ".join(name.split()),
        role=role,
        aliases=lists["aliases"],
        domains=lists["domains"],
        formerly=lists["formerly"],
        processor=flags["processor"],
        ambiguous=flags["ambiguous"],
    )
    return vendor, lists["exclude"]


def parse_vendors(file: str, data: dict[str, Any]) -> VendorRegistry:
    """Validate the tables of a vendors file into a registry; ``file`` names it in errors.

    Two vendors may not share a spelling or a domain: a name must say which party it is.
    """
    vendors: list[Vendor] = []
    excluded: list[tuple[str, bool]] = []
    owners: dict[str, str] = {}
    domains: dict[str, str] = {}
    for key, table in data.items():
        vendor, exclude = _vendor(file, key, table)
        for spelling in vendor.spellings:
            canonical = canonical_party_name(spelling)
            if not canonical:
                raise KnowledgeError(f"{file}: {key}: {spelling!r} is only a legal form")
            if (owner := owners.setdefault(canonical, key)) != key:
                raise KnowledgeError(f"{file}: {key}: {spelling!r} is also a name of {owner}")
        for domain in vendor.domains:
            if (owner := domains.setdefault(domain, key)) != key:
                raise KnowledgeError(f"{file}: {key}.domains: {domain!r} is also of {owner}")
        vendors.append(vendor)
        excluded.extend((phrase, vendor.ambiguous) for phrase in exclude)
    return VendorRegistry(vendors, excluded)


@lru_cache(maxsize=1)
def load_vendors() -> VendorRegistry:
    """The registry of ``monitor/knowledge/vendors.toml``, loaded and validated once."""
    code = [Path(module).read_bytes() for module in (__file__, vendor_names.__file__, hosts.__file__)]
    sources = code + [knowledge_path(name).read_bytes() for name in ("vendors.toml", "legal_forms.toml")]
    return load_cached("vendors", sources, lambda: parse_vendors(*read_knowledge("vendors.toml")))
