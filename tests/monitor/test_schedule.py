"""Which shops are due: per-shop interval, fixed per-shop jitter."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from monitor.config import ShopConfig
from monitor.schedule import due_shops, jitter, next_due

NOW = datetime(2025, 3, 3, 12, 0, tzinfo=UTC)
DAY = timedelta(hours=24)


def shop(name: str, interval: str | None = None) -> ShopConfig:
    return ShopConfig(name=name, url=f"https://{name}.example/privacy", interval=interval)  # type: ignore[arg-type]


def test_a_shop_never_checked_is_due_at_once() -> None:
    assert [s.name for s in due_shops([shop("alpha")], {}, NOW, DAY)] == ["alpha"]


def test_a_shop_is_due_one_interval_plus_its_jitter_after_its_last_check() -> None:
    alpha = shop("alpha")
    last = NOW - DAY
    offset = jitter("alpha", DAY)
    assert due_shops([alpha], {"alpha": last}, NOW + offset - timedelta(seconds=1), DAY) == []
    assert due_shops([alpha], {"alpha": last}, NOW + offset, DAY) == [alpha]


def test_a_shop_interval_overrides_the_default() -> None:
    fast = shop("fast", "1h")
    assert due_shops([fast], {"fast": NOW - timedelta(hours=2)}, NOW, DAY) == [fast]


def test_jitter_is_stable_and_spreads_shops_after_a_restart() -> None:
    names = [f"shop{i}" for i in range(50)]
    offsets = {jitter(name, DAY) for name in names}
    assert jitter("alpha", DAY) == jitter("alpha", DAY)
    assert len(offsets) == 50
    assert all(timedelta(0) <= offset < timedelta(hours=1) for offset in offsets)
    # All checked at the same moment a day ago: at restart time they do not all fire at once.
    checked = {name: NOW - DAY for name in names}
    shops = [shop(name) for name in names]
    assert 0 < len(due_shops(shops, checked, NOW + timedelta(minutes=30), DAY)) < 50


def test_next_due_is_the_earliest_due_time_and_never_in_the_past() -> None:
    alpha, beta = shop("alpha"), shop("beta", "1h")
    checks = {"alpha": NOW, "beta": NOW}
    assert next_due([alpha, beta], checks, NOW, DAY) == NOW + timedelta(hours=1) + jitter("beta", timedelta(hours=1))
    assert next_due([alpha], {"alpha": NOW - 3 * DAY}, NOW, DAY) == NOW
    assert next_due([], {}, NOW, DAY) is None
