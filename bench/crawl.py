"""Benchmark of `policywatch crawl` (fetch + snapshot + process) against a simulated world of shops.

Each of N shops lives on its own loopback address (127.x.y.z, all routed to ``lo`` on Linux)
so per-host politeness applies. Measures, in one run: pages/s of a bare Scrapy spider that
only downloads, pages/s of ``run_pass`` (fetch + snapshot), pages/s of ``run_crawl`` (what
``policywatch crawl --all`` runs: fetch + snapshot + normalize + version), database bytes
added per unchanged check (second pass, same pages), peak RSS, and the CPU per page of each
part (processing alone included).

    python bench/crawl.py --shops 2000 --rounds 3
    python bench/crawl.py --shops 2000 --rounds 4 --baseline ../policywatch-before   # A/B, alternating
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_PORT = 8642
WORDS = [
    "personal",
    "data",
    "order",
    "delivery",
    "payment",
    "provider",
    "retention",
    "period",
    "consent",
    "cookies",
    "analytics",
    "newsletter",
    "customer",
    "service",
    "right",
    "access",
    "erasure",
    "processor",
    "transfer",
    "storage",
    "purpose",
    "legal",
    "basis",
    "contract",
    "account",
    "address",
    "email",
    "phone",
    "invoice",
    "carrier",
    "complaint",
    "authority",
]


def address(index: int) -> str:
    """The loopback address of shop ``index``: 127.1.0.1, 127.1.0.2, ... (never 127.0.0.1)."""
    return f"127.{1 + index // (254 * 256)}.{index // 254 % 256}.{1 + index % 254}"


def page(index: int) -> bytes:
    """A 20–100 KB shop page: header, navigation, cart, newsletter and footer around a policy."""
    rng = random.Random(index)
    target = rng.randint(20_000, 100_000)
    sections = []
    size = 0
    while size < target:
        words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(30, 90)))
        block = f"<h2>Section {len(sections) + 1}</h2><p>{words.capitalize()}.</p>\n"
        sections.append(block)
        size += len(block)
    nav = "".join(
        f'<li><a href="/collections/c{i}">Category {i}</a></li>' for i in range(25)
    )
    html = f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Privacy policy | Shop {index}</title></head><body>
<div class="announcement-bar">Free shipping over 500 kr</div>
<header><a class="logo" href="/">Shop {index}</a><nav><ul>{nav}</ul></nav>
<a class="cart" href="/cart">Cart (0)</a></header>
<main><h1>Privacy policy</h1>{"".join(sections)}</main>
<section class="newsletter"><form><input type="email" name="email"><button>Subscribe</button></form></section>
<footer><p>&copy; Shop {index} AB</p></footer></body></html>"""
    return html.encode()


class _Responder(asyncio.Protocol):
    def __init__(self, body: bytes) -> None:
        self.body = body
        self.buffer = b""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while b"\r\n\r\n" in self.buffer:
            head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
            path = head.split(b" ", 2)[1]
            body = b"" if path.endswith(b"/robots.txt") else self.body
            status = b"404 Not Found" if not body else b"200 OK"
            self.transport.write(  # type: ignore[attr-defined]
                b"HTTP/1.1 "
                + status
                + b"\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: "
                + str(len(body)).encode()
                + b"\r\n\r\n"
                + body
            )


def _serve(
    indexes: list[int], port: int, ready: multiprocessing.synchronize.Event
) -> None:
    async def main() -> None:
        loop = asyncio.get_running_loop()
        for index in indexes:
            body = page(index)
            await loop.create_server(
                lambda body=body: _Responder(body),
                address(index),
                port,
                reuse_address=True,
            )
        ready.set()
        await asyncio.Event().wait()

    asyncio.run(main())


def start_world(
    shops: int, port: int, processes: int = 2
) -> list[multiprocessing.Process]:
    """Serve every shop's page from ``processes`` server processes."""
    workers = []
    for part in range(processes):
        ready = multiprocessing.Event()
        worker = multiprocessing.Process(
            target=_serve,
            args=(list(range(part, shops, processes)), port, ready),
            daemon=True,
        )
        worker.start()
        if not ready.wait(120):
            raise RuntimeError("the simulated shops did not start")
        workers.append(worker)
    return workers


def write_config(folder: Path, shops: int, port: int) -> Path:
    lines = [
        "[database]",
        f'url = "sqlite:///{folder / "bench.db"}"',
        "",
        "[crawl]",
        "concurrency = 64",
        "per_domain_concurrency = 2",
        'timeout = "20s"',
        "retries = 1",
        "allow_private_networks = true",
        "obey_robots = true",
    ]
    for index in range(shops):
        lines += [
            "",
            "[[shops]]",
            f'name = "shop-{index}"',
            f'url = "http://{address(index)}:{port}/policies/privacy"',
        ]
    path = folder / "bench.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


FETCH = """
import json, resource, sys, time
from crawler.runner import run_pass
from monitor.config import load_config
config = load_config(sys.argv[1])
started, cpu = time.monotonic(), time.process_time()
report = run_pass(config, [shop.name for shop in config.shops])
print(json.dumps({"crawl_s": time.monotonic() - started, "cpu_s": time.process_time() - cpu,
                  "by_outcome": report.by_outcome,
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

# Processing alone, in one process: the checks a fetch + snapshot pass left pending.
PROCESS = """
import json, sys, time
from monitor.config import load_config
from monitor.database import open_configured_database
from monitor.process import process_pending
config = load_config(sys.argv[1])
database = open_configured_database(config)
cpu = time.process_time()
report = process_pending(database, config)
print(json.dumps({"cpu_s": time.process_time() - cpu, "checks": report.checks}))
"""

# What `policywatch crawl --all` runs: fetch + snapshot, processing alongside, final drain.
FULL = """
import json, resource, sys, time
from monitor.config import load_config
from monitor.crawl_pass import run_crawl
config = load_config(sys.argv[1])
started, cpu = time.monotonic(), time.process_time()
summary = run_crawl(config, [], everything=True)
peak = max(resource.getrusage(who).ru_maxrss for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
workers = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"total_s": time.monotonic() - started, "rss_mb": peak / 1024,
                  "cpu_s": time.process_time() - cpu + workers.ru_utime + workers.ru_stime,
                  "summary": {key: summary[key] for key in ("fetched", "unchanged", "new_versions", "held")},
                  "errors": len(summary["errors"])}))
"""

BARE = """
import json, resource, sys, time
import scrapy
from scrapy.crawler import AsyncCrawlerProcess
from crawler.runner import scrapy_settings
from monitor.config import load_config
config = load_config(sys.argv[1])
settings = scrapy_settings(config)
for key in ("ITEM_PIPELINES", "DOWNLOADER_MIDDLEWARES"):
    settings.set(key, {}, priority="cmdline")
pages = []
class Bare(scrapy.Spider):
    name = "bare"
    async def start(self):
        for shop in config.shops:
            yield scrapy.Request(shop.url, dont_filter=True)
    def parse(self, response):
        pages.append(len(response.body))
started, cpu = time.monotonic(), time.process_time()
process = AsyncCrawlerProcess(settings)
process.crawl(Bare)
process.start()
print(json.dumps({"crawl_s": time.monotonic() - started, "cpu_s": time.process_time() - cpu,
                  "pages": len(pages),
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def _run(script: str, config: Path, repo: Path = REPO) -> dict:
    """Run ``script`` in a fresh process on the policywatch checkout at ``repo``."""
    result = subprocess.run(
        [sys.executable, "-c", script, str(config)],
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PYTHONPATH": str(repo)},
    )
    if result.returncode != 0:
        raise SystemExit(result.stderr[-3000:])
    return json.loads(result.stdout.strip().splitlines()[-1])


def _database_bytes(path: Path) -> int:
    import sqlite3

    connection = sqlite3.connect(path)
    connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.close()
    return path.stat().st_size + sum(
        p.stat().st_size for p in path.parent.glob(path.name + "-wal")
    )


def _blob_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def _round(shops: int, port: int, process: bool, repo: Path = REPO) -> dict:
    """One measurement: bare download, fetch + snapshot, then (``process``) two full passes."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        config = write_config(folder, shops, port)
        bare = _run(BARE, config, repo)
        fetch = _run(FETCH, config, repo)
        bare_rate = bare["pages"] / bare["crawl_s"]
        crawl_rate = shops / fetch["crawl_s"]
        figures = {
            "shops": shops,
            "bare_pages_per_s": round(bare_rate, 1),
            "fetch_snapshot_pages_per_s": round(crawl_rate, 1),
            "fetch_snapshot_vs_bare": round(crawl_rate / bare_rate, 2),
            "fetch_outcomes": fetch["by_outcome"],
            "peak_rss_mb_fetch": round(fetch["rss_mb"], 1),
            "peak_rss_mb_bare": round(bare["rss_mb"], 1),
            # CPU per page (this process and its workers; the simulated shops not counted):
            # with all cores busy, the sum decides how fast a pass can go.
            "cpu_ms_per_page_bare": round(bare["cpu_s"] / shops * 1000, 2),
            "cpu_ms_per_page_fetch_snapshot": round(fetch["cpu_s"] / shops * 1000, 2),
        }
        if not process:
            return figures
        processed = _run(PROCESS, config, repo)
        # What one new page costs after the fetch: normalize, guard, version (single process).
        figures["cpu_ms_per_page_processing"] = round(processed["cpu_s"] / processed["checks"] * 1000, 2)
        # The end-to-end passes start from an empty database of their own.
        (folder / "bench.db").unlink()
        shutil.rmtree(folder / "bench.db-blobs")
        database, blobs = folder / "bench.db", folder / "bench.db-blobs"
        first = _run(FULL, config, repo)
        after_first, blobs_first = _database_bytes(database), _blob_bytes(blobs)
        second = _run(FULL, config, repo)
        after_second, blobs_second = _database_bytes(database), _blob_bytes(blobs)
    return figures | {
        "end_to_end_pages_per_s": round(shops / first["total_s"], 1),
        "end_to_end_vs_bare": round(shops / first["total_s"] / bare_rate, 2),
        "cpu_ms_per_page_end_to_end": round(first["cpu_s"] / shops * 1000, 2),
        # The steady state: every page unchanged, most settled from the cached text hash.
        "unchanged_pass_pages_per_s": round(shops / second["total_s"], 1),
        "unchanged_pass_vs_bare": round(shops / second["total_s"] / bare_rate, 2),
        "first_pass": first["summary"] | {"errors": first["errors"]},
        "second_pass": second["summary"] | {"errors": second["errors"]},
        "db_bytes_per_unchanged_check": round((after_second - after_first) / shops, 1),
        "blob_bytes_after_first_pass": blobs_first,
        "blob_bytes_added_by_second_pass": blobs_second - blobs_first,
        # The largest of the crawl process and its processing workers.
        "peak_rss_mb_crawl": round(max(first["rss_mb"], second["rss_mb"]), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shops", type=int, default=2000)
    parser.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help="port on every shop address"
    )
    parser.add_argument(
        "--servers",
        type=int,
        default=2,
        help="server processes for the simulated shops",
    )
    parser.add_argument(
        "--no-process",
        action="store_true",
        help="measure fetch + snapshot only (no end-to-end passes)",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="repeat the measurement; each figure is then the median of the rounds",
    )
    parser.add_argument(
        "--baseline",
        type=Path,
        help="another policywatch checkout: its rounds alternate with this one's and both are reported "
        "(on a shared machine, only an alternating comparison separates a change from the machine's drift)",
    )
    args = parser.parse_args()

    sides = {"this": REPO} | ({"baseline": args.baseline.resolve()} if args.baseline else {})
    rounds: dict[str, list[dict]] = {side: [] for side in sides}
    workers = start_world(args.shops, args.port, args.servers)
    try:
        for index in range(args.rounds):
            order = list(sides.items()) if index % 2 == 0 else list(reversed(sides.items()))
            for side, repo in order:
                rounds[side].append(_round(args.shops, args.port, not args.no_process, repo))
    finally:
        for worker in workers:
            worker.kill()
    figures = {side: _summary(measured) for side, measured in rounds.items()}
    print(json.dumps(figures["this"] if len(figures) == 1 else figures, indent=2))


def _summary(rounds: list[dict]) -> dict:
    """Each figure's median over the rounds, and every round's ratios to the bare spider."""
    figures = {
        key: round(statistics.median(r[key] for r in rounds), 2) if isinstance(value, (int, float)) else value
        for key, value in rounds[-1].items()
    }
    if len(rounds) > 1:
        figures["rounds_vs_bare"] = {key: [r[key] for r in rounds] for key in rounds[0] if key.endswith("_vs_bare")}
    return figures


if __name__ == "__main__":
    main()
