"""Decide which shops are due: configured shops + their last checks + ``now`` → shops to fetch.

Each shop is due one interval after its last check, plus a fixed per-shop offset (up to a
tenth of the interval, at most an hour) derived from its name. The offset is the same on
every run, so a restart neither fires every shop at once nor moves any shop's schedule.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from monitor.config import ShopConfig

_MAX_JITTER = timedelta(hours=1)


def jitter(name: str, interval: timedelta) -> timedelta:
    """The shop's fixed offset within ``[0, min(interval / 10, 1 h))``."""
    fraction = int.from_bytes(hashlib.sha256(name.encode("utf-8")).digest()[:8], "big") / 2**64
    return min(interval / 10, _MAX_JITTER) * fraction


def due_at(shop: ShopConfig, last_check: datetime | None, default_interval: timedelta) -> datetime | None:
    """When the shop is next due; None for a shop never checked (due at once)."""
    if last_check is None:
        return None
    interval = shop.interval or default_interval
    return last_check + interval + jitter(shop.name, interval)


def due_shops(
    shops: Sequence[ShopConfig], last_checks: Mapping[str, datetime], now: datetime, default_interval: timedelta
) -> list[ShopConfig]:
    """The shops to fetch at ``now``, in config order."""
    return [
        shop
        for shop in shops
        if (when := due_at(shop, last_checks.get(shop.name), default_interval)) is None or when <= now
    ]


def next_due(
    shops: Sequence[ShopConfig], last_checks: Mapping[str, datetime], now: datetime, default_interval: timedelta
) -> datetime | None:
    """The earliest time a shop is due (``now`` if one is due already); None without shops."""
    times = [due_at(shop, last_checks.get(shop.name), default_interval) or now for shop in shops]
    return max(min(times), now) if times else None
