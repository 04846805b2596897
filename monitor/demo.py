"""A self-contained demo: the seed shops served on loopback, crawled twice, then a diff.

Needs no internet. Each shop gets its own loopback HTTP server that wraps the shop's policy
in realistic page chrome (menu, cart, cookie banner, a newsletter box with a discount code
that changes on every request). Between the two crawls one policy changes materially and
one editorially; the demo then shows ``shops``, ``history`` and ``diff`` of the change.
"""

from __future__ import annotations

import html
import json
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path


@dataclass
class DemoShop:
    name: str
    language: str
    title: str
    charset: str
    text: str
    edits: list[dict[str, str]]


def load_demo_shops() -> list[DemoShop]:
    folder = resources.files("monitor") / "demo_shops"
    data = tomllib.loads((folder / "shops.toml").read_text(encoding="utf-8"))
    return [
        DemoShop(
            name=entry["name"],
            language=entry["language"],
            title=entry["title"],
            charset=entry["charset"],
            text=(folder / entry["file"]).read_text(encoding="utf-8"),
            edits=list(entry["edits"]),
        )
        for entry in data["shop"]
    ]


def _policy_html(text: str) -> str:
    """The policy text as HTML: short lines without a full stop become headings."""
    parts = []
    for block in text.split("\n"):
        line = block.strip()
        if not line:
            continue
        if line.startswith("- "):
            parts.append(f"<ul><li>{html.escape(line[2:])}</li></ul>")
        elif len(line) < 70 and not line.endswith((".", ":", ";")):
            parts.append(f"<h2>{html.escape(line)}</h2>")
        else:
            parts.append(f"<p>{html.escape(line)}</p>")
    return "\n".join(parts)


def shop_page(shop: DemoShop, text: str) -> bytes:
    """A shop page around the policy, with chrome that changes on every request."""
    code = secrets.token_hex(3).upper()
    cart = secrets.randbelow(5)
    charset_meta = f'<meta charset="{shop.charset}">'
    page = f"""<!DOCTYPE html>
<html lang="{shop.language}"><head>{charset_meta}<title>{html.escape(shop.title)}</title>
<meta name="csrf-token" content="{secrets.token_hex(16)}"></head>
<body>
<div class="cookie-banner" id="cookie-consent">We use cookies. <button>OK</button></div>
<header class="site-header"><a href="/">{html.escape(shop.title)}</a>
<nav class="main-menu"><ul><li><a href="/products">Products</a></li><li><a href="/sale">Sale</a></li>
<li><a href="/contact">Contact</a></li></ul></nav>
<div class="mini-cart"><a href="/cart">Cart ({cart})</a></div></header>
<main id="MainContent"><article class="policy">
{_policy_html(text)}
</article></main>
<aside class="newsletter-signup"><h3>Newsletter</h3><p>Sign up and get 10% off with code {code}!</p>
<form action="/subscribe"><input name="email"><button>Subscribe</button></form></aside>
<section class="product-recommendations"><h3>Popular right now</h3><ul>
<li><a href="/p/{secrets.randbelow(999)}">Item {secrets.randbelow(999)}</a></li></ul></section>
<footer class="site-footer"><p>© {html.escape(shop.title)}</p>
<ul class="social"><li><a href="https://facebook.com/share">Share</a></li></ul></footer>
</body></html>"""
    return page.encode(shop.charset, errors="xmlcharrefreplace")


class _World:
    """The current policy text of each demo shop, changed between crawls."""

    def __init__(self, shops: list[DemoShop]) -> None:
        self.texts = {shop.name: shop.text for shop in shops}

    def apply_edits(self, shop: DemoShop) -> None:
        for edit in shop.edits:
            if edit["old"] not in self.texts[shop.name]:
                raise RuntimeError(f"demo data: {shop.name}: edit target not found: {edit['old'][:40]!r}")
            self.texts[shop.name] = self.texts[shop.name].replace(edit["old"], edit["new"])


@contextmanager
def serve(shops: list[DemoShop], world: _World) -> Iterator[dict[str, str]]:
    """Start one loopback server per shop; yields shop name → policy URL."""
    servers: list[ThreadingHTTPServer] = []
    urls: dict[str, str] = {}
    for shop in shops:
        def handler_for(current: DemoShop) -> type[BaseHTTPRequestHandler]:
            class Handler(BaseHTTPRequestHandler):
                def do_GET(self) -> None:  # the name http.server calls
                    if self.path == "/robots.txt":
                        body, kind = b"User-agent: *\nDisallow: /cart\n", "text/plain"
                    elif self.path == "/policies/privacy-policy":
                        body, kind = shop_page(current, world.texts[current.name]), "text/html"
                    else:
                        self.send_error(404)
                        return
                    self.send_response(200)
                    self.send_header("Content-Type", kind)  # no charset: the page's <meta> says it
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)

                def log_message(self, *args: object) -> None:
                    pass

            return Handler

        server = ThreadingHTTPServer(("127.0.0.1", 0), handler_for(shop))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        urls[shop.name] = f"http://127.0.0.1:{server.server_address[1]}/policies/privacy-policy"
    try:
        yield urls
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()


@contextmanager
def webhook() -> Iterator[tuple[str, list[dict[str, object]]]]:
    """A local webhook that collects what Apprise delivers to ``json://127.0.0.1:PORT/``."""
    received: list[dict[str, object]] = []

    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # the name http.server calls
            length = int(self.headers.get("Content-Length") or 0)
            received.append(json.loads(self.rfile.read(length) or b"{}"))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"json://127.0.0.1:{server.server_address[1]}/", received
    finally:
        server.shutdown()
        server.server_close()


def _config_text(folder: Path, urls: dict[str, str], shops: list[DemoShop], notify_url: str) -> str:
    lines = [
        "[database]",
        f'url = "sqlite:///{folder / "policywatch.db"}"',
        "",
        "[crawl]",
        'timeout = "10s"',
        "retries = 1",
        "allow_private_networks = true   # the demo's shops live on loopback",
        "",
    ]
    for shop in shops:
        lines += ["[[shops]]", f'name = "{shop.name}"', f'url = "{urls[shop.name]}"', f'language = "{shop.language}"', ""]
    lines += ["[[notify]]", f'url = "{notify_url}"', ""]
    return "\n".join(lines)


def _run(config: Path, *args: str) -> None:
    command = [sys.executable, "-m", "monitor.cli", "--config", str(config), *args]
    print(f"\n$ policywatch {' '.join(args)}", flush=True)
    completed = subprocess.run(command, check=False)
    if completed.returncode != 0:
        raise RuntimeError(f"demo step 'policywatch {' '.join(args)}' failed with exit {completed.returncode}")


def run_demo(keep: Path | None = None) -> None:
    """Run the demo, printing each command and its output."""
    shops = load_demo_shops()
    world = _World(shops)
    folder = keep or Path(tempfile.mkdtemp(prefix="policywatch-demo-"))
    folder.mkdir(parents=True, exist_ok=True)
    try:
        with serve(shops, world) as urls, webhook() as (notify_url, received):
            config = folder / "policywatch.toml"
            config.write_text(_config_text(folder, urls, shops, notify_url), encoding="utf-8")
            print(f"policywatch demo: {len(shops)} shops served on loopback, data in {folder}")
            _run(config, "crawl", "--all")
            print("\n# The shops' newsletter boxes show a new discount code on every request; crawling")
            print("# again records no new version. Now one policy changes materially, one editorially.")
            changed = [shop for shop in shops if shop.edits]
            for shop in changed:
                world.apply_edits(shop)
            _run(config, "crawl", "--all")
            for message in received:
                print(f"\n# The local webhook received an alert:\n{message.get('title')}\n{message.get('message')}")
            _run(config, "shops")
            for shop in changed:
                _run(config, "history", shop.name)
            _run(config, "diff", changed[0].name)
            _run(config, "diff", changed[0].name, "--format", "json")
    finally:
        if keep is None:
            shutil.rmtree(folder, ignore_errors=True)
