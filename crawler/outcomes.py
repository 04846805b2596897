"""Map what a download produced (a response or a failure) onto the closed set of outcomes.

Used by the spider's callback and errback; the result travels on in a ``FetchRecord``.
"""

from __future__ import annotations

from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from scrapy.http import Response
from twisted.internet.error import (
    ConnectError,
    ConnectionDone,
    ConnectionLost,
    ConnectionRefusedError,
    DNSLookupError,
    TCPTimedOutError,
    TimeoutError,
)
from twisted.python.failure import Failure
from twisted.web._newclient import ResponseFailed, ResponseNeverReceived
from twisted.web.http import _DataLoss

from crawler.middlewares import BlockedPrivateAddress, PageTooLarge
from storage.records import Outcome

# Scrapy reports these conditions only through the message of a generic exception; the
# crawler tests pin each one against a real download so a Scrapy upgrade cannot silently
# turn them into ``error``.
_ROBOTS_MESSAGE = "robots.txt"
_REDIRECT_MESSAGE = "max redirections"
_DECOMPRESSION_MESSAGE = "DOWNLOAD_MAXSIZE"

_BY_TYPE: tuple[tuple[tuple[type[BaseException], ...], Outcome], ...] = (
    ((BlockedPrivateAddress,), Outcome.BLOCKED_PRIVATE),
    ((PageTooLarge,), Outcome.TOO_LARGE),
    ((DownloadTimeoutError, TimeoutError, TCPTimedOutError), Outcome.TIMEOUT),
    ((CannotResolveHostError, DNSLookupError), Outcome.DNS_ERROR),
    ((ResponseDataLossError, _DataLoss), Outcome.TRUNCATED),
    ((DownloadConnectionRefusedError, ConnectionRefusedError), Outcome.REFUSED),
    ((ConnectionLost, ConnectionDone, ResponseNeverReceived), Outcome.REFUSED),
)


def outcome_of_response(response: Response) -> tuple[Outcome, str | None]:
    """The outcome of a response that reached the callback (after retries and redirects)."""
    status = response.status
    if status == 304:
        return Outcome.NOT_MODIFIED, None
    if not 200 <= status < 300:
        return Outcome.HTTP_ERROR, f"HTTP {status}"
    if not response.body.strip():
        return Outcome.EMPTY, f"HTTP {status} with an empty body"
    return Outcome.OK, None


def outcome_of_failure(failure: Failure) -> tuple[Outcome, str]:
    """The outcome of a failed download, with a one-line detail."""
    error = failure.value
    assert error is not None  # a Failure always wraps an exception
    detail = _one_line(error)
    for cause in _causes(error):
        for types, outcome in _BY_TYPE:
            if isinstance(cause, types):
                return outcome, _one_line(cause)
    message = str(error)
    if isinstance(error, IgnoreRequest):
        if _ROBOTS_MESSAGE in message:
            return Outcome.ROBOTS_DENIED, detail
        if _REDIRECT_MESSAGE in message:
            return Outcome.REDIRECT_LOOP, detail
        if _DECOMPRESSION_MESSAGE in message:
            return Outcome.TOO_LARGE, detail
    if isinstance(error, ConnectError):
        return Outcome.REFUSED, detail
    return Outcome.ERROR, detail


def _causes(error: BaseException) -> list[BaseException]:
    """The error, its chained causes and the reasons Twisted wraps in ``ResponseFailed``."""
    seen: list[BaseException] = []
    pending = [error]
    while pending:
        current = pending.pop(0)
        if current in seen:
            continue
        seen.append(current)
        if isinstance(current, ResponseFailed):
            pending.extend(reason.value for reason in current.reasons)
        for chained in (current.__cause__, current.__context__):
            if chained is not None:
                pending.append(chained)
    # Specific causes first: a DownloadFailedError wrapping a data loss is a truncation.
    return [
        c for c in seen if not isinstance(c, (DownloadFailedError, ResponseFailed))
    ] + [c for c in seen if isinstance(c, (DownloadFailedError, ResponseFailed))]


def _one_line(error: BaseException) -> str:
    name = type(error).__name__
    text = " ".join(str(error).split())
    return f"{name}: {text}"[:300] if text and text != name else name
