"""Review a normalized document before it becomes a version: hold wrong pages and flaps.

Sits between normalize and the version step (``monitor.process``): takes the ``Document``,
the shop's stored history and the fetch's URLs, and hands back a ``Verdict`` whose
``decision`` is recorded on the check.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from rapidfuzz import fuzz

from monitor.config import CrawlConfig
from monitor.decisions import FLAP, HELD_PREFIX, NEW_VERSION, RETURNED, STRUCTURAL
from monitor.guard_page import score_page
from monitor.language import detect_language
from monitor.normalize import Document
from monitor.segment import segment
from storage.records import SettledCheck, StoredVersion

# Checks without a usable text neither continue nor break a run of held checks.
_NO_TEXT = frozenset({"failed", "unusable"})
# Comparing with the whole history costs a fuzzy ratio per version; flaps alternate between
# recent variants, so the newest earlier versions suffice.
_EARLIER_COMPARED = 20
# Share of equal lines (0-100) below which two texts are not compared character by character.
_LINE_PREFILTER = 50.0
# A path that is a site's home: "/", "/index.html", or a language home such as "/en/".
_HOME_PATH = re.compile(r"^/?(?:[a-z]{2}(?:[-_][a-z]{2})?/?)?(?:index\.\w+)?$", re.IGNORECASE)


@dataclass(frozen=True)
class GuardSettings:
    """Thresholds of the guard (``stable_checks``/``structural_checks`` are config keys)."""

    # A text equal to an earlier version is accepted once seen on this many checks in a row.
    stable_checks: int = 2
    # A wrong-looking page is accepted (as structural) once seen on this many checks in a row.
    structural_checks: int = 3
    # rapidfuzz ratio (0-100) from which a text counts as an earlier version again.
    flap_similarity: float = 98.0
    # Held when the text keeps less than this share of the latest version's size or sentences.
    collapse_ratio: float = 0.5
    # Shorter latest versions are too small for a size comparison to mean anything.
    collapse_min_chars: int = 400
    # Fewer distinct policy stems than this: not a policy.
    min_policy_terms: int = 4
    # A page that also reads like a login wall, shop page, ... needs this many stems.
    strong_policy_terms: int = 8


@dataclass(frozen=True)
class ShopHistory:
    """What the guard needs to know of a shop: its versions and its last processed checks."""

    versions: Sequence[StoredVersion] = ()  # oldest first; the last one is the latest
    recent: Sequence[SettledCheck] = ()  # processed checks, newest first

    @property
    def latest(self) -> StoredVersion | None:
        return self.versions[-1] if self.versions else None


@dataclass(frozen=True)
class Verdict:
    """Whether a document may become a version, and why it was held (or how it was accepted)."""

    accept: bool
    reason: str | None = None  # language, not_policy, collapsed, moved, flap
    structural: bool = False
    # The text returns to an earlier version; ``repeat``: by a transition already recorded.
    returning: bool = False
    repeat: bool = False
    detail: str | None = None

    @property
    def decision(self) -> str:
        """The value for ``Check.decision`` (at most 32 characters)."""
        if not self.accept:
            return f"{HELD_PREFIX}{self.reason}"
        if self.structural:
            return STRUCTURAL
        if self.returning:
            return FLAP if self.repeat else RETURNED
        return NEW_VERSION

    @property
    def alerts(self) -> bool:
        """Whether the version this verdict records may be notified as a change."""
        return self.accept and not self.repeat


@dataclass(frozen=True)
class _Problem:
    reason: str
    detail: str


def moved_away(requested_url: str | None, final_url: str | None) -> str | None:
    """Why the final URL left the requested page (another host, the site's home), or None."""
    if not requested_url or not final_url:
        return None
    requested, final = urlsplit(requested_url), urlsplit(final_url)
    requested_host = (requested.hostname or "").removeprefix("www.")
    final_host = (final.hostname or "").removeprefix("www.")
    if requested_host != final_host:
        return f"redirected to another host ({final.hostname})"
    if _HOME_PATH.match(final.path) and not _HOME_PATH.match(requested.path):
        return f"redirected to the site's home ({final.path or '/'})"
    return None


def _language_problem(text: str, expected: str | None) -> _Problem | None:
    if not expected:
        return None
    detected = detect_language(text)
    if detected and detected != expected:
        return _Problem("language", f"text is in {detected!r}, the shop's is {expected!r}")
    return None


def _policy_problem(text: str, settings: GuardSettings) -> _Problem | None:
    score = score_page(text)
    if score.policy_terms < settings.min_policy_terms:
        looks = f"looks like a {score.kind} page ({score.phrase!r}), " if score.kind else ""
        return _Problem("not_policy", f"{looks}{score.policy_terms} policy words")
    if score.kind and score.policy_terms < settings.strong_policy_terms:
        return _Problem(
            "not_policy", f"looks like a {score.kind} page ({score.phrase!r}), {score.policy_terms} policy words"
        )
    return None


def _collapse_problem(text: str, latest: StoredVersion, settings: GuardSettings) -> _Problem | None:
    if len(latest.text) < settings.collapse_min_chars:
        return None
    size = len(text) / len(latest.text)
    if size < settings.collapse_ratio:
        return _Problem("collapsed", f"text shrank to {size:.0%} of the latest version")
    before, after = len(segment(latest.text)), len(segment(text))
    if before and after / before < settings.collapse_ratio:
        return _Problem("collapsed", f"{after} of {before} sentences left")
    return None


def _similarity(text: str, other: str, cutoff: float) -> float:
    # A character ratio of two long texts costs a second or more; their lines compare in
    # milliseconds, and texts that share few lines cannot be nearly equal character-wise.
    if fuzz.ratio(text.splitlines(), other.splitlines()) < _LINE_PREFILTER:
        return 0.0
    return fuzz.ratio(text, other, score_cutoff=cutoff)


def _earlier_match(text: str, digest: str, history: ShopHistory, settings: GuardSettings) -> int | None:
    """Index of the earlier version (not the latest) that ``text`` returns to, if any."""
    latest = history.latest
    assert latest is not None
    versions = list(history.versions)
    earlier = range(len(versions) - 2, max(0, len(versions) - 1 - _EARLIER_COMPARED) - 1, -1)
    for index in earlier:
        if versions[index].text_hash == digest and digest != latest.text_hash:
            return index
    # The newest nearly equal earlier version: flaps alternate between recent variants.
    for index in earlier:
        score = _similarity(text, versions[index].text, settings.flap_similarity)
        if score:
            # Nearer the latest than the earlier one: a small real edit, not a return.
            return index if _similarity(text, latest.text, score) < score else None
    return None


def _repeats_transition(history: ShopHistory, digest: str, index: int) -> bool:
    """Whether latest -> this text already happened once between consecutive versions."""
    versions, latest = history.versions, history.latest
    assert latest is not None
    return any(
        versions[k - 1].text_hash == latest.text_hash and (k == index or versions[k].text_hash == digest)
        for k in range(1, len(versions) - 1)
    )


def held_streak(recent: Sequence[SettledCheck], digest: str) -> int:
    """How many of the newest processed checks in a row held this same text."""
    streak = 0
    for check in recent:
        if check.decision in _NO_TEXT:
            continue
        if not (check.decision or "").startswith(HELD_PREFIX) or check.text_hash != digest:
            break
        streak += 1
    return streak


def review(
    document: Document,
    *,
    language: str | None,
    history: ShopHistory,
    requested_url: str | None,
    final_url: str | None,
    settings: GuardSettings = GuardSettings(),
) -> Verdict:
    """Decide whether ``document`` may become the shop's next version.

    ``language`` is the shop's configured language (else the latest version's is expected).
    A held text is accepted once it has been seen on enough checks in a row: a return to an
    earlier version after ``stable_checks``, a wrong-looking page after ``structural_checks``
    (then marked structural, so that a real rewrite is never lost).
    """
    text, digest, latest = document.text, document.text_hash, history.latest
    problem: _Problem | None = None
    if moved := moved_away(requested_url, final_url):
        problem = _Problem("moved", moved)
    expected = language or (latest.language if latest else None)
    problem = problem or _language_problem(text, expected) or _policy_problem(text, settings)
    if problem is None and latest is not None:
        problem = _collapse_problem(text, latest, settings)
    if problem is not None:
        if held_streak(history.recent, digest) + 1 >= settings.structural_checks:
            detail = f"stable for {settings.structural_checks} checks: {problem.detail}"
            return Verdict(True, problem.reason, structural=True, detail=detail)
        return Verdict(False, problem.reason, detail=problem.detail)
    if latest is None:
        return Verdict(True)
    index = _earlier_match(text, digest, history, settings)
    if index is None:
        return Verdict(True)
    earlier = history.versions[index]
    repeat = _repeats_transition(history, digest, index)
    if held_streak(history.recent, digest) + 1 >= settings.stable_checks:
        return Verdict(True, "flap", returning=True, repeat=repeat, detail=f"back to version {earlier.id}")
    return Verdict(False, "flap", returning=True, repeat=repeat, detail=f"same as version {earlier.id}")


def guard_settings(crawl: CrawlConfig) -> GuardSettings:
    """Settings from the ``[crawl]`` config section."""
    return GuardSettings(stable_checks=crawl.stable_checks, structural_checks=crawl.structural_checks)
