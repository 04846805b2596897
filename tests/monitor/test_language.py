"""Tests of monitor.language: stopword-based detection from knowledge/languages.toml."""

from __future__ import annotations

import sys
from collections import Counter

import pytest

from monitor.language import (
    _CONTEXT_CASED,
    _WORD,
    _token_counts,
    detect_language,
    language_profiles,
    language_scores,
)


@pytest.mark.parametrize("profile", language_profiles(), ids=lambda p: p.code)
def test_each_language_detects_its_own_example(profile) -> None:  # type: ignore[no-untyped-def]
    assert detect_language(profile.example) == profile.code


def test_the_required_languages_are_all_present() -> None:
    assert {"sv", "uk", "en", "de", "fr"} <= {p.code for p in language_profiles()}


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Vi sparar dina uppgifter så länge som det behövs för att hantera ditt köp och din garanti.", "sv"),
        ("Vi lagrer opplysningene dine så lenge det er nødvendig for å håndtere kjøpet ditt og garantien.", "no"),
        ("Vi gemmer dine oplysninger så længe det er nødvendigt for at håndtere dit køb og din garanti.", "da"),
        ("Ми зберігаємо ваші дані лише стільки, скільки це потрібно для обробки замовлення та гарантії.", "uk"),
        ("Мы храним ваши данные только столько, сколько это нужно для обработки заказа и гарантии.", "ru"),
        ("We keep your details only as long as they are needed to handle your purchase and warranty.", "en"),
        ("Wir speichern Ihre Angaben nur so lange, wie es für die Abwicklung Ihres Kaufs nötig ist.", "de"),
        ("Nous conservons vos informations uniquement le temps nécessaire au traitement de votre achat.", "fr"),
    ],
)
def test_hand_written_sentences_are_recognised(text: str, code: str) -> None:
    assert detect_language(text) == code


def test_ukrainian_letters_outweigh_shared_cyrillic_words() -> None:
    # "в", "на", "не" are shared; і/ї/є are Ukrainian only.
    scores = language_scores("Дані зберігаються в Україні на серверах, які не передаються іншим.")
    assert scores["uk"] > scores.get("ru", 0.0)


def test_too_little_text_gives_no_language() -> None:
    assert detect_language("Cookies") is None
    assert detect_language("") is None


def test_text_without_function_words_gives_no_language() -> None:
    assert detect_language("Klarna Stripe PayPal Google Analytics Hotjar Mailchimp Postnord") is None


@pytest.mark.parametrize(
    "text",
    [
        "We don't sell your data; we'd rather keep it. Don't worry: DON'T isn't don’t.",
        "Vi sparar data i 7 år (bokföringslagen), sedan raderas den_helt. VI SPARAR inte mer!",
        "ΟΔΟΣ.Α and ΟΔΟΣ Α: the sigma at a word's end is final only there.",
        "İstanbul'daki depo, iPhone-appen och e-post: 3D-säkrad, x²-test, rock'n'roll.",
    ],
)
def test_word_counts_are_those_of_a_plain_scan_in_first_seen_order(text: str) -> None:
    expected = Counter(t.lower() for t in _WORD.findall(text))
    assert list(_token_counts(text).items()) == list(expected.items())


def test_lower_casing_changes_no_character_into_another_kind() -> None:
    # Why detection may lower-case a whole text at once unless one of _CONTEXT_CASED is in it.
    def kind(c: str) -> tuple[bool, bool, bool]:
        return (_WORD.fullmatch(c) is not None, c.isspace(), c in "'’")

    odd = [c for c in map(chr, range(sys.maxunicode + 1)) if c.lower() != c and (len(c.lower()) != 1 or kind(c) != kind(c.lower()))]
    assert set(odd) <= set(_CONTEXT_CASED)
