"""Benchmark of the normalize step: CPU time per page by kind of input, and a digest of the output.

Inputs: the simulated shop pages of ``bench/crawl.py``, the demo's shop pages (seed policies
in shop chrome, volatile chrome made deterministic), the test shop server's page, the
Markdown captures of the corpus and the seed policies as plain text. Each input is
normalized as the processing step does it; the best of ``--repeat`` runs counts. The digest
covers every output (text, language, title), so a faster normalizer can prove it is the same.

    python bench/normalize.py
"""

from __future__ import annotations

import argparse
import hashlib
import json
import statistics
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
sys.path[:0] = [str(REPO), str(REPO / "bench"), str(REPO / "tests")]

from monitor import demo
from monitor.errors import NormalizeError
from monitor.normalize import normalize


@dataclass(frozen=True)
class Case:
    """One input as the processing step hands it to ``normalize``."""

    kind: str
    name: str
    body: bytes
    content_type: str | None
    url: str | None
    select: tuple[str, ...] = ()
    remove: tuple[str, ...] = ()


class _FixedSecrets:
    """Stands in for ``secrets`` in the demo so that its volatile chrome is the same every run."""

    def __init__(self) -> None:
        self.calls = 0

    def token_hex(self, size: int) -> str:
        self.calls += 1
        return hashlib.sha256(str(self.calls).encode()).hexdigest()[: 2 * size]

    def randbelow(self, limit: int) -> int:
        self.calls += 1
        return self.calls % limit


def cases(pages: int) -> Iterator[Case]:
    """Every benchmark input, grouped by kind."""
    import crawl
    import shopserver

    for index in range(pages):
        url = f"http://{crawl.address(index)}:8642/policies/privacy"
        yield Case("bench", str(index), crawl.page(index), "text/html; charset=utf-8", url)
    for index in range(0, pages, 5):
        url = f"http://{crawl.address(index)}:8642/policies/privacy"
        yield Case("bench-select", str(index), crawl.page(index), "text/html", url, ("main",), (".newsletter", "h2"))
    demo.secrets = _FixedSecrets()  # type: ignore[attr-defined]
    for shop in demo.load_demo_shops():
        url = f"http://127.0.0.1:8000/{shop.name}/policies/privacy-policy"
        yield Case("demo", shop.name, demo.shop_page(shop, shop.text), "text/html", url)
    for seed in range(5):
        page = shopserver.shop_page(shopserver.POLICY_TEXT, chrome_seed=seed).encode()
        yield Case("shopserver", str(seed), page, "text/html", "http://127.0.0.1:8001/policies/privacy-policy")
    for path in sorted((SHARED / "corpus" / "real").glob("*/old.md")):
        yield Case("corpus-md", path.parent.name, path.read_bytes(), "text/markdown", None)
    for path in sorted((SHARED / "seeds").glob("*.txt")):
        yield Case("seed-txt", path.stem, path.read_bytes(), "text/plain", None)


def run(case: Case) -> tuple[float, str]:
    """CPU seconds of normalizing one case, and its output as one line of the digest."""
    started = time.process_time()
    try:
        document = normalize(
            case.body, content_type=case.content_type, url=case.url, select=case.select, remove=case.remove
        )
    except NormalizeError as exc:
        return time.process_time() - started, json.dumps([case.kind, case.name, "error", str(exc)])
    seconds = time.process_time() - started
    return seconds, json.dumps([case.kind, case.name, document.text, document.language, document.title], ensure_ascii=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=50, help="simulated shop pages of bench/crawl.py")
    parser.add_argument("--repeat", type=int, default=3, help="runs per input; the fastest counts")
    args = parser.parse_args()

    digest = hashlib.sha256()
    timings: dict[str, list[float]] = {}
    for case in cases(args.pages):
        best = float("inf")
        for _ in range(args.repeat):
            seconds, line = run(case)
            best = min(best, seconds)
        digest.update(line.encode("utf-8") + b"\n")
        timings.setdefault(case.kind, []).append(best * 1000)
    print(f"{'kind':<14}{'pages':>6}{'median ms':>11}{'p95 ms':>9}{'total ms':>10}")
    for kind, values in timings.items():
        ordered = sorted(values)
        p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
        print(f"{kind:<14}{len(values):>6}{statistics.median(values):>11.2f}{p95:>9.2f}{sum(values):>10.1f}")
    everything = [v for values in timings.values() for v in values]
    print(f"{'all':<14}{len(everything):>6}{statistics.median(everything):>11.2f}{'':>9}{sum(everything):>10.1f}")
    print(f"sha256 {digest.hexdigest()}")


if __name__ == "__main__":
    main()
