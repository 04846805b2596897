"""Tests of the sentence splitter and the sections of a normalized text."""

from __future__ import annotations

import time

import pytest

from monitor.segment import segment, split_sentences


@pytest.mark.parametrize(
    ("paragraph", "expected"),
    [
        ("Vi delar t.ex. Namn med Klarna. Det gäller bl.a. Adress.",
         ["Vi delar t.ex. Namn med Klarna.", "Det gäller bl.a. Adress."]),
        ("Ми збираємо ім'я, телефон і т.д. Див. ст. 5 Закону.",
         ["Ми збираємо ім'я, телефон і т.д.", "Див. ст. 5 Закону."]),
        ("We use e.g. Stripe. Mr. Smith answers etc. Then we stop!",
         ["We use e.g. Stripe.", "Mr. Smith answers etc.", "Then we stop!"]),
        ("Wir nutzen z.B. PayPal gem. Art. 6 DSGVO. Danach löschen wir usw. Ende.",
         ["Wir nutzen z.B. PayPal gem. Art. 6 DSGVO.", "Danach löschen wir usw.", "Ende."]),
        ("Nous utilisons p.ex. Stripe, cf. Art. 3. Voir l'art. 4 ci-dessous.",
         ["Nous utilisons p.ex. Stripe, cf. Art. 3.", "Voir l'art. 4 ci-dessous."]),
    ],
    ids=["sv", "uk", "en", "de", "fr"],
)
def test_abbreviations_do_not_end_sentences(paragraph: str, expected: list[str]) -> None:
    assert split_sentences(paragraph) == expected


def test_a_quoted_sentence_keeps_its_closing_quote() -> None:
    assert split_sentences('He said "Stop." Then he left.') == ['He said "Stop."', "Then he left."]


def test_lowercase_after_a_full_stop_does_not_split() -> None:
    assert split_sentences("Version 2. the rest stays together.") == ["Version 2. the rest stays together."]


def test_segment_knows_sections_kinds_and_blocks() -> None:
    text = "# Betalning\n\nVi använder  Klarna. Och Swish.\n\n- Kort\n\n| Part | Land |\n|---|---|\n| Klarna | Sverige |\n"
    sentences = segment(text)
    assert [(s.text, s.kind) for s in sentences] == [
        ("Betalning", "heading"),
        ("Vi använder Klarna.", "sentence"),
        ("Och Swish.", "sentence"),
        ("Kort", "item"),
        ("Part", "cell"),
        ("Land", "cell"),
        ("Klarna", "cell"),
        ("Sverige", "cell"),
    ]
    assert {s.section for s in sentences} == {"Betalning"}
    assert sentences[1].block == sentences[2].block != sentences[3].block


def test_white_space_inside_items_cells_and_headings_is_collapsed() -> None:
    sentences = segment("#   Two   words\n\n- an   item\n\n| a   cell |\n")
    assert [s.text for s in sentences] == ["Two words", "an item", "a cell"]


def test_a_long_paragraph_is_split_in_linear_time() -> None:
    paragraph = " ".join(f"Sentence number {i} ends here." for i in range(20000))
    start = time.perf_counter()
    assert len(split_sentences(paragraph)) == 20000
    assert time.perf_counter() - start < 1.0


def test_segment_hands_out_a_new_list_each_time() -> None:
    text = "# Cookies\n\nWe use cookies. You can refuse them.\n"
    first = segment(text)
    first.clear()
    assert [s.text for s in segment(text)] == ["Cookies", "We use cookies.", "You can refuse them."]


def test_split_sentences_hands_out_a_new_list_each_time() -> None:
    split_sentences("Wir speichern Daten. Danach löschen wir sie.").append("Extra.")
    assert split_sentences("Wir speichern Daten. Danach löschen wir sie.") == [
        "Wir speichern Daten.", "Danach löschen wir sie."]
