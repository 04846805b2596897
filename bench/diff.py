"""Benchmark the sentence diff against difflib on the corpus pairs.

Usage: python bench/diff.py [CORPUS]   (default: ../shared/corpus next to the repository)

For every pair in CORPUS/real/*/ and CORPUS/synthetic/*/ (old.md, new.md), normalized with
monitor.normalize.normalize_file when it exists: ms per pair for diff_texts (segmenting
included) and for diff_sentences (already segmented), and the same sentence lists aligned
and paired with difflib.SequenceMatcher. Also the import time of monitor.diff + render.
"""

from __future__ import annotations

import difflib
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from monitor.diff import diff_sentences, diff_texts  # noqa: E402
from monitor.diff_words import fold  # noqa: E402
from monitor.segment import segment  # noqa: E402


def read(path: Path) -> str:
    try:
        from monitor.normalize import normalize_file
    except ImportError:
        return path.read_text(encoding="utf-8")
    return normalize_file(path).text


def difflib_diff(old: list[str], new: list[str]) -> tuple[int, int]:
    """The same pipeline with difflib: align folded sentences, pair similar ones, diff words.

    Returns (equal-matched sentences, modify pairs).
    """
    old_keys, new_keys = [fold(s) for s in old], [fold(s) for s in new]
    matcher = difflib.SequenceMatcher(None, old_keys, new_keys, autojunk=False)
    equal = modified = 0
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            equal += i2 - i1
            continue
        used: set[int] = set()
        for i in range(i1, i2):
            scorer = difflib.SequenceMatcher(None, "", old_keys[i], autojunk=False)
            for j in range(j1, j2):
                if j in used:
                    continue
                scorer.set_seq1(new_keys[j])
                if scorer.real_quick_ratio() >= 0.6 and scorer.quick_ratio() >= 0.6 and scorer.ratio() >= 0.6:
                    used.add(j)
                    modified += 1
                    difflib.SequenceMatcher(None, old[i].split(), new[j].split()).get_opcodes()
                    break
    return equal, modified


def timed(function, *args) -> tuple[float, object]:  # noqa: ANN001
    start = time.perf_counter()
    result = function(*args)
    return (time.perf_counter() - start) * 1000, result


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def import_time_ms(runs: int = 7) -> float:
    def run(code: str) -> float:
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)
        return (time.perf_counter() - start) * 1000

    baseline = statistics.median(run("pass") for _ in range(runs))
    return statistics.median(run("import monitor.diff, monitor.render") for _ in range(runs)) - baseline


def main() -> None:
    corpus = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared" / "corpus"
    pairs = sorted(p for kind in ("real", "synthetic") for p in (corpus / kind).glob("*/") if (p / "new.md").exists())
    rows = []
    for folder in pairs:
        old, new = read(folder / "old.md"), read(folder / "new.md")
        diff_texts(old, new)  # warm caches (abbreviations, numpy) outside the timings
        ms_texts, diff = timed(diff_texts, old, new)
        old_s, new_s = segment(old), segment(new)
        ms_sentences = min(timed(diff_sentences, old_s, new_s)[0] for _ in range(3))
        ms_difflib, (equal_difflib, modify_difflib) = timed(
            difflib_diff, [s.text for s in old_s], [s.text for s in new_s]
        )
        equal_ours = len(diff.equal_pairs()) + sum(1 for c in diff.changes if c.op == "modify" and fold(c.before or "") == fold(c.after or ""))
        rows.append((folder.parent.name, folder.name, len(old) + len(new), ms_texts, ms_sentences, ms_difflib,
                     equal_ours, equal_difflib, diff.counts()["modify"], modify_difflib, diff.counts()["move"]))

    def line(label: str, selected: list[tuple]) -> str:
        texts, sents, dl = ([r[k] for r in selected] for k in (3, 4, 5))
        speedup = sum(dl) / max(sum(sents), 1e-9)
        return (f"{label:<22}{len(selected):>6}{statistics.median(texts):>10.1f}{percentile(texts, .95):>10.1f}"
                f"{statistics.median(sents):>10.1f}{percentile(sents, .95):>10.1f}{statistics.median(dl):>10.1f}"
                f"{percentile(dl, .95):>10.1f}{speedup:>8.1f}×")

    real = [r for r in rows if r[0] == "real"]
    largest = sorted(real, key=lambda r: r[2])[-max(1, len(real) // 10):]
    print(f"{'pairs':<22}{'n':>6}{'texts p50':>10}{'p95':>10}{'sents p50':>10}{'p95':>10}"
          f"{'difflib':>10}{'p95':>10}{'speed':>9}")
    for label, selected in (("all", rows), ("real", real), ("synthetic", [r for r in rows if r[0] == "synthetic"]),
                            (f"largest real (top {len(largest)})", largest)):
        if selected:
            print(line(label, selected))
    print("(ms per pair; 'texts' = diff_texts incl. segmenting, 'sents' = diff_sentences on segmented "
          "lists, 'difflib' = the same lists aligned and paired with difflib.SequenceMatcher)")
    print(f"alignment quality: equal-matched sentences ours {sum(r[6] for r in rows)} vs difflib "
          f"{sum(r[7] for r in rows)}; modify pairs ours {sum(r[8] for r in rows)} vs difflib "
          f"{sum(r[9] for r in rows)}; moves found {sum(r[10] for r in rows)} (difflib: none)")
    print(f"import monitor.diff, monitor.render: {import_time_ms():.0f} ms over a bare interpreter")


if __name__ == "__main__":
    main()
