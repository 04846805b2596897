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


def categories(old_sentence: str, new_sentence: str, heading: str = "Your rights") -> tuple[str, ...]:
    old = f"# Policy\n\n## {heading}\n\n{old_sentence}\n"
    new = f"# Policy\n\n## {heading}\n\n{new_sentence}\n"
    return run(old, new).categories


def test_a_new_way_to_exercise_rights_is_a_rights_change_in_every_language() -> None:
    cases = [
        ("To exercise your rights, write to privacy@shop.example.", "To exercise your rights, write to privacy@shop.example or use the form in our app."),
        ("Pour exercer vos droits, écrivez à privacy@shop.example.", "Pour exercer vos droits, écrivez à privacy@shop.example ou par courrier."),
        ("Um Ihre Rechte geltend zu machen, schreiben Sie an privacy@shop.example.", "Um Ihre Rechte geltend zu machen, nutzen Sie das Kontaktformular."),
        ("För att utöva dina rättigheter, mejla privacy@shop.example.", "För att utöva dina rättigheter, mejla privacy@shop.example eller ring oss på telefonnummer 08-123 45."),
        ("Щоб реалізувати свої права, напишіть на privacy@shop.example.", "Щоб реалізувати свої права, напишіть на privacy@shop.example або поштою."),
    ]
    for old, new in cases:
        assert "rights" in categories(old, new), new
        assert "rights" in categories(new, old), old


def test_a_channel_named_outside_rights_is_no_rights_change() -> None:
    old = "Orders are confirmed by e-mail."
    new = "Orders are confirmed by e-mail and shown in our app."
    assert "rights" not in categories(old, new, heading="Orders")


def test_a_new_dpo_representative_or_joint_controller_is_a_controller_change() -> None:
    base = "Harbour Cycles Ltd is the controller."
    for sentence in (
        "Our Data Protection Officer can be reached at dpo@harbour.example.",
        "Notre représentant dans l'UE est joignable par courrier.",
        "Für Live-Übertragungen sind wir und unser Partner gemeinsam Verantwortliche.",
        "Vårt dataskyddsombud nås via e-post.",
        "Наш представник у ЄС відповідає на запитання.",
    ):
        assert "controller" in categories(base, f"{base} {sentence}", heading="Who we are"), sentence


def test_the_laws_definition_of_joint_controllers_is_no_controller_change() -> None:
    base = "Harbour Cycles Ltd is the controller."
    for definition in (
        "Where two or more controllers jointly determine the purposes and means, they are joint controllers.",
        "Lorsque deux responsables du traitement ou plus déterminent conjointement les finalités, ils sont responsables conjoints du traitement.",
    ):
        assert "controller" not in categories(base, f"{base}\n\n{definition}", heading="Definitions"), definition


def test_the_controllers_subsidiaries_in_brackets_are_not_new_processors() -> None:
    base = "Acme Inc. and its subsidiaries (Acme Labs, Inc. and Widget LLC) adhere to the Data Privacy Framework for personal data they receive."
    cases = [
        (base, base.replace("Widget LLC)", "Widget LLC, Gadget Inc.)")),
        (
            "Acme SAS et ses filiales (Acme Lab SARL) traitent vos données personnelles selon ces règles.",
            "Acme SAS et ses filiales (Acme Lab SARL, Widget SAS) traitent vos données personnelles selon ces règles.",
        ),
        (
            "Die Acme GmbH und ihre Tochtergesellschaften (Acme Labor GmbH) verarbeiten personenbezogene Daten nach diesen Regeln.",
            "Die Acme GmbH und ihre Tochtergesellschaften (Acme Labor GmbH, Widget AG) verarbeiten personenbezogene Daten nach diesen Regeln.",
        ),
    ]
    for old, new in cases:
        assert "processor" not in categories(old, new, heading="Transfers"), new
    shared = "We share your personal data with Gadget Inc., a member of our group."
    assert "processor" in categories(base, f"{base} {shared}", heading="Transfers")


def test_a_new_recipient_in_a_named_country_is_a_transfer_change() -> None:
    cases = [
        ("Stripe, located in the United States, processes payments.", "OpenAI, located in the United States, answers chat questions."),
        ("Stripe, situé aux États-Unis, traite les paiements.", "OpenAI, situé aux États-Unis, répond aux questions du chat."),
        ("Stripe mit Sitz in den USA verarbeitet Zahlungen.", "OpenAI mit Sitz in den USA beantwortet Chatfragen."),
    ]
    for kept, sentence in cases:
        result = run(policy(kept), policy(kept, sentence))
        assert "transfer" in result.categories, sentence
    group = "We share your personal data with Acme Group Inc., located in the British Virgin Islands."
    more = group.replace("Inc.,", "Inc., and Acme Holdings Ltd, both")
    assert "transfer" in run(policy(group), policy(more)).categories


def test_one_provider_replacing_another_in_the_same_country_is_no_transfer_change() -> None:
    old = "Some providers, including Stripe and Mailchimp, may process data in the United States."
    result = run(policy(old), policy(old.replace("Mailchimp", "Klaviyo")))
    assert "processor" in result.categories
    assert "transfer" not in result.categories


def test_a_mechanism_no_longer_refused_is_a_transfer_change() -> None:
    cases = [
        ("We are certified under the DPF, but will not rely on the UK Extension.", "We are certified under the DPF and rely on the UK Extension."),
        ("Le prestataire n'est pas certifié au titre du Data Privacy Framework.", "Le prestataire est certifié au titre du Data Privacy Framework."),
        ("Der Anbieter ist nicht nach dem Data Privacy Framework zertifiziert.", "Der Anbieter ist nach dem Data Privacy Framework zertifiziert."),
    ]
    for old, new in cases:
        assert "transfer" in categories(old, new, heading="Transfers"), new
    same = "We rely on the UK Extension to the Data Privacy Framework."
    assert not run(policy(same), policy(same.replace("We rely", "We do rely"))).material


def test_leaving_a_country_is_a_destination_of_its_own() -> None:
    kept = "Acme SA, based in Geneva, Switzerland, is the controller of your data."
    for sentence in (
        "If you are in Switzerland, your data may be transferred outside of Switzerland.",
        "Vos données peuvent être transférées hors de Suisse.",
        "Ihre Daten können außerhalb der Schweiz verarbeitet und übermittelt werden.",
    ):
        assert "transfer" in run(policy(kept), policy(kept, sentence)).categories, sentence


def test_data_no_longer_kept_at_all_is_a_retention_change() -> None:
    kept = "Order data is kept for 6 years under bookkeeping law."
    for sentence in (
        "Your live video stream will not be retained after the stream ends.",
        "Votre flux vidéo ne sera pas conservé après la diffusion.",
        "Ihr Videostream wird nach dem Ende nicht gespeichert.",
        "Din videoström sparas inte efter sändningen.",
        "Ваша відеотрансляція не зберігається після завершення.",
    ):
        result = run(policy(kept), policy(kept, sentence))
        assert "retention" in result.categories, sentence
