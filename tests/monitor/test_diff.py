"""Tests of the sentence diff: unit cases, golden cases and Hypothesis properties."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from monitor.diff import Diff, WordOp, apply_changes, diff_texts, key_opcodes
from monitor.diff_words import fold, fold_all
from monitor.segment import segment

GOLDEN = Path(__file__).parent.parent / "data" / "golden" / "diff"

WORDS = (  # noqa: SIM905 - a word list reads best as the text it is
    "data personal vi behandlar uppgifter ваші дані обробляємо wir verarbeiten ihre "
    "daten nous traitons vos données collect share store partners payment cookies "
    "retention years months account email address order delivery newsletter consent"
).split()


def ops(diff: Diff) -> list[str]:
    return [change.op for change in diff.changes]


def new_texts(text: str) -> list[str]:
    return [sentence.text for sentence in segment(text)]


def test_identical_texts_have_no_changes() -> None:
    text = "# Betalning\n\nVi använder Klarna för fakturabetalning. Uppgifterna sparas i 7 år.\n"
    assert diff_texts(text, text).changes == ()


def test_edited_sentence_is_a_modify_with_word_ops() -> None:
    old = "# Lagring\n\nLagringstid: 7 år enligt bokföringslagen.\n"
    new = "# Lagring\n\nLagringstid: 10 år enligt bokföringslagen.\n"
    (change,) = diff_texts(old, new).changes
    assert change.op == "modify"
    assert change.section == "Lagring"
    assert WordOp("delete", "7") in change.words
    assert WordOp("insert", "10") in change.words
    assert "".join(w.text for w in change.words if w.op != "insert") == change.before
    assert "".join(w.text for w in change.words if w.op != "delete") == change.after


def test_unrelated_replacement_is_a_delete_and_an_insert() -> None:
    old = "We keep logs for a month.\n"
    new = "Payments are handled by Stripe in Ireland.\n"
    assert sorted(ops(diff_texts(old, new))) == ["delete", "insert"]


def test_moved_paragraph_is_a_move() -> None:
    old = "# A\n\nFirst we collect your name.\n\n# B\n\nWe never sell your data to anyone.\n"
    new = "# A\n\n# B\n\nWe never sell your data to anyone.\n\nFirst we collect your name.\n"
    (change,) = diff_texts(old, new).changes
    assert change.op == "move"
    assert (change.section_before, change.section) == ("A", "B")
    assert change.words == ()


def test_moved_and_edited_sentence_is_a_move_with_word_ops() -> None:
    sentence = "Wir speichern Bestelldaten zehn Jahre lang gemäß Handelsgesetzbuch und Abgabenordnung"
    old = f"# Speicherung\n\n{sentence}.\n\n# Rechte\n\nSie haben ein Recht auf Auskunft.\n"
    new = f"# Speicherung\n\n# Rechte\n\nSie haben ein Recht auf Auskunft.\n\n{sentence}!\n"
    (change,) = diff_texts(old, new).changes
    assert change.op == "move"
    assert WordOp("insert", "!") in change.words


def test_moved_section_moves_each_of_its_sentences() -> None:
    cookies = "# Cookies\n\nNous utilisons des cookies. Vous pouvez les refuser.\n\n"
    rights = "# Vos droits\n\nVous avez un droit d'accès. Écrivez-nous.\n\n"
    contact = "# Contact\n\nNotre adresse est à Paris.\n\n"
    diff = diff_texts(cookies + rights + contact, rights + contact + cookies)
    assert set(ops(diff)) == {"move"}
    assert diff.counts()["move"] == 3


def test_whitespace_only_edit_is_no_change() -> None:
    old = "Ми обробляємо ваші дані, т.д. Дані зберігаються 3 роки.\n"
    new = "Ми  обробляємо ваші\nдані, т.д.   Дані зберігаються 3 роки.  \n"
    assert diff_texts(old, new).changes == ()


def test_case_only_edit_is_a_modify_but_keeps_the_alignment() -> None:
    old = "We share data with partners. We keep it safe.\n"
    new = "We share data with Partners. We keep it safe.\n"
    (change,) = diff_texts(old, new).changes
    assert (change.op, change.old_index, change.new_index) == ("modify", 0, 0)


def test_deletion_is_placed_where_it_was() -> None:
    old = "# A\n\nOne sentence here.\n\nTwo sentences here.\n\n# B\n\nThree.\n"
    new = "# A\n\nOne sentence here.\n\n# B\n\nThree.\n"
    (change,) = diff_texts(old, new).changes
    assert (change.op, change.section, change.old_index) == ("delete", "A", 2)


def test_changes_json_has_the_contract_keys() -> None:
    diff = diff_texts("Old text stays here.\n", "Old text stays here now.\n")
    (entry,) = diff.to_json()
    assert {"op", "before", "after", "section", "words"} <= entry.keys()
    assert diff.counts() == {"insert": 0, "delete": 0, "modify": 1, "move": 0}


def test_apply_changes_rejects_changes_that_do_not_fit() -> None:
    old, new = "A first one.\n", "A first one.\n\nA second one.\n"
    diff = diff_texts(old, new)
    with pytest.raises(ValueError):
        apply_changes("A first one.\n\nAn extra one.\n\nAnother one.\n", diff)


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("We share  data, e.g. Email!", "we share data e g email"),
        ("Voir l’art. 5 — «Données»", "voir l art 5 données"),
        ("Die Straße_Nr. 3", "die strasse nr 3"),
        ("Дані (т.д.) зберігаються.", "дані т д зберігаються"),
        (" *** ", "***"),
    ],
)
def test_fold_ignores_case_white_space_and_punctuation_in_any_script(text: str, key: str) -> None:
    assert fold(text) == key


def test_fold_all_folds_each_distinct_text_once_and_keeps_the_order() -> None:
    known: dict[str, str] = {}
    assert fold_all(["B b.", "A a.", "B b."], known) == ["b b", "a a", "b b"]
    assert known == {"B b.": "b b", "A a.": "a a"}


def test_key_opcodes_match_the_longest_run_of_equal_keys() -> None:
    old = ["a", "we keep data", "b", "you may object", "c"]
    new = ["we keep data", "x", "you may object", "c", "a"]
    equal = [(c.src_start, c.src_end, c.dest_start) for c in key_opcodes(old, new) if c.tag == "equal"]
    assert sum(end - start for start, end, _ in equal) == 3
    assert all(old[start:end] == new[at : at + end - start] for start, end, at in equal)


def golden_cases() -> list[str]:
    return sorted(p.name for p in GOLDEN.iterdir() if p.is_dir()) if GOLDEN.is_dir() else []


@pytest.mark.parametrize("case", golden_cases())
def test_golden_diff(case: str, request: pytest.FixtureRequest) -> None:
    folder = GOLDEN / case
    old = (folder / "old.md").read_text(encoding="utf-8")
    new = (folder / "new.md").read_text(encoding="utf-8")
    diff = diff_texts(old, new)
    actual = {"counts": diff.counts(), "changes": diff.to_json()}
    expected_path = folder / "expected.json"
    if request.config.getoption("--update-golden", default=False) or not expected_path.exists():
        expected_path.write_text(json.dumps(actual, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    assert actual == json.loads(expected_path.read_text(encoding="utf-8"))
    assert apply_changes(old, diff) == new_texts(new)


def test_golden_cases_cover_five_languages() -> None:
    languages = {case.split("-")[0] for case in golden_cases()}
    assert {"sv", "uk", "en", "de", "fr"} <= languages


# Properties. Sentences are unique within a document so that "moved" is well defined.
sentence_st = st.lists(st.sampled_from(WORDS), min_size=3, max_size=9).map(
    lambda words: " ".join(words).capitalize() + "."
)
paragraph_st = st.lists(sentence_st, min_size=1, max_size=3)
document_st = st.lists(paragraph_st, min_size=1, max_size=8).filter(
    lambda paragraphs: len({s for p in paragraphs for s in p}) == sum(len(p) for p in paragraphs)
)
FAST = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])


def render(paragraphs: list[list[str]]) -> str:
    return "\n\n".join(" ".join(p) for p in paragraphs) + "\n"


@FAST
@given(document_st)
def test_property_diff_of_a_text_with_itself_is_empty(paragraphs: list[list[str]]) -> None:
    text = render(paragraphs)
    assert diff_texts(text, text).changes == ()


@FAST
@given(document_st, document_st)
def test_property_applying_the_changes_to_old_gives_new(a: list[list[str]], b: list[list[str]]) -> None:
    old, new = render(a), render(b)
    assert apply_changes(old, diff_texts(old, new)) == new_texts(new)


@FAST
@given(document_st, st.data())
def test_property_applying_the_changes_of_an_edit_gives_new(a: list[list[str]], data: st.DataObject) -> None:
    b = [list(p) for p in a]
    edits = data.draw(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 100), sentence_st), max_size=4))
    for kind, where, sentence in edits:
        p = b[where % len(b)]
        if kind == 0:
            p.insert(where % (len(p) + 1), sentence)
        elif kind == 1 and len(p) > 1:
            p.pop(where % len(p))
        elif kind == 2:
            p[where % len(p)] = p[where % len(p)][:-1] + " " + sentence.lower()
        else:
            b.insert(where % (len(b) + 1), b.pop(where % len(b)))
    old, new = render(a), render(b)
    assert apply_changes(old, diff_texts(old, new)) == new_texts(new)


@FAST
@given(document_st, document_st)
def test_property_swapping_sides_swaps_inserts_and_deletes(a: list[list[str]], b: list[list[str]]) -> None:
    forward = diff_texts(render(a), render(b)).counts()
    backward = diff_texts(render(b), render(a)).counts()
    assert (forward["insert"], forward["delete"]) == (backward["delete"], backward["insert"])
    assert (forward["modify"], forward["move"]) == (backward["modify"], backward["move"])


@FAST
@given(document_st, st.randoms(use_true_random=False))
def test_property_shuffling_paragraphs_yields_only_moves(paragraphs: list[list[str]], rnd: random.Random) -> None:
    shuffled = list(paragraphs)
    rnd.shuffle(shuffled)
    diff = diff_texts(render(paragraphs), render(shuffled))
    assert set(ops(diff)) <= {"move"}
    assert (shuffled == paragraphs) == (diff.changes == ())


@FAST
@given(document_st, st.lists(st.sampled_from(["  ", "\n", " \t "]), min_size=1, max_size=30))
def test_property_whitespace_only_edits_yield_nothing(paragraphs: list[list[str]], spaces: list[str]) -> None:
    text = render(paragraphs)
    pieces = text.split(" ")
    edited = pieces[0] + "".join((spaces[i % len(spaces)] if i < len(spaces) else " ") + piece
                                 for i, piece in enumerate(pieces[1:]))
    assert diff_texts(text, edited + "   \n").changes == ()
