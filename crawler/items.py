"""The fetch step's output: one ``FetchedPage`` per shop per pass, success or failure.

The spider yields it; ``SnapshotPipeline`` turns it into a ``storage.records.FetchRecord``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from storage.records import Outcome


@dataclass(frozen=True)
class FetchedPage:
    """What one fetch of one shop's policy page produced.

    ``body`` is set only for ``Outcome.OK``; a failure carries its kind in ``outcome`` and a
    one-line ``detail`` (the exception or the HTTP status) instead.
    """

    shop: str
    url: str
    outcome: Outcome
    at: datetime
    status: int | None = None
    final_url: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None
    elapsed_ms: int | None = None
    detail: str | None = None
