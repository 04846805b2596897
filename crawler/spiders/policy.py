"""The fetch step: one request per shop, one ``FetchRecord`` per shop, success or failure.

No parsing here: the raw body goes to ``SnapshotPipeline``; normalizing happens later, from
the stored snapshot.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import scrapy
from scrapy.http import Response
from twisted.python.failure import Failure

from crawler.outcomes import outcome_of_failure, outcome_of_response
from storage.records import FetchRecord, Outcome


class PolicySpider(scrapy.Spider):
    """Fetch each given shop's policy URL once, conditionally when validators are known."""

    name = "policy"

    def __init__(
        self,
        shops: Sequence[tuple[str, str]] = (),
        validators: Mapping[str, tuple[str | None, str | None]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.shops = list(shops)
        self.validators = dict(validators or {})

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for name, url in self.shops:
            etag, last_modified = self.validators.get(name, (None, None))
            headers = {}
            if etag:
                headers["If-None-Match"] = etag
            if last_modified:
                headers["If-Modified-Since"] = last_modified
            # dont_filter: a redirect back to an already seen URL must reach the redirect
            # limit (and the errback), not vanish silently in the duplicate filter.
            yield scrapy.Request(
                url,
                headers=headers,
                callback=self.parse,
                errback=self.failed,
                cb_kwargs={"shop": name},
                dont_filter=True,
            )

    def parse(self, response: Response, shop: str) -> Iterator[FetchRecord]:
        outcome, detail = outcome_of_response(response)
        yield FetchRecord(
            shop=shop,
            url=_first_url(response.request) or response.url,
            outcome=outcome,
            at=datetime.now(UTC),
            status=response.status,
            final_url=response.url,
            headers={
                key.decode("latin-1").lower(): values[-1].decode("latin-1")
                for key, values in response.headers.items()
                if values
            },
            body=response.body if outcome is Outcome.OK else None,
            elapsed_ms=_elapsed_ms(response.meta),
            detail=detail,
        )

    def failed(self, failure: Failure) -> Iterator[FetchRecord]:
        request = failure.request  # type: ignore[attr-defined]
        outcome, detail = outcome_of_failure(failure)
        response = getattr(failure.value, "response", None)
        yield FetchRecord(
            shop=request.cb_kwargs["shop"],
            url=_first_url(request) or request.url,
            outcome=outcome,
            at=datetime.now(UTC),
            status=response.status if response is not None else None,
            final_url=request.url,
            elapsed_ms=_elapsed_ms(request.meta),
            detail=detail,
        )


def _first_url(request: scrapy.Request | None) -> str | None:
    """The URL the shop is configured with, before any redirect."""
    if request is None:
        return None
    urls = request.meta.get("redirect_urls")
    return urls[0] if urls else request.url


def _elapsed_ms(meta: Mapping[str, Any]) -> int | None:
    latency = meta.get("download_latency")
    return round(latency * 1000) if latency is not None else None
