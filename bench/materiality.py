"""Score the classifier on a labeled corpus folder: per-category precision and recall,
processor names, editorial false alerts, per language and overall, and classify time.

    python bench/materiality.py ../shared/corpus/synthetic [--verbose]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from monitor.classify import Classification, classify, forget_texts
from monitor.diff import diff_texts
from monitor.facts import CATEGORIES
from monitor.normalize import normalize_file
from monitor.vendors import canonical_party_name

CORE = ("processor", "transfer", "retention")
OTHER = tuple(c for c in CATEGORIES if c not in CORE)
# Each pair is timed as its best of a few first classifications (CPU time, caches emptied
# before each): a shared machine's load would otherwise decide the figure.
TIMING_PAIRS = 20
TIMING_RUNS = 3
LARGEST_REPEATS = 40


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, expected: bool, got: bool) -> None:
        self.tp += expected and got
        self.fp += got and not expected
        self.fn += expected and not got

    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    def f1(self) -> float:
        p, r = self.precision(), self.recall()
        return 2 * p * r / (p + r) if p + r else 0.0

    def line(self) -> str:
        return f"P {self.precision():.2f} R {self.recall():.2f} (tp {self.tp} fp {self.fp} fn {self.fn})"


@dataclass
class Scores:
    categories: dict[str, Counts] = field(default_factory=lambda: defaultdict(Counts))
    names: Counts = field(default_factory=Counts)
    editorial: int = 0
    false_alerts: int = 0
    pairs: int = 0


def load_pair(folder: Path) -> tuple[str, str, str | None]:
    old = normalize_file(folder / "old.md")
    new = normalize_file(folder / "new.md")
    return old.text, new.text, new.language or old.language


def run(old: str, new: str, language: str | None) -> tuple[Classification, float]:
    diff = diff_texts(old, new)
    best = float("inf")
    for _ in range(TIMING_RUNS):
        forget_texts()
        start = time.process_time()
        result = classify(old, new, diff, language=language)
        best = min(best, time.process_time() - start)
    return result, best


def names(result: Classification, change: str) -> set[str]:
    return {
        canonical_party_name(f.entity or "")
        for f in result.findings
        if f.category == "processor" and f.change == change
    }


def score(corpus: Path, verbose: bool) -> None:
    labels = [label for path in sorted(corpus.glob("labels*.json")) for label in json.loads(path.read_text())]
    by_language: dict[str, Scores] = defaultdict(Scores)
    for label in labels:
        old, new, language = load_pair(corpus / label["id"])
        result, _ = run(old, new, language)
        expected = set(label["categories"])
        got = set(result.categories)
        exp_names = {
            (change, canonical_party_name(name))
            for change, key in (("added", "processors_added"), ("removed", "processors_removed"))
            for name in label[key]
        }
        got_names = {(change, name) for change in ("added", "removed") for name in names(result, change)}
        for scores in (by_language[label["language"]], by_language["all"]):
            scores.pairs += 1
            for category in CATEGORIES:
                scores.categories[category].add(category in expected, category in got)
            scores.names.tp += len(exp_names & got_names)
            scores.names.fp += len(got_names - exp_names)
            scores.names.fn += len(exp_names - got_names)
            if label["editorial_only"]:
                scores.editorial += 1
                scores.false_alerts += result.material
        if verbose and (expected != got or exp_names != got_names):
            print(f"--- {label['id']}: expected {sorted(expected)} {sorted(exp_names)}")
            print(f"    got {sorted(got)} {sorted(got_names)}")
            for finding in result.findings:
                print(f"    {finding.category} {finding.change} {finding.entity!r}: {finding.detail}")
                print(f"       before: {(finding.before or '')[:160]}")
                print(f"       after:  {(finding.after or '')[:160]}")
    for language in sorted(by_language, key=lambda k: (k == "all", k)):
        report(language, by_language[language])
    timing(corpus)


def report(language: str, scores: Scores) -> None:
    print(f"== {language}: {scores.pairs} pairs")
    for category in CATEGORIES:
        counts = scores.categories[category]
        if counts.tp + counts.fp + counts.fn:
            print(f"  {category:15} {counts.line()}")
    print(f"  {'processor names':15} {scores.names.line()}")
    other = Counts()
    for category in OTHER:
        counts = scores.categories[category]
        other.tp, other.fp, other.fn = other.tp + counts.tp, other.fp + counts.fp, other.fn + counts.fn
    print(f"  {'other micro-F1':15} {other.f1():.2f} ({other.line()})")
    rate = scores.false_alerts / scores.editorial if scores.editorial else 0.0
    print(f"  {'editorial FA':15} {rate:.1%} ({scores.false_alerts}/{scores.editorial})")


def timing(corpus: Path) -> None:
    folders = sorted(
        (p for p in corpus.iterdir() if (p / "new.md").exists()),
        key=lambda p: -((p / "old.md").stat().st_size + (p / "new.md").stat().st_size),
    )[:TIMING_PAIRS]
    # The measure: the largest pair, p95 over repeated cold classifications.
    old, new, language = load_pair(folders[0])
    diff = diff_texts(old, new)
    repeats = []
    for _ in range(LARGEST_REPEATS):
        forget_texts()
        start = time.process_time()
        classify(old, new, diff, language=language)
        repeats.append((time.process_time() - start) * 1000)
    repeats.sort()
    print(
        f"== classify time on the largest pair ({folders[0].name}, diff excluded), {LARGEST_REPEATS} runs: "
        f"p50 {statistics.median(repeats):.1f} ms, p95 {repeats[int(len(repeats) * 0.95) - 1]:.1f} ms"
    )
    # A stricter look: the slowest of the largest pairs (the one with most changed sentences).
    times = []
    for folder in folders:
        old, new, language = load_pair(folder)
        times.append((run(old, new, language)[1] * 1000, folder.name))
    times.sort()
    p95, p95_pair = times[min(len(times) - 1, int(len(times) * 0.95))]
    print(
        f"== classify time on the {len(folders)} largest pairs (diff excluded, best of {TIMING_RUNS} each): "
        f"p50 {statistics.median(t for t, _ in times):.1f} ms, p95 {p95:.1f} ms ({p95_pair}), "
        f"max {times[-1][0]:.1f} ms ({times[-1][1]})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--verbose", action="store_true", help="list every wrongly classified pair")
    args = parser.parse_args()
    score(args.corpus, args.verbose)


if __name__ == "__main__":
    main()
