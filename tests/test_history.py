"""Reading a shop's history: held checks and flaps counted as the guard records them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from monitor.history import flap_count, shop_history
from storage.db import Database
from storage.records import FetchRecord, Outcome

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


def test_history_counts_held_checks_by_reason_and_flaps_as_the_guard_does(database: Database) -> None:
    database.sync_shops([("shop", "https://shop.example/privacy", "en")])
    decisions = ["held:flap", "held:flap", "held:not_a_policy", "new_version:returned", "new_version:flap", "unchanged"]
    for hour, decision in enumerate(decisions):
        database.record_fetch(FetchRecord("shop", "https://shop.example/privacy", Outcome.TIMEOUT, T0 + timedelta(hours=hour)))
        (check,) = database.pending_checks("shop")
        database.settle_check(check, decision)
    history = shop_history(database, "shop")
    assert history.held == {"held:flap": 2, "held:not_a_policy": 1}
    assert history.flaps == flap_count(database, "shop") == 4
    assert history.versions == []
