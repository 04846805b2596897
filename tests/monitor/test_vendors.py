"""The vendor registry: its data file, and how names, spellings and domains are found."""

from __future__ import annotations

import re
from importlib import resources

import pytest

from monitor.errors import KnowledgeError
from monitor.vendors import (
    ROLES,
    Vendor,
    VendorRegistry,
    canonical_party_name,
    load_vendors,
    parse_vendors,
)

# One sentence per language, each with the party in the middle of ordinary prose.
SENTENCES = [
    "Vi delar dina uppgifter med {} för att kunna leverera din beställning.",
    "We share your details with {} to process your order.",
    "Wir übermitteln Ihre Daten an {} zur Abwicklung der Bestellung.",
    "Nous transmettons vos données à {} pour traiter votre commande.",
    "Ми передаємо ваші дані {} для виконання замовлення.",
]


@pytest.fixture(scope="module")
def registry() -> VendorRegistry:
    return load_vendors()


def keys(registry: VendorRegistry, text: str) -> list[str]:
    return [match.vendor.key for match in registry.find(text)]


def surfaces(registry: VendorRegistry, text: str) -> list[str]:
    return [match.surface for match in registry.find(text)]


# --- the data file ------------------------------------------------------------------------


def test_the_registry_holds_at_least_400_parties(registry: VendorRegistry) -> None:
    assert len(registry) >= 400


def test_every_table_key_is_written_once_in_the_file() -> None:
    text = (resources.files("monitor") / "knowledge" / "vendors.toml").read_text(encoding="utf-8")
    headers = re.findall(r"^\[([^\]]+)\]", text, re.MULTILINE)
    assert len(headers) == len(set(headers)) >= 400


def test_every_role_is_a_known_role(registry: VendorRegistry) -> None:
    assert {vendor.role for vendor in registry} <= ROLES


def test_no_spelling_belongs_to_two_parties(registry: VendorRegistry) -> None:
    owners: dict[str, str] = {}
    for vendor in registry:
        for spelling in vendor.spellings:
            owner = owners.setdefault(canonical_party_name(spelling), vendor.key)
            assert owner == vendor.key, f"{spelling!r} is a name of {owner} and {vendor.key}"


def test_no_domain_belongs_to_two_parties(registry: VendorRegistry) -> None:
    domains = [domain for vendor in registry for domain in vendor.domains]
    assert len(domains) == len(set(domains))


def test_every_name_and_alias_is_found_in_a_sentence_in_every_language(
    registry: VendorRegistry,
) -> None:
    missed = []
    for vendor in registry:
        for spelling in vendor.spellings:
            for sentence in SENTENCES:
                text = sentence.format(spelling)
                found = [m for m in registry.find(text) if m.vendor == vendor]
                if not found or found[0].surface != spelling:
                    missed.append(text)
    assert missed == []


def test_normal_names_are_found_in_any_case(registry: VendorRegistry) -> None:
    missed = []
    for vendor in registry:
        if vendor.ambiguous:
            continue
        for spelling in vendor.spellings:
            for variant in (spelling.lower(), spelling.upper()):
                if vendor.key not in keys(registry, f"Payment goes through {variant} today."):
                    missed.append(variant)
    assert missed == []


def test_every_domain_is_found_in_a_link(registry: VendorRegistry) -> None:
    missed = [
        domain
        for vendor in registry
        for domain in vendor.domains
        if keys(registry, f"Read more at https://{domain}/privacy.") != [vendor.key]
    ]
    assert missed == []


# --- renames and lookups --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("Sendinblue", "Brevo"),
        ("Facebook", "Meta"),
        ("Facebook Ireland Ltd", "Meta Platforms Ireland Limited"),
        ("Collector Bank AB", "Walley"),
        ("Bisnode", "Dun & Bradstreet"),
        ("Arvato Financial Solutions", "Riverty"),
        ("iZettle", "Zettle"),
        ("Unifaun", "nShift"),
        ("Twitter", "X"),
        ("PayEx", "Swedbank Pay"),
        ("Billmate", "Qvickly"),
        ("Jetshop", "Norce"),
        ("Cookiebot", "Usercentrics"),
        ("Piwik", "Matomo"),
        ("Textalk Webshop", "Abicart"),
    ],
)
def test_a_renamed_party_is_one_vendor(registry: VendorRegistry, old: str, new: str) -> None:
    before, after = registry.by_name(old), registry.by_name(new)
    assert before is not None and before == after
    assert (
        keys(registry, f"Vi använder {old}.")
        == keys(registry, f"Vi använder {new}.")
        == [before.key]
    )


def test_by_name_ignores_case_legal_forms_and_punctuation(registry: VendorRegistry) -> None:
    klarna = registry.by_name("Klarna")
    assert klarna is not None and klarna.name == "Klarna"
    assert registry.by_name("KLARNA BANK AB (publ)") is klarna
    assert registry.by_name("klarna bank ab") is klarna
    assert registry.by_name("ТОВ «Нова пошта»") is registry.by_name("Nova Poshta")
    assert registry.by_name("Stripe, Inc.") is registry.by_name("stripe")
    assert registry.by_name("Acme Widgets AB") is None


@pytest.mark.parametrize(
    ("host", "key"),
    [
        ("klarna.com", "klarna"),
        ("www.klarna.com", "klarna"),
        ("klarna.se", "klarna"),
        ("https://www.klarna.se/villkor/", "klarna"),
        ("checkout.stripe.com", "stripe"),
        ("novaposhta.ua", "nova_poshta"),
        ("www.google-analytics.com", "google_analytics"),
        ("ads.google.com", "google_ads"),
        ("www.google.com", "google"),
        ("budbee.se", "budbee"),
        ("klarna.co.uk", "klarna"),
    ],
)
def test_a_host_maps_to_its_vendor(registry: VendorRegistry, host: str, key: str) -> None:
    vendor = registry.by_domain(host)
    assert vendor is not None and vendor.key == key


@pytest.mark.parametrize(
    "host", ["example.com", "notklarna.com", "klarna.example.com", "rule.se.example", "t.ex"]
)
def test_an_unrelated_host_maps_to_nobody(registry: VendorRegistry, host: str) -> None:
    assert registry.by_domain(host) is None


def test_a_label_shared_by_a_word_does_not_map_an_ambiguous_vendor_under_another_tld(
    registry: VendorRegistry,
) -> None:
    assert registry.by_domain("square.se") is None
    assert registry.by_domain("squareup.com").key == "square"  # type: ignore[union-attr]


# --- matching in text -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "We will bring your order to your door.",
        "Prices per square meter are shown in the shop.",
        "The early bird discount ends on Friday.",
        "We offer express delivery within two days.",
        "As a rule, we answer within a week.",
        "Our collector items ship in a sealed box.",
        "Meet us at Times Square for the launch.",
        "Vi sparar uppgifter om dina resurser och visa dem i kontot.",
        "The meta description of the page is set by the theme.",
        "Mist, міст і річка на фото.",
        "Life has its ups and downs, and an oracle will not help.",
        "That is sage advice and an ideal solution for a visa application.",
        "Vi behandlar uppgifter om din beställning och om bud som levererar.",
    ],
)
def test_ambiguous_names_are_not_found_in_ordinary_prose(
    registry: VendorRegistry, text: str
) -> None:
    assert registry.find(text) == []


def test_ambiguous_names_are_found_as_proper_names(registry: VendorRegistry) -> None:
    text = (
        "Paket levereras av Bring, Early Bird eller Best Transport; betalning via Square och Svea."
    )
    assert keys(registry, text) == ["bring", "early_bird", "best_transport", "square", "svea"]


def test_cyrillic_names_and_their_inflected_forms_are_found(registry: VendorRegistry) -> None:
    text = (
        "Доставка здійснюється Новою поштою, Укрпоштою або Міст Експрес. "
        "Оплата через ПриватБанк, Монобанк чи LiqPay; дані передаються ТОВ «Нова пошта»."
    )
    assert keys(registry, text) == [
        "nova_poshta",
        "ukrposhta",
        "meest",
        "privatbank",
        "monobank",
        "liqpay",
        "nova_poshta",
    ]


def test_a_cyrillic_name_inside_a_longer_word_is_not_found(registry: VendorRegistry) -> None:
    assert registry.find("Укрпоштовий індекс і приватбанківський переказ.") == []


@pytest.mark.parametrize(
    ("text", "surface"),
    [
        ("Läs Klarnas villkor.", "Klarnas"),
        ("Read Klarna's terms.", "Klarna's"),
        ("Read Klarna’s terms.", "Klarna’s"),
        ("Se DHL:s villkor.", "DHL:s"),
        ("Googles integritetspolicy gäller.", "Googles"),
        ("Es gelten Googles Datenschutzhinweise.", "Googles"),
        ("Se Stripes villkor.", "Stripes"),
    ],
)
def test_possessives_are_part_of_the_mention(
    registry: VendorRegistry, text: str, surface: str
) -> None:
    assert surfaces(registry, text) == [surface]


def test_a_lower_case_plural_is_a_word_not_a_vendor(registry: VendorRegistry) -> None:
    assert registry.find("The shirt has blue stripes and red googles.") == []


@pytest.mark.parametrize(
    ("text", "surface"),
    [
        ("Payments are processed by Stripe, Inc. in the USA.", "Stripe, Inc."),
        ("Betalning sker via Klarna Bank AB (publ).", "Klarna Bank AB (publ)"),
        ("Wir nutzen Hotjar Ltd zur Analyse.", "Hotjar Ltd"),
        ("Data is stored by Hetzner Online GmbH in Germany.", "Hetzner Online GmbH"),
        (
            "Le paiement est traité par PayPal (Europe) S.à r.l. et Cie, S.C.A.",
            "PayPal (Europe) S.à r.l. et Cie, S.C.A.",
        ),
    ],
)
def test_a_legal_form_after_a_name_is_part_of_the_mention(
    registry: VendorRegistry, text: str, surface: str
) -> None:
    assert surfaces(registry, text) == [surface]


def test_the_longest_name_wins_over_a_name_inside_it(registry: VendorRegistry) -> None:
    text = "Vi använder Google Analytics, Google Tag Manager och Microsoft Clarity samt Google."
    assert keys(registry, text) == [
        "google_analytics",
        "google_tag_manager",
        "microsoft_clarity",
        "google",
    ]


def test_a_hyphenated_compound_names_the_vendor_but_a_glued_word_does_not(
    registry: VendorRegistry,
) -> None:
    assert keys(registry, "Du behöver ett PayPal-konto.") == ["paypal"]
    assert registry.find("Du behöver ett PayPalkonto.") == []


def test_nothing_inside_an_e_mail_address_is_a_vendor(registry: VendorRegistry) -> None:
    assert registry.find("Write to klarna@example.com or privacy@mail.klarna.com.") == []


def test_a_domain_in_a_link_names_its_vendor(registry: VendorRegistry) -> None:
    found = registry.find("Läs mer på https://www.klarna.com/se/villkor och på stripe.com/privacy.")
    assert [(m.vendor.key, m.surface) for m in found] == [
        ("klarna", "www.klarna.com"),
        ("stripe", "stripe.com"),
    ]


def test_a_host_of_someone_else_does_not_name_the_vendor_in_its_first_label(
    registry: VendorRegistry,
) -> None:
    assert registry.find("Bilder laddas från klarna.example.com och mail.klarna.example.org.") == []


@pytest.mark.parametrize(
    ("text", "key", "surface"),
    [
        ("Vi mäter besök med Yandex.Metrica.", "yandex", "Yandex.Metrica"),
        ("The shop runs on Wix.com Ltd servers.", "wix", "Wix.com Ltd"),
        ("Betalning via Klarna.Vi sparar inget kortnummer.", "klarna", "Klarna"),
    ],
)
def test_a_dotted_name_is_read_as_a_name(
    registry: VendorRegistry, text: str, key: str, surface: str
) -> None:
    assert [(m.vendor.key, m.surface) for m in registry.find(text)] == [(key, surface)]


def test_a_legal_form_in_another_case_is_left_out_of_the_mention(registry: VendorRegistry) -> None:
    assert surfaces(registry, "Vi använder Klarna ab initio.") == ["Klarna"]


def test_the_registry_is_loaded_once() -> None:
    assert load_vendors() is load_vendors()


def test_a_match_reports_where_it_was_found(registry: VendorRegistry) -> None:
    text = "Vi skickar med PostNord."
    (match,) = registry.find(text)
    assert (match.vendor.name, match.surface, text[match.start : match.end]) == (
        "PostNord",
        "PostNord",
        "PostNord",
    )


def test_a_regulator_is_known_but_not_a_processor(registry: VendorRegistry) -> None:
    (match,) = registry.find("Du kan klaga hos Integritetsskyddsmyndigheten.")
    assert match.vendor.processor is False


# --- canonical names ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "canonical"),
    [
        ("Klarna Bank AB (publ)", "klarna bank"),
        ("Stripe, Inc.", "stripe"),
        ("Google Ireland Limited", "google ireland"),
        ("Hetzner Online GmbH", "hetzner online"),
        ("Shopify International Limited", "shopify international"),
        ("Allegro Sp. z o.o.", "allegro"),
        ("Mollie B.V.", "mollie"),
        ("Bring AS", "bring"),
        ("Posti Oy", "posti"),
        ("Criteo S.A.", "criteo"),
        ("ТОВ «Нова пошта»", "нова пошта"),
        ("Visma Spcs", "visma spcs"),
        ("AS", "as"),
    ],
)
def test_canonical_party_name_drops_legal_forms_case_and_punctuation(
    name: str, canonical: str
) -> None:
    assert canonical_party_name(name) == canonical


# --- validation -----------------------------------------------------------------------------


def party(**fields: object) -> dict[str, object]:
    return {"name": "Acme", "role": "payment", "aliases": [], "domains": ["acme.example"], **fields}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"acme": party(role="wizardry")}, "vendors.toml: acme.role"),
        ({"acme": party(name="")}, "vendors.toml: acme.name"),
        ({"acme": party(aliases="Acme AB")}, "vendors.toml: acme.aliases"),
        ({"acme": party(domains=["https://acme.example/"])}, "vendors.toml: acme.domains"),
        ({"acme": party(ambiguous="yes")}, "vendors.toml: acme.ambiguous"),
        ({"acme": party(colour="red")}, "vendors.toml: acme.colour"),
        (
            {"acme": party(), "acme2": party(name="Acme AB", domains=[])},
            "vendors.toml: acme2: 'Acme AB' is also a name of acme",
        ),
        ({"acme": party(), "other": party(name="Other")}, "vendors.toml: other.domains"),
    ],
)
def test_a_bad_vendors_file_names_the_file_and_the_key(
    data: dict[str, object], message: str
) -> None:
    with pytest.raises(KnowledgeError) as error:
        parse_vendors("vendors.toml", data)
    assert str(error.value).startswith(message)


def test_a_valid_table_becomes_a_frozen_vendor() -> None:
    registry = parse_vendors(
        "vendors.toml", {"acme": party(aliases=["Acme Pay"], formerly=["Roadrunner"])}
    )
    vendor = registry.by_name("Roadrunner")
    assert vendor == Vendor(
        "acme", "Acme", "payment", ("Acme Pay",), ("acme.example",), ("Roadrunner",), True, False
    )
    with pytest.raises(AttributeError):
        vendor.name = "Other"  # type: ignore[misc, union-attr]


def test_legal_terms_with_a_capital_rules_name_no_vendor(registry: VendorRegistry) -> None:
    for text in (
        "Transfers within the group rely on Binding Corporate Rules.",
        "Our transfers follow the Global Cross-Border Privacy Rules System.",
    ):
        assert keys(registry, text) == [], text
    assert keys(registry, "Newsletters are sent with Rule.") == ["rule"]


def test_a_name_rejected_for_its_case_does_not_hide_the_name_inside_it(registry: VendorRegistry) -> None:
    assert keys(registry, "Wir geben Ihre Adresse an Post & Paket Deutschland weiter.") == ["deutsche_post"]
    assert keys(registry, "Parcels in Ireland are delivered by An Post.") == ["an_post"]
