"""The classifier's other categories: finer data categories, purposes, data said not to be
collected, and legal bases that belong to one processing. Every policy is written for the test."""

from __future__ import annotations

import pytest

from monitor.classify import Classification, classify
from monitor.diff import diff_texts

SHOP = {
    "en": "# Privacy\n\n## Data\n\nWe collect your name and e-mail address when you order.\n\n## Delivery\n\nWe deliver with our own vans.\n",
    "sv": "# Integritet\n\n## Uppgifter\n\nVi samlar in namn och e-postadress när du handlar.\n\n## Leverans\n\nVi kör ut paketen själva.\n",
    "de": "# Datenschutz\n\n## Daten\n\nWir erheben Ihren Namen und Ihre E-Mail-Adresse bei der Bestellung.\n\n## Versand\n\nWir liefern selbst aus.\n",
    "fr": "# Confidentialité\n\n## Données\n\nNous collectons votre nom et votre adresse e-mail lors de la commande.\n\n## Livraison\n\nNous livrons nous-mêmes.\n",
    "uk": "# Конфіденційність\n\n## Дані\n\nМи збираємо ваше ім’я та електронну адресу під час замовлення.\n\n## Доставка\n\nМи доставляємо самі.\n",
}


def run(old: str, new: str) -> Classification:
    return classify(old, new, diff_texts(old, new))


def added(language: str, sentence: str) -> Classification:
    """The shop's policy with ``sentence`` added at the end of its data section."""
    old = SHOP[language]
    head, heading, tail = old.rpartition("\n\n## ")
    return run(old, f"{head}\n\n{sentence}{heading}{tail}")


def entities(result: Classification, category: str) -> set[str]:
    return {f.entity or "" for f in result.findings if f.category == category and f.change == "added"}


@pytest.mark.parametrize(
    ("language", "sentence"),
    [
        ("en", "The app also reads your approximate location from your IP address."),
        ("sv", "Vi ser även din ungefärliga plats utifrån IP-adressen."),
        ("de", "Wir ermitteln außerdem Ihren ungefähren Standort anhand der IP-Adresse."),
        ("fr", "Nous déduisons aussi votre localisation approximative de votre adresse IP."),
        ("uk", "Ми також визначаємо ваше приблизне місцезнаходження за IP-адресою."),
    ],
)
def test_an_approximate_location_is_a_data_category_of_its_own(language: str, sentence: str) -> None:
    # The IP address it comes from is a datum of its own (device data).
    assert "approximate location" in entities(added(language, sentence), "data_collected")


def test_a_precise_location_already_collected_does_not_hide_an_approximate_one() -> None:
    old = SHOP["en"].replace("when you order.", "when you order. The app uses your precise location.")
    new = old.replace("The app uses your precise location.", "The app uses your precise location. We also estimate your approximate location.")
    assert entities(run(old, new), "data_collected") == {"approximate location"}


@pytest.mark.parametrize(
    ("language", "sentence"),
    [
        ("en", "Job applicants send us their CV and a cover letter."),
        ("sv", "Den som söker jobb hos oss skickar sitt CV och ett personligt brev."),
        ("de", "Bewerber senden uns Anschreiben und Lebenslauf."),
        ("fr", "Les candidats nous envoient leur CV et une lettre de motivation."),
        ("uk", "Кандидати надсилають нам резюме та супровідний лист."),
    ],
)
def test_application_documents_are_a_data_category_not_photos(language: str, sentence: str) -> None:
    assert entities(added(language, sentence), "data_collected") == {"application documents"}


@pytest.mark.parametrize(
    ("language", "sentence"),
    [
        ("en", "For billing we keep records of calls and SMS for six months."),
        ("sv", "För faktureringen sparar vi uppgifter om samtal och SMS-trafik."),
        ("de", "Für die Abrechnung speichern wir SMS-Verbindungsdaten."),
        ("fr", "Pour la facturation nous gardons le relevé des appels et SMS."),
        ("uk", "Для розрахунків ми зберігаємо історію дзвінків і SMS."),
    ],
)
def test_sms_records_are_a_data_category(language: str, sentence: str) -> None:
    assert entities(added(language, sentence), "data_collected") == {"sms records"}


@pytest.mark.parametrize(
    ("language", "sentence"),
    [
        ("en", "We do not collect your date of birth or any biometric data."),
        ("sv", "Vi samlar inte in ditt personnummer."),
        ("de", "Wir erheben keine Gesundheitsdaten."),
        ("fr", "Nous ne collectons pas votre date de naissance."),
        ("uk", "Ми не збираємо біометричні дані."),
    ],
)
def test_data_said_not_to_be_collected_is_no_data_category(language: str, sentence: str) -> None:
    assert "data_collected" not in added(language, sentence).categories


def test_data_collected_after_a_denial_in_the_same_sentence_still_counts() -> None:
    sentence = "We do not sell anything to other companies, and at checkout we ask for your date of birth."
    assert entities(added("en", sentence), "data_collected") == {"date of birth"}


@pytest.mark.parametrize(
    ("language", "sentence", "purpose"),
    [
        ("en", "We use your reading history for customization of the app.", "personalization"),
        ("sv", "Vi använder dina köp för att anpassa innehållet efter dig.", "personalization"),
        ("de", "Wir nutzen Ihre Käufe zur Personalisierung der Inhalte.", "personalization"),
        ("fr", "Vos achats servent à la personnalisation de votre expérience.", "personalization"),
        ("uk", "Ми використовуємо ваші покупки для персоналізації контенту.", "personalization"),
        ("en", "Reports from customers are used for content moderation.", "moderation"),
        ("sv", "Vi läser anmälda recensioner för moderering av forumet.", "moderation"),
        ("de", "Meldungen dienen der Moderation von Bewertungen.", "moderation"),
        ("fr", "Les signalements servent à la modération des avis.", "moderation"),
        ("uk", "Скарги використовуються для модерації відгуків.", "moderation"),
        ("en", "A captcha service is used for bot protection on our forms.", "service security"),
        ("sv", "Vi använder en captcha som skydd mot spam i formulären.", "service security"),
        ("de", "Ein Captcha dient dem Schutz vor Spam in unseren Formularen.", "service security"),
        ("fr", "Un captcha assure la protection contre les robots sur nos formulaires.", "service security"),
        ("uk", "Капча забезпечує захист від ботів у наших формах.", "service security"),
    ],
)
def test_a_new_purpose_is_found_in_every_language(language: str, sentence: str, purpose: str) -> None:
    assert purpose in entities(added(language, sentence), "purpose")


BASES = """# Integritet

## Beställningar

Vi behandlar namn och adress för att leverera varor. Rättslig grund: Fullgörande av avtal.

## Recensioner

Vi ber dig om ett omdöme efter köpet. Rättslig grund: Fullgörande av avtal.
"""


def test_a_processing_that_ends_while_another_begins_elsewhere_is_no_legal_basis_change() -> None:
    new = BASES.replace(
        "## Recensioner\n\nVi ber dig om ett omdöme efter köpet. Rättslig grund: Fullgörande av avtal.",
        "## Kundundersökningar\n\nVi skickar ibland en enkät om webbplatsen. Rättslig grund: Intresseavvägning.",
    )
    assert "legal_basis" not in run(BASES, new).categories


def test_a_basis_replaced_under_the_same_heading_is_a_legal_basis_change() -> None:
    new = BASES.replace(
        "omdöme efter köpet. Rättslig grund: Fullgörande av avtal.", "omdöme efter köpet. Rättslig grund: Samtycke."
    )
    assert "legal_basis" in run(BASES, new).categories
