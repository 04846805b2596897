"""The classifier: facts that change are found, editorial edits produce nothing.

Every policy here is written for the test, one small shop per language.
"""

from __future__ import annotations

import json

from monitor.classify import Classification, classify
from monitor.diff import diff_texts

SV = """# Integritetspolicy

Senast uppdaterad: 1 mars 2024.

## Vilka uppgifter vi samlar in

Vi samlar in namn, adress, e-postadress och telefonnummer när du handlar hos oss.

## Betalning och leverans

Vi samarbetar med Klarna för fakturabetalning. Paket skickas med PostNord.

## Överföring till tredjeland

Vissa leverantörer behandlar uppgifter utanför EU/EES, inklusive till Kanada och USA, med stöd av EU-kommissionens standardavtalsklausuler.

## Lagringstid

Orderuppgifter sparas i 7 år enligt bokföringslagen. Kundtjänstärenden sparas i två år efter köpet, t.ex. frågor om leveranser.

## Cookies

Vi använder Google Analytics för att förstå hur webbplatsen används.
"""

EN = """# Privacy policy

## Who we are

Harbour Cycles Ltd, 12 Quay Street, Galway, is the controller.

## Who we share data with

- Stripe processes card payments.
- Mailchimp sends our newsletter.
- An Post and DPD deliver your parcels.

## International transfers

Mailchimp may store data in the United States under the EU-US Privacy Shield.

## How long we keep your data

Order records are kept for 6 years from the end of the financial year. Newsletter data is kept until you unsubscribe.

## Children

Our shop is not intended for children under 16 years.
"""

DE = """# Datenschutzerklärung

Stand: 01.02.2024

## Versand

Zur Zustellung übermitteln wir Ihren Namen und Ihre Lieferadresse an die DHL Paket GmbH.

## Newsletter

Für den Newsletter nutzen wir CleverReach. Die Daten werden bis zu Ihrer Abmeldung gespeichert.

## Server-Logfiles

Die Logfiles werden nach 14 Tagen gelöscht.
"""

UK = """# Політика конфіденційності

## Кому ми передаємо дані

Ми передаємо ваші дані службі доставки Нова пошта та платіжному сервісу LiqPay.

## Реклама

Для показу реклами ми використовуємо піксель Facebook.

## Строк зберігання

Дані про замовлення ми зберігаємо протягом 3 років з дати останнього замовлення.

## Діти

Ми не продаємо товари особам, молодшим 14 років.
"""

FR = """# Politique de confidentialité

## Destinataires

Nous travaillons avec les prestataires suivants : Colissimo pour la livraison et PayPal pour le paiement.

## Durée de conservation

Vos données sont conservées pendant 3 ans à compter de votre dernier achat.
"""


def run(old: str, new: str) -> Classification:
    return classify(old, new, diff_texts(old, new))


def names(result: Classification, change: str) -> set[str]:
    return {f.entity or "" for f in result.findings if f.category == "processor" and f.change == change}


def test_identical_versions_are_not_material() -> None:
    result = run(SV, SV)
    assert result == Classification(False, (), ())


def test_a_new_last_updated_date_is_editorial() -> None:
    assert not run(SV, SV.replace("1 mars 2024", "12 april 2024")).material
    assert not run(DE, DE.replace("01.02.2024", "15.01.2025")).material


def test_a_new_processor_is_found_in_swedish() -> None:
    new = SV.replace("Paket skickas med PostNord.", "Paket skickas med PostNord eller DHL.")
    result = run(SV, new)
    assert result.categories == ("processor",)
    assert names(result, "added") == {"DHL"}
    finding = result.findings[0]
    assert finding.after is not None and "DHL" in finding.after
    assert finding.section == "Betalning och leverans"


def test_a_replaced_processor_is_one_removal_and_one_addition_in_german() -> None:
    result = run(DE, DE.replace("nutzen wir CleverReach", "nutzen wir rapidmail"))
    assert names(result, "removed") == {"CleverReach"}
    assert names(result, "added") == {"rapidmail"}


def test_a_new_processor_is_found_in_ukrainian_and_french() -> None:
    uk = run(UK, UK.replace("та платіжному сервісу LiqPay", "та Укрпошта, платіжному сервісу LiqPay"))
    assert "processor" in uk.categories
    assert {name.casefold() for name in names(uk, "added")} == {"укрпошта"}
    fr = run(FR, FR.replace("PayPal pour le paiement", "PayPal et Stripe pour le paiement"))
    assert names(fr, "added") == {"Stripe"}


def test_a_renamed_vendor_is_not_a_change() -> None:
    assert not run(UK, UK.replace("піксель Facebook", "піксель Meta")).material
    sv = SV.replace("Klarna för fakturabetalning", "Klarna för fakturabetalning och Sendinblue för nyhetsbrev")
    assert not run(sv, sv.replace("Sendinblue", "Brevo")).material


def test_a_moved_paragraph_is_nothing() -> None:
    moved = EN.replace(
        "## Children\n\nOur shop is not intended for children under 16 years.\n", ""
    ).replace("## Who we are", "## Children\n\nOur shop is not intended for children under 16 years.\n\n## Who we are")
    assert moved != EN
    assert not run(EN, moved).material


def test_swapped_list_items_are_nothing() -> None:
    swapped = EN.replace("- Stripe processes card payments.\n- Mailchimp sends our newsletter.", "- Mailchimp sends our newsletter.\n- Stripe processes card payments.")
    assert not run(EN, swapped).material


def test_a_longer_retention_period_is_found_from_one_changed_word() -> None:
    result = run(SV, SV.replace("sparas i 7 år", "sparas i 10 år"))
    assert result.categories == ("retention",)
    finding = result.findings[0]
    assert finding.change == "modified"
    assert finding.before and "7 år" in finding.before
    assert finding.after and "10 år" in finding.after
    assert "7 years" in finding.detail and "10 years" in finding.detail


def test_the_same_period_written_differently_is_nothing() -> None:
    assert not run(SV, SV.replace("i två år efter köpet", "i 24 månader efter köpet")).material
    assert not run(SV, SV.replace("i två år efter köpet", "i 2 år efter köpet")).material
    assert not run(DE, DE.replace("nach 14 Tagen", "nach vierzehn Tagen".replace("vierzehn", "14"))).material


def test_a_new_anchor_of_the_same_period_is_a_retention_change() -> None:
    result = run(UK, UK.replace("з дати останнього замовлення", "з моменту реєстрації"))
    assert result.categories == ("retention",)


def test_an_abbreviation_written_out_is_nothing() -> None:
    assert not run(SV, SV.replace("t.ex. frågor", "till exempel frågor")).material


def test_reordered_destinations_are_nothing() -> None:
    new = SV.replace("inklusive till Kanada och USA", "bland annat till USA och Kanada")
    assert not run(SV, new).material


def test_a_new_destination_is_a_transfer_change() -> None:
    result = run(SV, SV.replace("till Kanada och USA", "till Kanada, USA och Storbritannien"))
    assert result.categories == ("transfer",)
    assert result.findings[0].change == "added"


def test_a_new_transfer_mechanism_is_a_transfer_change() -> None:
    result = run(EN, EN.replace("the EU-US Privacy Shield", "the EU-US Data Privacy Framework"))
    assert result.categories == ("transfer",)
    assert {f.change for f in result.findings} == {"added", "removed"}


def test_false_friends_are_not_processors() -> None:
    additions = [
        "Our flagship store is on Times Square in New York.",
        "Orders from Italy are handled by our Italian Branch.",
        "Share this page on Facebook or follow us on Instagram.",
        "Harbour Cycles Ltd answers questions by e-mail.",
    ]
    for sentence in additions:
        new = EN.replace("## Children", f"{sentence}\n\n## Children")
        result = run(EN, new)
        assert "processor" not in result.categories, sentence


def test_a_processor_named_by_its_legal_form_is_found_without_the_registry() -> None:
    new = EN.replace("- Stripe processes card payments.", "- Stripe processes card payments.\n- Our warehouse partner Lagerhaus Nordwest GmbH packs your orders.")
    result = run(EN, new)
    assert {name.casefold() for name in names(result, "added")} == {"lagerhaus nordwest gmbh"}


def test_a_processor_that_leaves_is_reported_with_the_old_sentence() -> None:
    result = run(EN, EN.replace("- An Post and DPD deliver your parcels.", "- DPD delivers your parcels."))
    removed = [f for f in result.findings if f.category == "processor" and f.change == "removed"]
    assert [f.before for f in removed] == ["An Post and DPD deliver your parcels."] or not removed


def test_a_higher_minimum_age_is_a_children_change() -> None:
    result = run(UK, UK.replace("молодшим 14 років", "молодшим 18 років"))
    assert result.categories == ("children",)


def test_a_retention_period_is_not_mistaken_for_an_age() -> None:
    result = run(EN, EN.replace("children under 16 years", "children under 18 years"))
    assert result.categories == ("children",)


def test_a_new_data_category_and_purpose_are_found() -> None:
    new = SV.replace("och telefonnummer", ", telefonnummer och personnummer").replace(
        "## Cookies", "Vi använder dina köp för profilering.\n\n## Cookies"
    )
    result = run(SV, new)
    assert set(result.categories) == {"data_collected", "purpose"}


def test_core_categories_rank_first_and_the_json_has_the_contract_keys() -> None:
    new = EN.replace("under 16 years", "under 18 years").replace("- Stripe processes card payments.", "- Stripe and Klarna process payments.")
    result = run(EN, new)
    assert result.categories[0] == "processor"
    assert [f.severity for f in result.findings] == sorted((f.severity for f in result.findings), reverse=True)
    document = json.loads(json.dumps(result.to_json()))
    assert set(document) == {"material", "categories", "findings"}
    assert set(document["findings"][0]) == {"category", "change", "entity", "before", "after", "section", "severity", "detail"}


def test_the_summary_reads_as_one_line() -> None:
    new = SV.replace("Klarna för fakturabetalning", "Klarna och Swish för betalning").replace("sparas i 7 år", "sparas i 10 år")
    summary = run(SV, new).summary("jcarpart")
    assert summary.startswith("jcarpart added Swish as a processor")
    assert "7 years → 10 years" in summary
    assert "\n" not in summary


def test_classify_without_a_diff_gives_the_same_answer() -> None:
    new = SV.replace("sparas i 7 år", "sparas i 10 år")
    assert classify(SV, new).categories == run(SV, new).categories


LEGAL = """# Integritetspolicy

## Marknadsföring

Vi skickar erbjudanden via e-post. Rättslig grund: Intresseavvägning.

## Beställningar

Vi behandlar namn och adress för att leverera varor. Rättslig grund: Fullgörande av avtal.
"""


def test_a_legal_basis_replaced_by_another_is_a_legal_basis_change() -> None:
    result = run(LEGAL, LEGAL.replace("Rättslig grund: Intresseavvägning.", "Rättslig grund: Samtycke."))
    assert result.categories == ("legal_basis",)


def test_a_new_processing_with_its_own_basis_is_no_legal_basis_change() -> None:
    new = LEGAL + "\n## Recensioner\n\nVi ber dig om ett omdöme efter köpet. Rättslig grund: Samtycke.\n"
    assert "legal_basis" not in run(LEGAL, new).categories


def test_sharing_that_now_needs_consent_is_a_sharing_change() -> None:
    old = UK + "\nМи можемо передавати ваші дані партнерам для маркетингу без вашої згоди.\n"
    new = UK + "\nМи можемо передавати ваші дані партнерам для маркетингу тільки з вашої згоди.\n"
    assert run(old, new).categories == ("sharing",)


def test_a_new_controller_address_and_dpo_mailbox_are_controller_changes() -> None:
    moved = run(EN, EN.replace("12 Quay Street", "3 Anglesea Street"))
    assert moved.categories == ("controller",)
    dpo = EN.replace("is the controller.", "is the controller. Our data protection officer is reachable at dpo@harbourcycles.ie.")
    assert run(EN, dpo).categories == ("controller",)


def test_a_processor_address_is_not_the_controllers() -> None:
    new = EN.replace("- Stripe processes card payments.", "- Stripe (Stripe Payments Europe Ltd, 1 Grand Canal Street, Dublin) processes card payments.")
    assert "controller" not in run(EN, new).categories


def test_the_categories_are_the_same_in_both_directions() -> None:
    pairs = [
        (SV, SV.replace("sparas i 7 år", "sparas i 10 år").replace("Paket skickas med PostNord.", "Paket skickas med Budbee.")),
        (LEGAL, LEGAL.replace("Rättslig grund: Intresseavvägning.", "Rättslig grund: Samtycke.")),
        (EN, EN.replace("under 16 years", "under 13 years")),
    ]
    for old, new in pairs:
        assert set(run(old, new).categories) == set(run(new, old).categories)


def test_names_listed_after_we_work_with_are_parties_even_outside_the_registry() -> None:
    new = SV.replace("## Cookies", "Vi samarbetar med Fraktlaget Norrland och Paketvagnen för leveranser.\n\n## Cookies")
    result = run(SV, new)
    assert names(result, "added") == {"Fraktlaget Norrland", "Paketvagnen"}


def test_a_list_of_ordinary_words_names_nobody() -> None:
    new = EN.replace("## Children", "We work with carefully selected partners to deliver your order.\n\n## Children")
    assert "processor" not in run(EN, new).categories
