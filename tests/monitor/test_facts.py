"""Kinds of facts the classifier must get right, one test per kind, in each language.

Every sentence here is written for the test; each pair differs only in the fact at stake.
"""

from __future__ import annotations

from monitor.classify import Classification, classify
from monitor.diff import diff_texts


def run(old: str, new: str) -> Classification:
    return classify(old, new, diff_texts(old, new))


def added(result: Classification) -> set[str]:
    return {f.entity or "" for f in result.findings if f.category == "processor" and f.change == "added"}


def policy(*paragraphs: str) -> str:
    return "# Policy\n\n## Recipients\n\n" + "\n\n".join(paragraphs) + "\n"


def test_a_link_after_a_named_party_is_that_partys_page_not_its_owner() -> None:
    base = "We share order data with our payment provider Stripe."
    cases = [
        "We share browsing data with BlueKai; opt out at https://optout.oracle.com/choices.",
        "Wir übermitteln Nutzungsdaten an BlueKai, Widerspruch unter https://optout.oracle.com/choices.",
        "Nous partageons des données de navigation avec BlueKai : https://optout.oracle.com/choices.",
    ]
    for sentence in cases:
        assert added(run(policy(base), policy(base, sentence))) == {"BlueKai"}, sentence


def test_a_browser_named_in_cookie_instructions_is_no_processor() -> None:
    base = "Nous partageons vos données de commande avec Colissimo pour la livraison."
    cases = [
        "Sous Google Chrome, vous trouverez la marche à suivre à l'adresse https://support.google.com/chrome.",
        "In Google Chrome you can delete cookies and stored data under Settings.",
        "In Mozilla Firefox können Sie gespeicherte Daten und Cookies unter Einstellungen löschen.",
        "I Safari kan du radera cookies och sparade data under Inställningar.",
    ]
    for sentence in cases:
        assert "processor" not in run(policy(base), policy(base, sentence)).categories, sentence


def test_a_company_with_a_public_benefit_form_is_reported_by_its_brand() -> None:
    base = "We share order data with our payment provider Stripe."
    new = policy(base, "Our assistant uses Anthropic, PBC, located in the United States, as its model provider.")
    assert added(run(policy(base), new)) == {"Anthropic"}
