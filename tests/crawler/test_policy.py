"""The policy spider: its requests, and the ``FetchRecord`` its callback and errback yield."""

from __future__ import annotations

import asyncio

from scrapy import Request
from scrapy.exceptions import IgnoreRequest
from scrapy.http import HtmlResponse, Response
from scrapy.utils.test import get_crawler
from twisted.internet.error import ConnectionRefusedError, DNSLookupError, TimeoutError
from twisted.python.failure import Failure

from crawler.middlewares import BlockedPrivateAddress, PageTooLarge
from crawler.spiders.policy import PolicySpider
from storage.records import FetchRecord, Outcome

SHOPS = [
    ("alpha", "http://alpha.example/privacy"),
    ("beta", "http://beta.example/policy"),
]


def _spider(**kwargs: object) -> PolicySpider:
    crawler = get_crawler(PolicySpider)
    return PolicySpider.from_crawler(crawler, shops=SHOPS, **kwargs)


async def _collect(spider: PolicySpider) -> list[Request]:
    return [request async for request in spider.start()]


def test_one_request_per_shop_carries_the_shop_name_and_an_errback() -> None:
    spider = _spider()
    requests = asyncio.run(_collect(spider))
    assert [(r.url, r.cb_kwargs) for r in requests] == [
        (url, {"shop": name}) for name, url in SHOPS
    ]
    assert all(r.errback == spider.failed and r.dont_filter for r in requests)


def test_stored_validators_make_the_request_conditional() -> None:
    spider = _spider(
        validators={
            "alpha": ('"v1"', "Mon, 02 Nov 2026 10:00:00 GMT"),
            "beta": (None, None),
        }
    )
    alpha, beta = asyncio.run(_collect(spider))
    assert alpha.headers[b"If-None-Match"] == b'"v1"'
    assert alpha.headers[b"If-Modified-Since"] == b"Mon, 02 Nov 2026 10:00:00 GMT"
    assert b"If-None-Match" not in beta.headers


def _parse(status: int, body: bytes = b"<p>Policy</p>", **meta: object) -> FetchRecord:
    request = Request(
        "http://alpha.example/privacy", meta=meta, cb_kwargs={"shop": "alpha"}
    )
    response_class = HtmlResponse if body else Response
    response = response_class(
        request.url, status=status, body=body, request=request, headers={"ETag": '"v2"'}
    )
    (page,) = _spider().parse(response, shop="alpha")
    return page


def test_a_200_with_a_body_is_ok_and_keeps_body_and_headers() -> None:
    page = _parse(200)
    assert (page.outcome, page.status, page.body) == (Outcome.OK, 200, b"<p>Policy</p>")
    assert page.headers["etag"] == '"v2"'


def test_a_304_is_not_modified_without_a_body() -> None:
    page = _parse(304, b"")
    assert (page.outcome, page.body) == (Outcome.NOT_MODIFIED, None)


def test_a_blank_200_is_empty() -> None:
    assert _parse(200, b"  \n ").outcome is Outcome.EMPTY


def test_an_error_status_is_an_http_error_without_a_body() -> None:
    page = _parse(410)
    assert (page.outcome, page.status, page.body, page.detail) == (
        Outcome.HTTP_ERROR,
        410,
        None,
        "HTTP 410",
    )


def test_a_redirected_page_keeps_the_configured_url_and_the_final_one() -> None:
    request = Request(
        "http://alpha.example/",
        meta={"redirect_urls": ["http://alpha.example/privacy"]},
    )
    response = HtmlResponse(
        "http://alpha.example/", body=b"<p>Home</p>", request=request
    )
    (page,) = _spider().parse(response, shop="alpha")
    assert (page.url, page.final_url) == (
        "http://alpha.example/privacy",
        "http://alpha.example/",
    )


def _fail(error: Exception) -> FetchRecord:
    failure = Failure(error)
    failure.request = Request(
        "http://alpha.example/privacy", cb_kwargs={"shop": "alpha"}
    )  # type: ignore[attr-defined]
    (page,) = _spider().failed(failure)
    assert page.shop == "alpha" and page.body is None
    return page


def test_network_failures_map_to_their_outcomes() -> None:
    assert _fail(TimeoutError()).outcome is Outcome.TIMEOUT
    assert _fail(DNSLookupError("alpha.example")).outcome is Outcome.DNS_ERROR
    assert _fail(ConnectionRefusedError()).outcome is Outcome.REFUSED
    assert (
        _fail(BlockedPrivateAddress("alpha.example resolves to 10.0.0.1")).outcome
        is Outcome.BLOCKED_PRIVATE
    )
    assert _fail(PageTooLarge("body larger than the cap")).outcome is Outcome.TOO_LARGE


def test_an_unknown_ignore_request_is_a_plain_error_with_its_message() -> None:
    page = _fail(IgnoreRequest("something unexpected"))
    assert (page.outcome, page.detail) == (
        Outcome.ERROR,
        "IgnoreRequest: something unexpected",
    )
