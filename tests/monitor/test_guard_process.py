"""The guard inside processing: stored HTML fetches in sequence, versions and alerts recorded."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from monitor.config import Config, parse_config
from monitor.history import flap_count
from monitor.process import process_pending
from storage.db import Database
from storage.outbox import Outbox
from storage.records import FetchRecord, Outcome

T0 = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)
URL = "https://shop.example/privacy"

PARAGRAPHS = [
    "We collect and process your personal data when you place an order in our shop.",
    "The controller of your personal data is Example Shop Ltd, registered in Leeds.",
    "We process your name, email address and postal address on the legal basis of the contract.",
    "We keep order data for seven years because accounting law requires it.",
    "With your consent we use cookies to measure how visitors use our pages.",
    "We share data with third parties only when a payment or a delivery needs it.",
    "You have rights to access, correction and erasure, and you may complain to the supervisory authority.",
]
A = PARAGRAPHS
B = [*PARAGRAPHS[:3], "We keep order data for ten years.", "We use Klarna to handle invoice payments.", *PARAGRAPHS[4:]]
SWEDISH = [
    "Vi samlar in och behandlar dina personuppgifter när du lägger en beställning i vår butik.",
    "Personuppgiftsansvarig är Exempelbutiken AB som har sitt säte i Göteborg.",
    "Vi sparar uppgifter om beställningar i sju år eftersom bokföringslagen kräver det.",
    "Med ditt samtycke använder vi kakor för att se hur besökare använder våra sidor.",
    "Du har rätt till tillgång, rättelse och radering och kan klaga hos Integritetsskyddsmyndigheten.",
]
LOGIN = ["Sign in to your account to see your orders.", "Forgot your password? Remember me on this computer."]


def page(paragraphs: list[str], title: str = "Privacy policy", links: str = "") -> bytes:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (f"<html><head><title>{title}</title></head><body><nav><a href='/'>Home</a></nav>"
            f"<main><h1>{title}</h1>{body}{links}</main><footer>Example Shop Ltd</footer></body></html>").encode()


@pytest.fixture
def config(tmp_path: Path, database_url: str) -> Config:
    text = f"""
[database]
url = "{database_url}"
blobs = "{tmp_path / 'blobs'}"
[[shops]]
name = "shop"
url = "{URL}"
language = "en"
[[notify]]
url = "json://127.0.0.1:9/"
"""
    return parse_config(text, tmp_path / "policywatch.toml")


@pytest.fixture
def db(database: Database, config: Config) -> Database:
    database.sync_shops((shop.name, shop.url, shop.language) for shop in config.shops)
    return database


def replay(db: Database, config: Config, bodies: list[bytes], final_urls: dict[int, str] | None = None) -> list[str]:
    """Store each body as one daily fetch, process after each, and return the checks' decisions."""
    for day, body in enumerate(bodies):
        final_url = (final_urls or {}).get(day, URL)
        db.record_fetch(FetchRecord("shop", URL, Outcome.OK, T0 + timedelta(days=day), status=200,
                                    final_url=final_url, headers={"Content-Type": "text/html"}, body=body))
        process_pending(db, config)
    return [check.decision or "" for check in Outbox(db).recent_checks("shop", 100)][::-1]


def alerts(db: Database) -> int:
    return sum(1 for row in Outbox(db).rows() if row.kind == "change")


def test_a_login_page_between_two_equal_policies_makes_no_version(db: Database, config: Config) -> None:
    decisions = replay(db, config, [page(A), page(LOGIN, "Sign in"), page(A)])
    assert decisions == ["new_version", "held:not_policy", "unchanged"]
    assert len(db.versions("shop")) == 1 and alerts(db) == 0


def test_a_page_in_another_language_between_two_equal_policies_makes_no_version(db: Database, config: Config) -> None:
    decisions = replay(db, config, [page(A), page(SWEDISH, "Integritetspolicy"), page(A)])
    assert decisions == ["new_version", "held:language", "unchanged"]
    assert len(db.versions("shop")) == 1 and alerts(db) == 0


def test_alternating_pages_alert_once_and_count_the_flaps(db: Database, config: Config) -> None:
    decisions = replay(db, config, [page(A), page(B), page(A), page(B), page(A), page(B)])
    assert decisions == ["new_version", "new_version", "held:flap", "unchanged", "held:flap", "unchanged"]
    assert len(db.versions("shop")) == 2
    assert alerts(db) == 1
    assert flap_count(db, "shop") == 2


def test_slow_alternation_records_each_return_but_alerts_each_transition_once(db: Database, config: Config) -> None:
    replay(db, config, [page(A), page(B), page(B), page(A), page(A), page(B), page(B), page(A), page(A)])
    versions = db.versions("shop")
    assert [v.text_hash for v in versions][2:] == [versions[0].text_hash, versions[1].text_hash, versions[0].text_hash]
    # A -> B and the first B -> A revert are announced; later repeats of them are not.
    assert alerts(db) == 2


def test_a_redirect_to_the_home_page_is_held(db: Database, config: Config) -> None:
    decisions = replay(db, config, [page(A), page(B)], final_urls={1: "https://shop.example/"})
    assert decisions == ["new_version", "held:moved"]


def test_a_login_wall_that_stays_becomes_a_structural_version(db: Database, config: Config) -> None:
    decisions = replay(db, config, [page(A)] + [page(LOGIN, "Sign in")] * 3)
    assert decisions == ["new_version", "held:not_policy", "held:not_policy", "new_version:structural"]
    latest = db.latest_version("shop")
    assert latest is not None and latest.structural


def test_link_targets_alone_make_no_version(db: Database, config: Config) -> None:
    first = page(A, links="<p>Read our <a href='/cookies?sid=1a2b3c'>cookie notice</a>.</p>")
    second = page(A, links="<p>Read our <a href='/cookies?sid=9z8y7x'>cookie notice</a>.</p>")
    assert replay(db, config, [first, second]) == ["new_version", "unchanged"]


def test_a_held_page_is_fetched_in_full_next_time(db: Database, config: Config) -> None:
    for day, body in enumerate([page(A), page(LOGIN, "Sign in")]):
        db.record_fetch(FetchRecord("shop", URL, Outcome.OK, T0 + timedelta(days=day), status=200, final_url=URL,
                                    headers={"Content-Type": "text/html", "ETag": f'"v{day}"'}, body=body))
        process_pending(db, config)
        validators = db.conditional_validators()["shop"]
        # The accepted policy's ETag is kept; the login page's is not, so no 304 can confirm it.
        assert validators == ((None, None) if day else ('"v0"', None))


def test_cloudflare_email_placeholders_alone_make_no_version(db: Database, config: Config) -> None:
    def markdown(code: str) -> bytes:
        contact = f"Write to [[email protected]](https://shop.example/cdn-cgi/l/email-protection#{code}) with questions."
        return ("# Privacy policy\n\n" + "\n\n".join([*A, contact]) + "\n").encode()

    for day, code in enumerate(["5a1b2c3d", "7f6e5d4c"]):
        db.record_fetch(FetchRecord("shop", URL, Outcome.OK, T0 + timedelta(days=day), status=200, final_url=URL,
                                    headers={"Content-Type": "text/markdown"}, body=markdown(code)))
    process_pending(db, config)
    assert len(db.versions("shop")) == 1
