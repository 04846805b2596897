"""Downloader middlewares of the fetch step: the private-network guard and polite retries.

Both sit in the chain that every request (and every redirect hop) passes before the download.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Self

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import DownloadCancelledError, IgnoreRequest, NotConfigured
from scrapy.http import Response
from scrapy.robotstxt import RobotParser
from scrapy.settings import BaseSettings
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.response import response_status_message
from twisted.internet.defer import Deferred

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class BlockedPrivateAddress(IgnoreRequest):
    """The request's host resolves to a loopback, private or otherwise non-public address."""


class PageTooLarge(IgnoreRequest):
    """The body is larger than ``DOWNLOAD_MAXSIZE`` (announced or while streaming)."""


class PageSizeMiddleware:
    """Give the size cap's cancellation a recognisable failure.

    Scrapy's HTTP handler cancels a download over ``DOWNLOAD_MAXSIZE`` with a bare
    ``DownloadCancelledError`` (no message when the cap is hit while streaming); timeouts
    have their own exception, so a cancelled download here is the size cap.
    """

    def __init__(self, maxsize: int) -> None:
        self.maxsize = maxsize

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler.settings.getint("DOWNLOAD_MAXSIZE"))

    def process_exception(self, request: Request, exception: Exception) -> None:
        if isinstance(exception, DownloadCancelledError):
            limit = request.meta.get("download_maxsize", self.maxsize)
            raise PageTooLarge(
                f"body larger than the {limit}-byte cap (max_page_bytes)"
            ) from exception


def is_public_address(address: IPAddress) -> bool:
    """True for a globally routable unicast address, the only kind a shop may live on."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not (
        address.is_loopback
        or address.is_private
        or address.is_link_local
        or address.is_reserved
        or address.is_multicast
        or address.is_unspecified
    )


class PrivateAddressMiddleware:
    """Refuse requests whose host resolves to a non-public address (SSRF guard).

    Every redirect is scheduled as a new request and comes back through here, so each hop
    is checked. Off when ``POLICYWATCH_ALLOW_PRIVATE_NETWORKS`` is true. A host that does not
    resolve is let through: the download then fails with the usual DNS error.
    """

    def __init__(self) -> None:
        # One pass resolves each host once; shops rarely share hosts, so this stays small.
        self._verdicts: dict[str, str | None] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if crawler.settings.getbool("POLICYWATCH_ALLOW_PRIVATE_NETWORKS"):
            # No message: Scrapy logs a message as a warning, and this is the user's choice.
            raise NotConfigured
        return cls()

    async def process_request(self, request: Request) -> None:
        host = urlparse_cached(request).hostname
        if not host:
            return
        if host not in self._verdicts:
            self._verdicts[host] = await _blocked_address(host)
        if (blocked := self._verdicts[host]) is not None:
            raise BlockedPrivateAddress(
                f"{host} resolves to the non-public address {blocked}"
            )


async def _blocked_address(host: str) -> str | None:
    """The first non-public address ``host`` resolves to, or None."""
    try:
        addresses = [ipaddress.ip_address(host)]
    except ValueError:
        try:
            # getaddrinfo runs in the loop's thread pool: the reactor keeps serving downloads.
            infos = await asyncio.get_running_loop().getaddrinfo(
                host, None, type=socket.SOCK_STREAM
            )
        except (socket.gaierror, UnicodeError):
            return None
        addresses = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
    # All addresses must be public: one private answer is enough to refuse the host.
    return next((str(a) for a in addresses if not is_public_address(a)), None)


def retry_delay(
    retry_after: str | None, attempt: int, *, base: float, cap: float, now: datetime
) -> float:
    """Seconds to wait before retry number ``attempt`` (1-based).

    A ``Retry-After`` header (seconds or an HTTP date) wins; otherwise exponential backoff
    ``base * 2 ** (attempt - 1)``. Never more than ``cap``: a shop asking for an hour does not
    hold the pass that long, it simply gets its last answer recorded.
    """
    wait = base * 2 ** (attempt - 1)
    if retry_after:
        value = retry_after.strip()
        if value.isdigit():
            wait = float(value)
        else:
            try:
                when = parsedate_to_datetime(value)
            except (TypeError, ValueError):
                pass
            else:
                if when.tzinfo is None:
                    when = when.replace(tzinfo=UTC)
                wait = max(0.0, (when - now).total_seconds())
    return min(wait, cap)


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's ``RetryMiddleware`` that waits before each retry.

    A 429/5xx response waits as its ``Retry-After`` asks, else, like a network failure
    (timeout, refused or reset connection), backs off exponentially from
    ``POLICYWATCH_RETRY_BACKOFF`` seconds, capped at ``POLICYWATCH_RETRY_MAX_WAIT``: a
    struggling server is not hit again at once.
    """

    def __init__(self, settings: BaseSettings) -> None:
        super().__init__(settings)
        self.backoff = settings.getfloat("POLICYWATCH_RETRY_BACKOFF", 1.0)
        self.max_wait = settings.getfloat("POLICYWATCH_RETRY_MAX_WAIT", 60.0)

    async def process_response(  # type: ignore[override]
        self, request: Request, response: Response
    ) -> Request | Response:
        if (
            request.meta.get("dont_retry", False)
            or response.status not in self.retry_http_codes
        ):
            return response
        retry = self._retry(request, response_status_message(response.status))
        if retry is None:
            return response
        header = response.headers.get("Retry-After")
        await self._wait(retry, header.decode("latin-1") if header else None)
        return retry

    async def process_exception(  # type: ignore[override]
        self, request: Request, exception: Exception
    ) -> Request | Response | None:
        retry = super().process_exception(request, exception)
        if isinstance(retry, Request):
            await self._wait(retry, None)
        return retry

    async def _wait(self, retry: Request, retry_after: str | None) -> None:
        wait = retry_delay(
            retry_after,
            retry.meta.get("retry_times", 1),
            base=self.backoff,
            cap=self.max_wait,
            now=datetime.now(UTC),
        )
        if wait > 0:
            await asyncio.sleep(wait)


class SharedRobotsTxtMiddleware(RobotsTxtMiddleware):
    """Scrapy's ``RobotsTxtMiddleware`` with every waiting request getting the parsed robots.txt.

    While robots.txt is downloading, Scrapy hands the other requests for that host one shared
    ``Deferred``; awaiting it as a future consumes its result, so only the first waiter sees
    the parser and the others are let through unchecked (Scrapy 2.19, Twisted 26). Each
    waiter here gets its own Deferred, fed by a callback that passes the result on.
    """

    async def robot_parser(self, request: Request) -> RobotParser | None:
        pending = self._parsers.get(urlparse_cached(request).netloc)
        if not isinstance(pending, Deferred):
            return await super().robot_parser(request)
        waiter: Deferred[RobotParser | None] = Deferred()

        def relay(result: RobotParser | None) -> RobotParser | None:
            waiter.callback(result)
            return result

        pending.addCallback(relay)
        return await maybe_deferred_to_future(waiter)
