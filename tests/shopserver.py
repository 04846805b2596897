"""A loopback shop server with the failures real shop servers produce, for crawler tests.

``ShopServer`` runs a threaded HTTP server on 127.0.0.1 (port 0) in a background thread.
Pages can be changed between crawl passes with ``set_page``. It also answers proxy-style
requests (absolute URLs) so a test can make a public-looking URL reach it offline.
"""

from __future__ import annotations

import contextlib
import gzip
import random
import socket
import struct
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Self
from urllib.parse import parse_qs, urlsplit

POLICY_TEXT = """
<h1>Privacy policy</h1>
<p>We collect your name, address and e-mail address when you place an order.</p>
<h2>Payments</h2>
<p>Card payments are handled by our payment provider, who receives the order amount.</p>
<h2>Retention</h2>
<p>Order data is kept for seven years because bookkeeping law requires it.</p>
<ul><li>Right of access</li><li>Right to erasure</li></ul>
"""


def shop_page(
    policy_html: str, *, title: str = "Privacy policy", chrome_seed: int | None = None
) -> str:
    """A realistic shop page: header, navigation, cart, newsletter and footer around the policy.

    With ``chrome_seed`` the volatile chrome (discount code, cart count, CSRF token) varies.
    """
    rng = random.Random(chrome_seed or 0)
    code = "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ23456789") for _ in range(8))
    cart = rng.randint(0, 9) if chrome_seed is not None else 0
    token = f"{rng.getrandbits(128):032x}"
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title} | Example Shop</title>
<link rel="stylesheet" href="/assets/shop.css"></head>
<body>
<div class="announcement-bar">Get 10% off with code <b>{code}</b> today only!</div>
<header class="site-header"><a class="logo" href="/">Example Shop</a>
<nav><ul><li><a href="/collections/new">New in</a></li><li><a href="/collections/sale">Sale</a></li>
<li><a href="/pages/contact">Contact</a></li></ul></nav>
<a class="cart-link" href="/cart">Cart (<span class="cart-count">{cart}</span>)</a></header>
<main id="MainContent"><article class="page-content">{policy_html}</article></main>
<section class="newsletter"><form action="/contact" method="post">
<input type="hidden" name="authenticity_token" value="{token}">
<label>Sign up for our newsletter</label><input type="email" name="email"><button>Subscribe</button>
</form></section>
<footer class="site-footer"><ul><li><a href="/policies/terms">Terms</a></li>
<li><a href="/policies/privacy-policy">Privacy</a></li></ul><p>&copy; Example Shop AB</p></footer>
</body></html>"""


CHALLENGE_PAGE = """<!doctype html><html><head><title>Just a moment...</title></head>
<body><h1>Just a moment…</h1><p>Checking your browser before accessing the shop.</p>
<noscript>Enable JavaScript and cookies to continue</noscript></body></html>"""

MAINTENANCE_PAGE = """<!doctype html><html><head><title>Down for maintenance</title></head>
<body><h1>We'll be back soon</h1><p>The shop is closed for maintenance. Please come back later.</p>
</body></html>"""

ROBOTS_TXT = "User-agent: *\nDisallow: /private/\n"
ETAG = '"policy-v1"'
LAST_MODIFIED = "Mon, 02 Nov 2026 10:00:00 GMT"
HUGE_BYTES = 50 * 1024 * 1024
BOMB_BYTES = 64 * 1024 * 1024
CYRILLIC = "Политика конфиденциальности: мы храним ваши данные три года."


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        path, query = parts.path, parse_qs(parts.query)
        self.server.hits[path] = self.server.hits.get(path, 0) + 1
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self._route(path, query)

    def _route(self, path: str, query: dict[str, list[str]]) -> None:
        server = self.server
        if path in server.pages:
            return self._send(200, server.pages[path])
        if path == "/" or path.startswith(("/policy/", "/private/")):
            return self._send(200, shop_page(POLICY_TEXT).encode())
        if path == "/robots.txt":
            return self._send(200, ROBOTS_TXT.encode(), "text/plain")
        if path == "/rotating":
            return self._send(
                200, shop_page(POLICY_TEXT, chrome_seed=random.getrandbits(32)).encode()
            )
        if path == "/etag":
            if self.headers.get("If-None-Match") == ETAG:
                return self._send(304, b"", extra={"ETag": ETAG})
            return self._send(
                200,
                shop_page(POLICY_TEXT).encode(),
                extra={"ETag": ETAG, "Last-Modified": LAST_MODIFIED},
            )
        if path.startswith("/status/"):
            code = int(path.rsplit("/", 1)[1])
            return self._send(
                code, f"<html><body><h1>Error {code}</h1></body></html>".encode()
            )
        if path == "/retry-after":
            return self._send(
                503, b"<h1>Busy</h1>", extra={"Retry-After": query.get("s", ["1"])[0]}
            )
        if path.startswith("/flaky/"):
            # First request of each key gets a 503 with Retry-After, the next ones the page.
            if server.hits[path] == 1:
                return self._send(503, b"<h1>Busy</h1>", extra={"Retry-After": "1"})
            return self._send(200, shop_page(POLICY_TEXT).encode())
        if path == "/hang":
            server.stopping.wait(float(query.get("s", ["60"])[0]))
            return self.close_connection_now()
        if path == "/drip":
            return self._drip(float(query.get("every", ["0.5"])[0]))
        if path == "/reset":
            return self.reset()
        if path == "/truncated":
            return self._raw(
                b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 10000\r\n\r\n<html><body>cut"
            )
        if path == "/loop":
            return self._send(302, b"", extra={"Location": "/loop2"})
        if path == "/loop2":
            return self._send(302, b"", extra={"Location": "/loop"})
        if path == "/moved":
            return self._send(301, b"", extra={"Location": "/"})
        if path == "/to-loopback":
            return self._send(
                302,
                b"",
                extra={
                    "Location": f"http://127.0.0.1:{server.server_port}/policy/shop"
                },
            )
        if path == "/empty":
            return self._send(200, b"")
        if path == "/challenge":
            return self._send(200, CHALLENGE_PAGE.encode())
        if path == "/maintenance":
            return self._send(200, MAINTENANCE_PAGE.encode())
        if path == "/huge":
            return self._stream(HUGE_BYTES, announce=True)
        if path == "/huge-stream":
            return self._stream(HUGE_BYTES, announce=False)
        if path == "/gzip-bomb":
            return self._send(200, gzip_bomb(), extra={"Content-Encoding": "gzip"})
        if path == "/charset/cp1251-as-utf8":
            return self._send(
                200, _page(CYRILLIC).encode("cp1251"), "text/html; charset=utf-8"
            )
        if path == "/charset/utf8-as-latin1":
            return self._send(
                200,
                _page("Vi sparar dina uppgifter i två år.").encode(),
                "text/html; charset=ISO-8859-1",
            )
        if path == "/charset/meta-only":
            body = _page(
                CYRILLIC,
                meta='<meta http-equiv="Content-Type" content="text/html; charset=windows-1251">',
            )
            return self._send(200, body.encode("cp1251"), "text/html")
        return self._send(404, b"<h1>Not found</h1>")

    def _send(
        self,
        code: int,
        body: bytes,
        content_type: str = "text/html; charset=utf-8",
        extra: dict[str, str] | None = None,
    ) -> None:
        self.send_response(code)
        if code != 304:
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
        for key, value in (extra or {}).items():
            self.send_header(key, value)
        self.end_headers()
        if code != 304:
            self.wfile.write(body)

    def _raw(self, data: bytes) -> None:
        self.wfile.write(data)
        self.wfile.flush()
        self.close_connection_now()

    def _drip(self, every: float) -> None:
        self.wfile.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 200\r\n\r\n"
        )
        for _ in range(200):
            self.wfile.write(b"x")
            self.wfile.flush()
            if self.server.stopping.wait(every):
                break
        self.close_connection_now()

    def _stream(self, size: int, *, announce: bool) -> None:
        head = "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"
        head += f"Content-Length: {size}\r\n" if announce else "Connection: close\r\n"
        self.wfile.write((head + "\r\n").encode())
        chunk = b"<p>" + b"filler " * 9360 + b"</p>\n"
        sent = 0
        while sent < size and not self.server.stopping.is_set():
            self.wfile.write(chunk)
            sent += len(chunk)
        self.close_connection_now()

    def reset(self) -> None:
        # SO_LINGER with a zero timeout makes close() send a RST instead of a FIN.
        self.connection.setsockopt(
            socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
        )
        self.close_connection = True
        self.connection.close()

    def close_connection_now(self) -> None:
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)
        self.connection.close()


def _page(text: str, meta: str = "") -> str:
    return f"<!doctype html><html><head>{meta}<title>Policy</title></head><body><main><p>{text}</p></main></body></html>"


_BOMB: list[bytes] = []


def gzip_bomb() -> bytes:
    """64 MB of zeros, gzipped to about 64 KB (built once per process)."""
    if not _BOMB:
        _BOMB.append(gzip.compress(bytes(BOMB_BYTES), compresslevel=9))
    return _BOMB[0]


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int]) -> None:
        super().__init__(address, _Handler)
        self.pages: dict[str, bytes] = {}
        self.hits: dict[str, int] = {}
        self.stopping = threading.Event()


class ShopServer:
    """The loopback shop zoo; use as a context manager or call ``start``/``stop``."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self._server = _Server((host, port))
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return self._server.server_port

    @property
    def base(self) -> str:
        return f"http://{self._server.server_address[0]}:{self.port}"

    def url(self, path: str) -> str:
        return self.base + path

    def set_page(self, path: str, html: str | bytes) -> None:
        """Serve ``html`` at ``path`` from now on (e.g. a policy change between passes)."""
        self._server.pages[path] = html.encode() if isinstance(html, str) else html

    def hits(self, path: str) -> int:
        return self._server.hits.get(path, 0)

    def start(self) -> Self:
        # Built before serving: built on first request it could outlast a short client timeout.
        gzip_bomb()
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.stopping.set()
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


if __name__ == "__main__":
    with ShopServer() as shop_server:
        print(shop_server.base, flush=True)
        while True:
            time.sleep(3600)
