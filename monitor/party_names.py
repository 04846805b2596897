"""How parties are written: which registry spelling a mention shows, what is no party.

Used by ``monitor.facts`` when it extracts processors and recipients; the data comes from
the vendor registry and ``legal_forms.toml``.
"""

from __future__ import annotations

import re
from functools import lru_cache

from monitor.knowledge_files import read_knowledge
from monitor.vendors import Vendor, VendorMatch, canonical_party_name

HOST = re.compile(r"(?:https?://)?(?:[\w-]+\.)+[a-z]{2,24}(?:/\S*)?", re.IGNORECASE)
_POSSESSIVE = re.compile(r"(?:['’:]s|['’])$")


# Party names repeat across sentences and versions; comparing them is the hot path.
cached_canonical = lru_cache(maxsize=8192)(canonical_party_name)


def generic_word(match: VendorMatch) -> bool:
    # "(e-mail, SMS, whatsapp)": a brand written all in lower case names a channel, not a party.
    surface = match.surface
    return surface.islower() and not HOST.fullmatch(surface) and any(c.isupper() for c in match.vendor.name)


def link_of_named(match: VendorMatch, matches: list[VendorMatch]) -> bool:
    # "Opt out of BlueKai at https://optout.oracle.com/": an address after a named party is
    # where that party's page lives, not one more party (the host's owner).
    return bool(HOST.fullmatch(match.surface)) and any(
        other.end <= match.start and other.vendor != match.vendor and not HOST.fullmatch(other.surface)
        for other in matches
    )


def display_name(match: VendorMatch) -> str:
    """The registry spelling the text used: "Hermes Germany GmbH" is Hermes, "Meta Pixel" stays."""
    return _spelling(match.vendor, _POSSESSIVE.sub("", " ".join(match.surface.split())))


@lru_cache(maxsize=4096)
def _spelling(vendor: Vendor, surface: str) -> str:
    canonical = cached_canonical(surface)
    if HOST.fullmatch(surface) or len(canonical.split()) < len(re.findall(r"\w+", surface)):
        # A domain, or a company written with its legal form ("Hermes Germany GmbH",
        # "Google Ireland Limited"): the party is the brand.
        return vendor.name
    best: tuple[int, int, str] | None = None
    for spelling in vendor.spellings:
        folded = cached_canonical(spelling)
        if folded and (canonical == folded or canonical.startswith(folded + " ")):
            # The most specific spelling ("Meta Pixel" over "Meta"), written the shortest way.
            rank = (-len(folded), len(spelling), spelling)
            if best is None or rank < best:
                best = rank
    return best[2] if best else surface


@lru_cache(maxsize=1)
def legal_org_pattern() -> re.Pattern[str]:
    # Names not in the registry are recognized by their legal form ("Oderland Webbhotell AB",
    # "The Meet Group, Inc.", "ТОВ «Лавандова майстерня»"); the forms come from the registry's data.
    _, forms = read_knowledge("legal_forms.toml")
    suffix = "|".join(re.escape(f) for f in sorted(forms.get("suffixes", []), key=len, reverse=True))
    prefix = "|".join(re.escape(f) for f in sorted(forms.get("prefixes", []), key=len, reverse=True))
    # "and" is no connector: "Badoo and The Meet Group, Inc." names two parties.
    word = r"(?:[A-ZÀ-ÖØ-ÞÅÄÖ][\w&'’.-]*|&|of|de|du|la|von)"
    return re.compile(
        rf"(?<![\w])(?:{word}\s){{0,3}}[A-ZÀ-ÖØ-ÞÅÄÖ][\w&'’.-]*,?\s(?-i:{suffix})(?![\w])"
        rf"|(?-i:{prefix})\s*[«\"„“]?[А-ЯІЇЄҐA-Z][^»\"”,;.]{{1,60}}[»\"”]?"
    )
