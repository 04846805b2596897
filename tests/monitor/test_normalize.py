"""Tests of monitor.normalize: golden cases, charsets, chrome, links, text formats."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from lxml import etree

from monitor.errors import NormalizeError
from monitor.normalize import (
    _OTHER_SPACES,
    NORMALIZER_VERSION,
    Document,
    normalize,
    normalize_file,
    text_hash,
)
from monitor.normalize_charset import detect_encoding
from monitor.normalize_html import render_elements
from monitor.normalize_links import LinkPolicy, cloudflare_email
from monitor.segment import segment

GOLDEN = Path(__file__).parent.parent / "data" / "golden" / "normalize"
CASES = sorted(p.name for p in GOLDEN.iterdir() if p.is_dir())


def _page(body: str, *, head: str = '<meta charset="utf-8">', lang: str = "sv") -> str:
    return f"<!doctype html><html lang='{lang}'><head>{head}<title>T</title></head><body>{body}</body></html>"


def _golden_document(case: Path) -> Document:
    options = json.loads((case / "options.json").read_text()) if (case / "options.json").exists() else {}
    source = next(p for p in case.iterdir() if p.name.startswith("input."))
    if source.suffix != ".html":
        return normalize_file(source)
    return normalize(
        source.read_bytes(),
        content_type=options.get("content_type", "text/html"),
        url=options.get("url"),
        select=options.get("select", ()),
        remove=options.get("remove", ()),
    )


@pytest.mark.parametrize("case", CASES)
def test_golden_case_gives_its_expected_text(case: str, update_golden: bool) -> None:
    directory = GOLDEN / case
    document = _golden_document(directory)
    expected = directory / "expected.md"
    if update_golden or not expected.exists():
        expected.write_text(document.text, encoding="utf-8")
    assert document.text == expected.read_text(encoding="utf-8")


@pytest.mark.parametrize("case", CASES)
def test_golden_output_is_what_segment_reads(case: str) -> None:
    text = (GOLDEN / case / "expected.md").read_text(encoding="utf-8")
    assert "\n\n\n" not in text and text.endswith("\n") and not text.endswith("\n\n")
    assert all(line == line.strip() for line in text.splitlines())
    assert segment(text)


def test_normalizer_version_is_a_non_empty_string() -> None:
    assert isinstance(NORMALIZER_VERSION, str) and NORMALIZER_VERSION


# Charsets --------------------------------------------------------------------------------

UK_SENTENCE = "Ми обробляємо ваші персональні дані для виконання замовлення і доставки товарів."
SV_SENTENCE = "Vi behandlar dina personuppgifter för att kunna leverera din beställning säkert."


def test_windows_1251_declared_only_in_meta_is_decoded() -> None:
    body = _page(f"<p>{UK_SENTENCE}</p>", head='<meta charset="windows-1251">').encode("cp1251")
    document = normalize(body, content_type="text/html")
    assert document.text == UK_SENTENCE + "\n"
    assert document.language == "uk"


def test_windows_1251_without_any_declaration_is_detected() -> None:
    body = _page(f"<p>{UK_SENTENCE}</p>", head="").encode("cp1251")
    assert normalize(body).text == UK_SENTENCE + "\n"


def test_utf8_bytes_under_a_latin1_header_are_read_as_utf8() -> None:
    body = _page(f"<p>{SV_SENTENCE}</p>", head="").encode("utf-8")
    assert normalize(body, content_type="text/html; charset=iso-8859-1").text == SV_SENTENCE + "\n"


def test_cyrillic_bytes_under_a_latin1_header_are_read_as_windows_1251() -> None:
    body = _page(f"<p>{UK_SENTENCE}</p>", head="").encode("cp1251")
    assert normalize(body, content_type="text/html; charset=ISO-8859-1").text == UK_SENTENCE + "\n"


def test_latin1_bytes_under_a_utf8_header_fall_back_to_windows_1252() -> None:
    body = _page(f"<p>{SV_SENTENCE}</p>", head="").encode("cp1252")
    assert normalize(body, content_type="text/html; charset=utf-8").text == SV_SENTENCE + "\n"


def test_header_charset_wins_over_meta_when_the_bytes_agree() -> None:
    body = _page(f"<p>{SV_SENTENCE}</p>", head='<meta charset="windows-1251">').encode("cp1252")
    assert detect_encoding(body, "text/html; charset=windows-1252") == "cp1252"


def test_byte_order_mark_wins_over_every_declaration() -> None:
    body = b"\xef\xbb\xbf" + _page(f"<p>{SV_SENTENCE}</p>", head="").encode("utf-8")
    assert normalize(body, content_type="text/html; charset=windows-1251").text == SV_SENTENCE + "\n"


# Chrome ----------------------------------------------------------------------------------

def _shop_page(code: str, cart: int, viewed: str, token: str) -> bytes:
    return _page(
        f"""<div class="announcement-bar">Rabattkod {code} gäller i dag!</div>
        <header><a href="/cart">Varukorg ({cart})</a></header>
        <main><h1>Integritetspolicy</h1><p>{SV_SENTENCE}</p><p>Vi sparar kvitton i sju år.</p>
        <div class="recently-viewed"><p>Du har tittat på {viewed}</p></div></main>
        <form method="post"><input type="hidden" name="csrf" value="{token}"><p>Nyhetsbrev</p></form>
        <footer><p>Besökare just nu: {cart * 7}</p></footer>"""
    ).encode()


def test_page_whose_chrome_rotates_between_fetches_normalizes_identically() -> None:
    first = normalize(_shop_page("SOMMAR10", 1, "Bromsskiva", "a1b2"), url="https://shop.example.se/p")
    second = normalize(_shop_page("HOST25", 4, "Oljefilter", "z9y8"), url="https://shop.example.se/p")
    assert first.text == second.text
    assert "SOMMAR10" not in first.text and "Bromsskiva" not in first.text
    assert first.text.startswith("# Integritetspolicy\n")


def test_chrome_changes_would_show_without_extraction() -> None:
    # Proves the test above can fail: rendered without chrome removal, the pages differ.
    def render_all(page: bytes) -> str:
        root = etree.fromstring(page, etree.HTMLParser())
        return render_elements([root.find("body")], LinkPolicy(None))

    first = render_all(_shop_page("SOMMAR10", 1, "Bromsskiva", "a1b2"))
    assert first != render_all(_shop_page("HOST25", 4, "Oljefilter", "z9y8"))
    assert "SOMMAR10" in first


def test_policy_section_about_cookies_survives_cookie_banner_removal() -> None:
    body = _page(
        """<div class="cookie-banner"><p>Vi använder cookies. Godkänn?</p></div>
        <div><h1>Policy</h1><section id="cookies" class="cookies"><h2>Cookies</h2>
        <p>Vi använder cookies för att komma ihåg din varukorg mellan besöken.</p></section>
        <p>Vi sparar kvitton i sju år enligt bokföringslagen och säljer aldrig dina uppgifter.</p></div>"""
    ).encode()
    text = normalize(body).text
    assert "## Cookies" in text and "komma ihåg din varukorg" in text
    assert "Godkänn" not in text


def test_hidden_elements_and_scripts_never_reach_the_text() -> None:
    body = _page(
        f"""<main><p>{SV_SENTENCE}</p><p hidden>Dold text</p><p style="display: none">Gömd</p>
        <script>var secret = "x";</script><style>p {{ color: red }}</style><noscript>Aktivera JS</noscript></main>"""
    ).encode()
    assert normalize(body).text == SV_SENTENCE + "\n"


def test_a_page_wrapped_in_one_form_keeps_its_text() -> None:
    body = _page(f'<form id="aspnetForm"><div><h1>Policy</h1><p>{SV_SENTENCE}</p></div></form>').encode()
    assert SV_SENTENCE in normalize(body).text


# select / remove -------------------------------------------------------------------------

def test_select_keeps_only_the_matched_elements_in_document_order() -> None:
    body = _page("<p id='b'>Andra stycket här.</p><p>Skräp</p><p id='a'>Första stycket här.</p>").encode()
    assert normalize(body, select=["#a", "#b"]).text == "Andra stycket här.\n\nFörsta stycket här.\n"


def test_select_matching_nothing_is_an_error_naming_url_and_selector() -> None:
    with pytest.raises(NormalizeError, match=r"^https://s\.example/p: select 'main' matched nothing$"):
        normalize(_page("<p>Text</p>").encode(), url="https://s.example/p", select=["main"])


def test_remove_drops_the_matched_elements() -> None:
    body = _page(f"<main><p>{SV_SENTENCE}</p><p class='code'>Kod: ABC</p></main>").encode()
    assert normalize(body, remove=[".code"]).text == SV_SENTENCE + "\n"


def test_page_without_text_is_an_error() -> None:
    with pytest.raises(NormalizeError, match="no text"):
        normalize(_page("<script>x()</script><img src='a.png'>").encode(), url="https://s.example/p")


# Links and characters --------------------------------------------------------------------

def test_links_to_the_same_site_keep_only_their_text() -> None:
    body = _page('<p>Läs <a href="https://www.shop.example.se/villkor?x=1">villkoren</a> och <a href="/faq">FAQ</a>.</p>')
    assert normalize(body.encode(), url="https://shop.example.se/p").text == "Läs villkoren och FAQ.\n"


def test_links_to_another_site_keep_their_target_without_query_or_fragment() -> None:
    body = _page('<p>Se <a href="https://www.klarna.com/se/sekretess/?utm=1#a">Klarnas policy</a>.</p>')
    text = normalize(body.encode(), url="https://shop.example.se/p").text
    assert text == "Se [Klarnas policy](https://www.klarna.com/se/sekretess/).\n"


def test_mailto_links_keep_just_their_text() -> None:
    body = _page('<p>Skriv till <a href="mailto:a@b.se?subject=x">vår support</a>.</p>')
    assert normalize(body.encode(), url="https://b.se/").text == "Skriv till vår support.\n"


def test_cloudflare_email_is_decoded_with_its_first_byte() -> None:
    encoded = "2a" + "".join(f"{ord(c) ^ 0x2A:02x}" for c in "dpo@shop.se")
    assert cloudflare_email(encoded) == "dpo@shop.se"
    assert cloudflare_email("zz") == "[email protected]"


def test_own_site_of_a_document_without_url_is_the_most_linked_one() -> None:
    hrefs = ["https://a.example.com/x", "https://www.example.com/y", "https://other.org/z"]
    policy = LinkPolicy.for_document(None, hrefs)
    assert policy.render("x", "https://example.com/p") == "x"
    assert policy.render("z", "https://other.org/z?q") == "[z](https://other.org/z)"


def test_invisible_and_special_spaces_are_normalized_and_text_is_nfc() -> None:
    body = _page("<p>Per\u00adson\u00aduppgifter\u200b och\u00a0\u202fcafe\u0301 ”citat”</p>").encode()
    assert normalize(body).text == "Personuppgifter och café ”citat”\n"


def test_inline_formatting_is_dropped_and_images_with_it() -> None:
    body = _page('<p>Vi <strong>sparar</strong> <em>aldrig</em> kort<img alt="ikon" src="i.png">nummer.</p>').encode()
    assert normalize(body).text == "Vi sparar aldrig kortnummer.\n"


def test_title_is_the_first_h1_of_the_document() -> None:
    document = normalize(_page("<main><h1>Dataskydd</h1><p>Text om dataskydd.</p></main>").encode())
    assert document.title == "Dataskydd"


def test_language_argument_overrides_detection() -> None:
    assert normalize(_page(f"<p>{SV_SENTENCE}</p>").encode(), language="no").language == "no"


# Markdown and text -----------------------------------------------------------------------

def test_markdown_content_type_is_read_as_markdown() -> None:
    markdown = "# Titel\n\n*   **Fet** punkt\n*   Andra \\*punkten\\*\n"
    text = normalize(markdown.encode(), content_type="text/markdown; charset=utf-8").text
    assert text == "# Titel\n\n- Fet punkt\n- Andra *punkten*\n"


def test_plain_text_turns_short_unpunctuated_lines_into_headings() -> None:
    text = normalize(b"Informationsinsamling\nVi samlar in ditt namn.\n", content_type="text/plain").text
    assert text == "# Informationsinsamling\n\nVi samlar in ditt namn.\n"


# The five seed policies, bundled with the demo.
SEEDS = sorted((Path(__file__).resolve().parents[2] / "monitor" / "demo_shops").glob("*.txt"))


@pytest.mark.parametrize("seed", SEEDS, ids=lambda p: p.stem)
def test_seed_policies_get_headings_and_a_language(seed: Path) -> None:
    assert len(SEEDS) == 5
    document = normalize_file(seed)
    assert document.language in ("sv", "uk")
    assert sum(line.startswith("## ") for line in document.text.splitlines()) >= 2


# Hash and speed --------------------------------------------------------------------------

def test_text_hash_ignores_whitespace_but_not_words() -> None:
    assert text_hash("a  b\n\nc") == text_hash("a b c")
    assert text_hash("a b c") != text_hash("a b d")


def test_a_normalized_documents_hash_is_text_hash_of_its_text_whatever_the_white_space() -> None:
    # normalize() hashes from its collapsed lines rather than splitting the text again.
    import random

    rng = random.Random(7)
    pieces = ["word", "ord", "ö", " ", "  ", "\n", "\n\n", "\t", "\r\n", "\xa0", "\u3000", "\x1f", "\v", "\u200b",
              "<p>", "</p>", "<li>", "<br>", "# ", "- ", "| a | b |"]
    bodies = ["".join(rng.choice(pieces) for _ in range(rng.randint(1, 40))) for _ in range(1500)]
    bodies += [(GOLDEN / case / "input.html").read_bytes().decode("utf-8", "replace") for case in CASES
               if (GOLDEN / case / "input.html").exists()]
    checked = 0
    for body in bodies:
        for content_type in ("text/html", "text/plain", "text/markdown"):
            try:
                document = normalize(body.encode(), content_type=content_type)
            except NormalizeError:
                continue
            assert document.text_hash == text_hash(document.text), repr(body)
            checked += 1
    assert checked > 3000


def test_markdown_link_with_bracketed_text_loses_its_volatile_target() -> None:
    first = normalize(b"# P\n\nWrite to [[email protected]](https://s.example/cdn-cgi/l/email-protection#aa11) today.\n",
                      content_type="text/markdown")
    second = normalize(b"# P\n\nWrite to [[email protected]](https://s.example/cdn-cgi/l/email-protection#bb22) today.\n",
                       content_type="text/markdown")
    assert first.text == second.text
    assert "cdn-cgi" not in first.text


def test_markdown_link_around_images_spread_over_lines_leaves_nothing() -> None:
    badge = (b"# P\n\n[![Seal](data:image/svg+xml,x)\n\n![Seal](//seal.example/s?rid=1)\n\n"
             b"](https://seal.example/validate?rid=1 \"Seal\")\n\nWe keep data for two years.\n")
    assert normalize(badge, content_type="text/markdown").text == "# P\n\nWe keep data for two years.\n"


def test_other_spaces_are_every_white_space_character_but_space_and_line_feed() -> None:
    # Lines are only re-collapsed when one of these is present, so none may be missing.
    expected = "".join(c for c in map(chr, range(sys.maxunicode + 1)) if c.isspace() and c not in " \n")
    assert expected == _OTHER_SPACES


def test_table_row_with_an_empty_cell_and_a_code_block_are_collapsed() -> None:
    markdown = "| Name | | Land |\n| Klarna | Betalning | Sverige |\n\n```\nkod   med  luckor\n```\n"
    text = normalize(markdown.encode(), content_type="text/markdown").text
    assert text == "| Name | | Land |\n| Klarna | Betalning | Sverige |\n\nkod med luckor\n"


def test_vertical_tab_and_form_feed_break_lines_like_a_line_feed() -> None:
    text = normalize(b"Vi sparar data.\vVi delar data.\fVi raderar data.", content_type="text/plain").text
    assert text == "Vi sparar data.\n\nVi delar data.\n\nVi raderar data.\n"


def test_already_collapsed_lines_keep_their_text() -> None:
    body = _page("<h2>Lagring</h2><p>Vi sparar dina uppgifter i sju år.</p><ul><li>Rätt till radering</li></ul>").encode()
    assert normalize(body).text == "## Lagring\n\nVi sparar dina uppgifter i sju år.\n\n- Rätt till radering\n"


def test_leaf_and_nested_paragraphs_are_written_alike() -> None:
    leaf = normalize(_page("<div>Vi sparar  dina\nuppgifter.</div><p>Vi delar dem inte.</p>").encode()).text
    nested = normalize(_page("<div>Vi <span>sparar</span>  dina\nuppgifter.</div><p>Vi delar <b>dem</b> inte.</p>").encode()).text
    assert leaf == nested == "Vi sparar dina uppgifter.\n\nVi delar dem inte.\n"


def test_everything_inside_removed_chrome_goes_with_it() -> None:
    long_cart = "Varukorgen innehåller många varor med långa namn. " * 20
    body = _page(
        f'<header><nav><a href="/a">Hem</a></nav><div class="cart">{long_cart}</div></header>'
        "<main><p>Vi sparar dina uppgifter.</p><p>Vi delar dem inte.</p></main>"
    ).encode()
    assert normalize(body).text == "Vi sparar dina uppgifter.\n\nVi delar dem inte.\n"
