"""The guard on documents built by hand: wrong language, not a policy, collapse, moved, flaps."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from monitor.config import CrawlConfig
from monitor.decisions import FLAP, RETURNED, STRUCTURAL
from monitor.guard import (
    GuardSettings,
    ShopHistory,
    Verdict,
    guard_settings,
    held_streak,
    moved_away,
    review,
)
from monitor.guard_page import page_kind, policy_terms, policy_vocabularies
from monitor.normalize import Document, text_hash
from storage.records import SettledCheck, StoredVersion

T0 = datetime(2026, 3, 1, tzinfo=UTC)
URL = "https://shop.example/privacy-policy"
DEFAULTS = GuardSettings()

POLICY = """# Privacy policy

We collect and process your personal data when you place an order in our shop.
The controller of your personal data is Example Shop Ltd, registered in Leeds.
We process your name, email address and postal address on the legal basis of the contract.
We keep order data for seven years because accounting law requires it; this retention period is set by law.
With your consent we use cookies to measure how visitors use our pages and which products they look at.
We share data with third parties only when a payment or a delivery needs it, and never sell it.
You have rights to access, correction, erasure and objection, and you may complain to the supervisory authority.
"""
POLICY_B = POLICY.replace("seven years", "ten years").replace("never sell it.", "never sell it. We use Klarna for invoices.")
POLICY_C = POLICY + "We answer questions about privacy within one month of receiving them by email.\n"
POLICY_SV = """# Integritetspolicy

Vi samlar in och behandlar dina personuppgifter när du lägger en beställning i vår butik.
Personuppgiftsansvarig är Exempelbutiken AB som har sitt säte i Göteborg.
Vi behandlar ditt namn, din e-postadress och din adress med stöd av avtalet med dig.
Vi sparar uppgifter om beställningar i sju år eftersom bokföringslagen kräver det.
Med ditt samtycke använder vi kakor för att se hur besökare använder våra sidor.
Du har rätt till tillgång, rättelse och radering och kan klaga hos Integritetsskyddsmyndigheten.
"""
LOGIN = """# Sign in

Sign in to your account to see your orders. Forgot your password? Remember me on this computer.
By signing in you accept our privacy policy.
"""


def doc(text: str, language: str | None = "en") -> Document:
    return Document(text=text, language=language, title=None)


def stored(number: int, text: str, language: str | None = "en") -> StoredVersion:
    return StoredVersion(
        id=number, shop="shop", text=text, text_hash=text_hash(text), language=language, normalizer_version="1",
        first_seen=T0, last_seen=T0, snapshot_id=None, technical=False, structural=False, material=False,
        categories=(), counts={},
    )


def history(*texts: str, recent: tuple[SettledCheck, ...] = ()) -> ShopHistory:
    return ShopHistory(tuple(stored(i + 1, t) for i, t in enumerate(texts)), recent)


def held(text: str, reason: str = "flap", number: int = 10) -> SettledCheck:
    return SettledCheck(number, f"held:{reason}", text_hash(text))


def judge(text: str, past: ShopHistory, *, language: str | None = "en", final_url: str = URL,
          settings: GuardSettings = DEFAULTS) -> Verdict:
    return review(doc(text), language=language, history=past, requested_url=URL, final_url=final_url,
                  settings=settings)


def test_a_changed_policy_in_the_shops_language_is_accepted() -> None:
    verdict = judge(POLICY_B, history(POLICY))
    assert verdict == Verdict(True)
    assert verdict.decision == "new_version" and verdict.alerts


def test_the_first_version_of_a_shop_is_accepted() -> None:
    assert judge(POLICY, history()).accept


def test_a_text_in_another_language_than_the_configured_one_is_held() -> None:
    verdict = judge(POLICY_SV, history(POLICY))
    assert (verdict.accept, verdict.decision) == (False, "held:language")
    assert "'sv'" in (verdict.detail or "")


def test_without_a_configured_language_the_history_sets_it() -> None:
    assert judge(POLICY_SV, history(POLICY), language=None).decision == "held:language"
    assert judge(POLICY_SV, history(), language=None).accept


@pytest.mark.parametrize(
    ("kind", "text"),
    [
        ("login", LOGIN),
        ("challenge", "# Just a moment...\n\nChecking your browser before accessing shop.example. This takes a few seconds.\n"),
        ("maintenance", "# We will be back soon\n\nOur shop is under maintenance until Monday morning. Thank you for your patience.\n"),
        ("product", "# Wool socks, grey\n\nWarm socks for winter walks. In stock, ships tomorrow. Add to cart.\n"),
        ("homepage", "# Example Shop\n\nNew arrivals every Friday. Shop now and get free shipping on orders over 50 pounds.\n"),
        ("forum", "# Where is my parcel?\n\nPosted by Sam in the community forum. 4 replies. Mark as solution.\n"),
    ],
)
def test_a_page_that_is_not_a_policy_is_held_and_named(kind: str, text: str) -> None:
    verdict = judge(text, history(POLICY))
    assert verdict.decision == "held:not_policy"
    assert f"a {kind} page" in (verdict.detail or "")


def test_a_swedish_login_wall_is_held() -> None:
    text = "# Logga in\n\nLogga in på ditt konto för att se dina ordrar. Glömt ditt lösenord? Kom ihåg mig.\n"
    verdict = judge(text, history(POLICY_SV), language="sv")
    assert verdict.decision == "held:not_policy" and "login" in (verdict.detail or "")


def test_a_policy_that_mentions_logging_in_is_still_a_policy() -> None:
    text = POLICY + "When you create an account, we store a hash of your password; use Forgot your password to reset it.\n"
    assert judge(text, history(POLICY)).accept


def test_a_text_that_shrinks_to_a_fraction_is_held_as_collapsed() -> None:
    first_half = "\n".join(POLICY.splitlines()[:4]) + "\n"
    verdict = judge(first_half, history(POLICY))
    assert verdict.decision == "held:collapsed"


def test_a_text_that_loses_most_sentences_is_held_even_when_long_words_remain() -> None:
    sentences = [line for line in POLICY.splitlines()[2:] if line]
    short = "# Privacy policy\n\n" + " ".join(s.rstrip(".") + " and more of the same detail" for s in sentences[:3]) + ".\n"
    latest = POLICY * 2
    assert judge(short + short.replace("Privacy policy", "Cookies"), history(latest)).decision == "held:collapsed"


def test_redirects_to_another_host_or_the_home_page_are_moves() -> None:
    assert moved_away(URL, "https://login.example.net/sso?next=/privacy")
    assert moved_away(URL, "https://shop.example/")
    assert moved_away(URL, "https://shop.example/en/")
    assert moved_away(URL, "https://www.shop.example/privacy-policy?utm_source=x") is None
    assert moved_away(URL, "https://shop.example/legal/privacy") is None
    assert judge(POLICY_B, history(POLICY), final_url="https://shop.example/").decision == "held:moved"


def test_a_return_to_an_earlier_version_is_held_until_seen_again() -> None:
    past = history(POLICY, POLICY_B)
    first = judge(POLICY, past)
    assert (first.accept, first.decision) == (False, "held:flap")
    second = judge(POLICY, history(POLICY, POLICY_B, recent=(held(POLICY),)))
    assert second.accept and second.returning
    # A -> B was announced, B -> A never was: a revert is announced once.
    assert second.decision == RETURNED and second.alerts


def test_a_nearly_equal_earlier_text_counts_as_a_return() -> None:
    nearly = POLICY.replace("Leeds", "Leeds.")
    assert judge(nearly, history(POLICY, POLICY_B)).decision == "held:flap"


def test_a_small_edit_closer_to_the_latest_is_not_a_return() -> None:
    latest = POLICY.replace("Leeds", "York")
    edited = latest.replace("seven years", "six years")
    # Nearly equal to the earlier version too, but nearer the latest: a real small edit.
    assert judge(edited, history(POLICY, latest)).accept


def test_a_transition_already_recorded_never_alerts_again() -> None:
    past = history(POLICY, POLICY_B, POLICY, recent=(held(POLICY_B),))
    verdict = judge(POLICY_B, past)
    assert verdict.accept and verdict.decision == FLAP and not verdict.alerts


def test_alternating_on_every_check_never_becomes_stable() -> None:
    # A, B, A, B: between two sightings of A there is always a B, so A is never seen twice in a row.
    recent = (SettledCheck(3, "unchanged", text_hash(POLICY_B)), held(POLICY, number=2))
    assert judge(POLICY, history(POLICY, POLICY_B, recent=recent)).decision == "held:flap"


def test_a_held_page_that_stays_becomes_a_structural_version() -> None:
    settings = GuardSettings(structural_checks=3)
    once = judge(LOGIN, history(POLICY, recent=(held(LOGIN, "not_policy"),)), settings=settings)
    assert not once.accept
    recent = (held(LOGIN, "not_policy", 11), SettledCheck(10, "failed", None), held(LOGIN, "not_policy", 9))
    verdict = judge(LOGIN, history(POLICY, recent=recent), settings=settings)
    assert verdict.accept and verdict.structural and verdict.decision == STRUCTURAL


def test_a_different_held_text_restarts_the_count() -> None:
    recent = (held(LOGIN + "Ray id 2.\n", "not_policy"), held(LOGIN, "not_policy"), held(LOGIN, "not_policy"))
    assert held_streak(recent, text_hash(LOGIN)) == 0
    assert held_streak(recent[1:], text_hash(LOGIN)) == 2


def test_every_decision_fits_the_check_column() -> None:
    reasons = ("language", "not_policy", "collapsed", "moved", "flap")
    decisions = [Verdict(False, reason).decision for reason in reasons]
    decisions += [Verdict(True, structural=True).decision, Verdict(True, returning=True, repeat=True).decision]
    assert all(len(d) <= 32 for d in decisions)


def test_settings_come_from_the_crawl_section_with_defaults() -> None:
    assert guard_settings(CrawlConfig(stable_checks=4)).stable_checks == 4
    assert guard_settings(CrawlConfig()) == GuardSettings()


def test_each_language_has_the_same_page_kinds_and_its_examples_match() -> None:
    vocabularies = policy_vocabularies()
    assert {v.language for v in vocabularies} == {"en", "sv", "de", "fr", "uk"}
    kinds = {v.language: {k.name for k in v.kinds} for v in vocabularies}
    assert len(set(map(frozenset, kinds.values()))) == 1
    for vocabulary in vocabularies:
        assert len(policy_terms(vocabulary.example, (vocabulary,))) >= 4, vocabulary.language
        for kind in vocabulary.kinds:
            own = type(vocabulary)(vocabulary.language, vocabulary.policy, vocabulary.example, (kind,))
            assert page_kind(kind.example, (own,)) is not None, (vocabulary.language, kind.name)
            assert len(policy_terms(kind.example)) < 4, (vocabulary.language, kind.name)


def test_policy_stems_match_at_word_starts_and_run_on_into_inflections() -> None:
    english = tuple(v for v in policy_vocabularies() if v.language == "en")
    swedish = tuple(v for v in policy_vocabularies() if v.language == "sv")
    assert policy_terms("We never disclose it; see the (GDPR).", english) == {"disclos", "gdpr"}
    assert policy_terms("Undisclosed, nonconsensual and unretained.", english) == set()
    assert policy_terms("Third parties and third-party tools", english) == {"third part"}
    assert policy_terms("Vi sparar personuppgifterna", swedish) == {"spar", "personuppgift"}


def test_page_phrases_of_several_words_need_every_word_in_order() -> None:
    assert page_kind("Forgot your password?") == ("login", "forgot your password")
    assert page_kind("Your password: forgot it?") is None
    assert page_kind("Checking your browsers before") == ("challenge", "checking your browser")
