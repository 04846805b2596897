"""The downloader middlewares, built through ``get_crawler`` as Scrapy builds them."""

from __future__ import annotations

import asyncio
import ipaddress
import time
from datetime import UTC, datetime

import pytest
from scrapy import Request
from scrapy.exceptions import DownloadCancelledError, NotConfigured
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler

from crawler.middlewares import (
    BackoffRetryMiddleware,
    BlockedPrivateAddress,
    PageSizeMiddleware,
    PageTooLarge,
    PrivateAddressMiddleware,
    is_public_address,
    retry_delay,
)

NOW = datetime(2026, 11, 2, 10, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",
        "0.0.0.0",
        "100.64.0.1",
        "224.0.0.1",
        "240.0.0.1",
        "::1",
        "fe80::1",
        "fc00::1",
        "ff02::1",
        "::",
        "::ffff:127.0.0.1",
    ],
)
def test_non_public_addresses_are_not_public(address: str) -> None:
    assert not is_public_address(ipaddress.ip_address(address))


@pytest.mark.parametrize(
    "address", ["93.184.216.34", "1.1.1.1", "2606:4700:4700::1111", "::ffff:8.8.8.8"]
)
def test_routable_addresses_are_public(address: str) -> None:
    assert is_public_address(ipaddress.ip_address(address))


def _guard() -> PrivateAddressMiddleware:
    crawler = get_crawler(settings_dict={"POLICYWATCH_ALLOW_PRIVATE_NETWORKS": False})
    return PrivateAddressMiddleware.from_crawler(crawler)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/policy",
        "http://[::1]/",
        "http://10.0.0.7/",
        "http://169.254.169.254/latest",
        "http://localhost/",
    ],
)
def test_guard_refuses_loopback_private_and_link_local_hosts(url: str) -> None:
    with pytest.raises(BlockedPrivateAddress):
        asyncio.run(_guard().process_request(Request(url)))


def test_guard_lets_a_public_address_through() -> None:
    assert (
        asyncio.run(_guard().process_request(Request("http://93.184.216.34/privacy")))
        is None
    )


def test_guard_lets_an_unresolvable_host_fail_as_a_dns_error_later() -> None:
    assert (
        asyncio.run(_guard().process_request(Request("http://does-not-exist.invalid/")))
        is None
    )


def test_guard_is_off_when_private_networks_are_allowed() -> None:
    crawler = get_crawler(settings_dict={"POLICYWATCH_ALLOW_PRIVATE_NETWORKS": True})
    with pytest.raises(NotConfigured):
        PrivateAddressMiddleware.from_crawler(crawler)


def test_retry_after_in_seconds_is_honoured() -> None:
    assert retry_delay("7", 1, base=1, cap=60, now=NOW) == 7


def test_retry_after_as_an_http_date_counts_from_now() -> None:
    assert (
        retry_delay("Mon, 02 Nov 2026 10:00:30 GMT", 1, base=1, cap=60, now=NOW) == 30
    )


def test_retry_after_in_the_past_means_at_once() -> None:
    assert retry_delay("Mon, 02 Nov 2026 09:00:00 GMT", 1, base=1, cap=60, now=NOW) == 0


def test_retry_after_is_capped() -> None:
    assert retry_delay("3600", 1, base=1, cap=60, now=NOW) == 60


def test_without_retry_after_the_wait_doubles_with_each_attempt() -> None:
    waits = [
        retry_delay(None, attempt, base=0.5, cap=60, now=NOW) for attempt in (1, 2, 3)
    ]
    assert waits == [0.5, 1.0, 2.0]


def test_unreadable_retry_after_falls_back_to_backoff() -> None:
    assert retry_delay("soon", 2, base=1, cap=60, now=NOW) == 2


def _retry_middleware(**settings: object) -> BackoffRetryMiddleware:
    crawler = get_crawler(settings_dict={"RETRY_TIMES": 1, **settings})
    crawler.spider = crawler._create_spider("policy")
    return BackoffRetryMiddleware.from_crawler(crawler)


def test_a_503_is_retried_after_waiting_its_retry_after() -> None:
    middleware = _retry_middleware(POLICYWATCH_RETRY_MAX_WAIT=0.3)
    request = Request("http://shop.example/privacy")
    response = HtmlResponse(
        request.url, status=503, headers={"Retry-After": "120"}, request=request
    )
    started = time.monotonic()
    retry = asyncio.run(middleware.process_response(request, response))
    assert isinstance(retry, Request) and retry.meta["retry_times"] == 1
    assert time.monotonic() - started >= 0.3


def test_the_last_503_is_returned_once_retries_are_spent() -> None:
    middleware = _retry_middleware(POLICYWATCH_RETRY_BACKOFF=0.01)
    request = Request("http://shop.example/privacy", meta={"retry_times": 1})
    response = HtmlResponse(request.url, status=503, request=request)
    assert asyncio.run(middleware.process_response(request, response)) is response


def test_a_404_is_not_retried() -> None:
    middleware = _retry_middleware()
    request = Request("http://shop.example/privacy")
    response = HtmlResponse(request.url, status=404, request=request)
    assert asyncio.run(middleware.process_response(request, response)) is response


def test_a_cancelled_download_becomes_page_too_large() -> None:
    middleware = PageSizeMiddleware.from_crawler(
        get_crawler(settings_dict={"DOWNLOAD_MAXSIZE": 1234})
    )
    with pytest.raises(PageTooLarge, match="1234"):
        middleware.process_exception(
            Request("http://shop.example/"), DownloadCancelledError()
        )


def test_a_network_failure_is_retried_after_backing_off() -> None:
    middleware = _retry_middleware(POLICYWATCH_RETRY_BACKOFF=0.3)
    request = Request("http://shop.example/privacy")
    started = time.monotonic()
    retry = asyncio.run(middleware.process_exception(request, ConnectionRefusedError()))
    assert isinstance(retry, Request) and retry.meta["retry_times"] == 1
    assert time.monotonic() - started >= 0.3


def test_an_error_that_is_not_retried_passes_through_at_once() -> None:
    middleware = _retry_middleware(POLICYWATCH_RETRY_BACKOFF=5)
    request = Request("http://shop.example/privacy")
    started = time.monotonic()
    assert asyncio.run(middleware.process_exception(request, ValueError("not a network error"))) is None
    assert time.monotonic() - started < 1
