"""Compare two normalized texts: the aligned diff and the material findings drawn from it.

Shared by the crawl pipeline (each new version), ``diff`` (two stored versions) and
``compare`` (two local files), so that all three report a change the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

from monitor.classify import Classification, classify
from monitor.diff import Diff, diff_texts


@dataclass(frozen=True)
class ChangeReport:
    diff: Diff
    classification: Classification


def compare_texts(old: str, new: str, *, language: str | None = None) -> ChangeReport:
    """Diff two normalized texts and classify the change."""
    diff = diff_texts(old, new)
    return ChangeReport(diff, classify(old, new, diff, language=language))
