"""Plain values that cross the storage boundary (SQLModel rows never leave ``storage/``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class Outcome(StrEnum):
    """How one fetch ended. Only ``ok`` carries a body that may become a version."""

    OK = "ok"                          # a 2xx response with a body
    NOT_MODIFIED = "not_modified"      # 304 to a conditional request: unchanged check
    HTTP_ERROR = "http_error"          # 4xx/5xx after retries (status says which)
    TIMEOUT = "timeout"                # no complete response within the timeout
    DNS_ERROR = "dns_error"            # the host name does not resolve
    REFUSED = "refused"                # connection refused or reset
    TRUNCATED = "truncated"            # the body ended before its announced length
    TOO_LARGE = "too_large"            # over max_page_bytes, also after decompression
    ROBOTS_DENIED = "robots_denied"    # robots.txt disallows the page
    BLOCKED_PRIVATE = "blocked_private"  # resolves to a loopback/private/reserved address
    REDIRECT_LOOP = "redirect_loop"    # too many redirects
    EMPTY = "empty"                    # a 2xx response without a body
    ERROR = "error"                    # any other network failure (detail says which)


@dataclass(frozen=True)
class FetchRecord:
    """What the crawler hands to storage for one fetch of one shop."""

    shop: str
    url: str
    outcome: Outcome
    at: datetime
    status: int | None = None
    final_url: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes | None = None
    elapsed_ms: int | None = None
    detail: str | None = None
    # The body's hash once ``BlobStore.put`` has stored it (the crawl stores blobs ahead of
    # the rows); recording then neither hashes nor stores the body again.
    blob_hash: str | None = None


@dataclass(frozen=True)
class ShopState:
    name: str
    url: str
    language: str | None
    last_check_at: datetime | None
    last_outcome: str | None
    last_status: int | None
    last_detail: str | None
    last_change_at: datetime | None
    versions: int


@dataclass(frozen=True)
class PendingCheck:
    """A stored check that processing has not turned into a version decision yet."""

    id: int
    shop: str
    at: datetime
    outcome: str
    status: int | None
    snapshot_id: int | None
    blob_hash: str | None
    url: str | None
    final_url: str | None
    content_type: str | None
    cached_text_hash: str | None
    cached_normalizer_version: str | None


@dataclass(frozen=True)
class StoredFinding:
    category: str
    change: str
    entity: str | None
    before: str | None
    after: str | None
    section: str | None
    severity: int = 0
    detail: str = ""


@dataclass(frozen=True)
class StoredVersion:
    id: int
    shop: str
    text: str
    text_hash: str
    language: str | None
    normalizer_version: str
    first_seen: datetime
    last_seen: datetime
    snapshot_id: int | None
    technical: bool
    structural: bool
    material: bool
    categories: tuple[str, ...]
    counts: Mapping[str, int]


@dataclass(frozen=True)
class NewVersion:
    """A version to record, with the change from the previous one."""

    text: str
    text_hash: str
    language: str | None
    normalizer_version: str
    snapshot_id: int | None
    seen_at: datetime
    technical: bool = False
    structural: bool = False
    material: bool = False
    categories: tuple[str, ...] = ()
    counts: Mapping[str, int] = field(default_factory=dict)
    findings: tuple[StoredFinding, ...] = ()


@dataclass(frozen=True)
class SettledCheck:
    """A processed check: what processing decided, and the text hash of its snapshot (if any)."""

    id: int
    decision: str | None
    text_hash: str | None
