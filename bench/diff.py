"""Benchmark the sentence diff against difflib on the corpus pairs, and `compare` as a process.

Usage: python bench/diff.py [CORPUS] [--wall] [--no-cli]   (default CORPUS: ../shared/corpus)

For every pair in CORPUS/real/*/ and CORPUS/synthetic/*/ (old.md, new.md, normalized with
monitor.normalize.normalize_file), each timing is the best of three runs, for both sides, in
CPU time of this process (``time.process_time``: on a shared machine wall-clock mostly
measures the other processes; ``--wall`` uses ``time.perf_counter`` instead):

- texts: ``diff_texts`` on the normalized texts, segmenting included, with the segment caches
  cleared before each run (a cold diff of a pair never seen);
- sents: ``diff_sentences`` on the already segmented lists, folding included;
- difflib: the same sentence lists through a difflib pipeline doing the same steps: fold each
  sentence with the same ``fold``, align with ``SequenceMatcher`` (autojunk off), pair the
  deleted and inserted sentences of each replace block by ratio ≥ 0.6 (greedy, with difflib's
  quick-ratio pre-filters), diff the words of each pair. It finds no moves and pairs greedily,
  so it does less work than ours: the speed ratio is in difflib's favour;
- align: alignment only, both sides given the same folded keys: ``monitor.diff.key_opcodes``
  (rapidfuzz ``Indel.opcodes``, equal blocks checked) against ``SequenceMatcher.get_opcodes``.

Alignment quality is the number of sentences each aligner matches as equal (more is better;
an LCS is the maximum). Then ``policywatch compare`` of two ~100 KB files, end to end.
"""

from __future__ import annotations

import difflib
import json
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from monitor.diff import diff_sentences, diff_texts, key_opcodes
from monitor.diff_words import fold
from monitor.normalize import normalize_file
from monitor.segment import clear_caches, segment

COMPARE_BYTES = 100_000
T = TypeVar("T")


def difflib_diff(old: list[str], new: list[str]) -> int:
    """The difflib pipeline described above; returns the number of modify pairs."""
    old_keys, new_keys = [fold(s) for s in old], [fold(s) for s in new]
    matcher = difflib.SequenceMatcher(None, old_keys, new_keys, autojunk=False)
    modified = 0
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
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
                    difflib.SequenceMatcher(None, old[i].split(), new[j].split(), autojunk=False).get_opcodes()
                    break
    return modified


def rapidfuzz_align(old_keys: list[str], new_keys: list[str]) -> int:
    return sum(op.src_end - op.src_start for op in key_opcodes(old_keys, new_keys) if op.tag == "equal")


def difflib_align(old_keys: list[str], new_keys: list[str]) -> int:
    matcher = difflib.SequenceMatcher(None, old_keys, new_keys, autojunk=False)
    return sum(i2 - i1 for tag, i1, i2, _, _ in matcher.get_opcodes() if tag == "equal")


CLOCK = time.perf_counter if "--wall" in sys.argv else time.process_time


def best_ms(function: Callable[[], T], runs: int = 3, before: Callable[[], None] | None = None) -> tuple[float, T]:
    best = float("inf")
    result = function()  # a first run warms the code path; only the timed runs below count
    for _ in range(runs):
        if before:
            before()
        start = CLOCK()
        result = function()
        best = min(best, (CLOCK() - start) * 1000)
    return best, result


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def measure(folder: Path) -> dict[str, float]:
    old, new = normalize_file(folder / "old.md").text, normalize_file(folder / "new.md").text
    texts_ms, diff = best_ms(lambda: diff_texts(old, new), before=clear_caches)
    old_s, new_s = segment(old), segment(new)
    sents_ms, _ = best_ms(lambda: diff_sentences(old_s, new_s))
    old_texts, new_texts = [s.text for s in old_s], [s.text for s in new_s]
    difflib_ms, difflib_modify = best_ms(lambda: difflib_diff(old_texts, new_texts))
    old_keys, new_keys = [fold(t) for t in old_texts], [fold(t) for t in new_texts]
    align_ms, align_equal = best_ms(lambda: rapidfuzz_align(old_keys, new_keys))
    align_difflib_ms, align_difflib_equal = best_ms(lambda: difflib_align(old_keys, new_keys))
    counts = diff.counts()
    return {"size": len(old) + len(new), "texts": texts_ms, "sents": sents_ms, "difflib": difflib_ms,
            "align": align_ms, "align_difflib": align_difflib_ms, "equal": align_equal,
            "equal_difflib": align_difflib_equal, "modify": counts["modify"], "modify_difflib": difflib_modify,
            "move": counts["move"]}


def table(groups: dict[str, list[dict[str, float]]]) -> None:
    print(f"{'pairs':<24}{'n':>4}  {'texts p50/p95':>14}{'sents p50/p95':>15}{'difflib p50/p95':>17}"
          f"{'speed':>7}{'align':>8}")
    for label, rows in groups.items():
        if not rows:
            continue
        cells = [f"{statistics.median(r[k] for r in rows):.1f}/{percentile([r[k] for r in rows], .95):.1f}"
                 for k in ("texts", "sents", "difflib")]
        speed = sum(r["difflib"] for r in rows) / sum(r["sents"] for r in rows)
        align = sum(r["align_difflib"] for r in rows) / sum(r["align"] for r in rows)
        print(f"{label:<24}{len(rows):>4}  {cells[0]:>14}{cells[1]:>15}{cells[2]:>17}{speed:>6.1f}×{align:>7.1f}×")
    clock = "wall-clock" if CLOCK is time.perf_counter else "CPU"
    print(f"({clock} ms per pair, best of 3; speed = total difflib ms / total sents ms; "
          "align = the same for alignment only)")


def compare_files(corpus: Path, folder: Path) -> tuple[Path, Path]:
    """Two ~100 KB policies: corpus texts joined, then edited (words, inserts, deletes, a move)."""
    text = ""
    for path in sorted((corpus / "real").glob("en-*/old.md")):
        text += path.read_text(encoding="utf-8") + "\n\n"
        if len(text) > COMPARE_BYTES:
            break
    paragraphs = text[:COMPARE_BYTES].split("\n\n")[:-1]
    edited = list(paragraphs)
    rnd = random.Random(3)
    for _ in range(30):
        k = rnd.randrange(len(edited))
        edited[k] = edited[k].replace(" the ", " a ", 1)
    for _ in range(5):
        edited.pop(rnd.randrange(len(edited)))
        edited.insert(rnd.randrange(len(edited)), "We now share your email address with a partner in the United States.")
    edited.insert(len(edited) - 5, edited.pop(10))
    old, new = folder / "old.md", folder / "new.md"
    old.write_text("\n\n".join(paragraphs) + "\n", encoding="utf-8")
    new.write_text("\n\n".join(edited) + "\n", encoding="utf-8")
    return old, new


# Run in a fresh interpreter: where one `compare` spends its time, step by step.
PHASES = """
import sys, time, json
from pathlib import Path
laps = {}
start = last = time.process_time()
def lap(name):
    global last
    now = time.process_time(); laps[name] = (now - last) * 1000; last = now
import monitor.cli; lap("import monitor.cli")
from monitor.normalize import normalize_file; from monitor.compare import compare_texts; lap("import normalize, classify")
old, new = (normalize_file(Path(p)) for p in sys.argv[1:3]); lap("normalize both files")
from monitor.diff import diff_texts; from monitor.classify import classify
diff = diff_texts(old.text, new.text); lap("diff_texts")
classify(old.text, new.text, diff); lap("classify, first call")
classify(old.text, new.text, diff); lap("classify, second call")
from monitor.render import render_diff; lap("import render")
print(json.dumps(laps))
"""


def compare_process(corpus: Path) -> None:
    command = shutil.which("policywatch")
    with tempfile.TemporaryDirectory() as tmp:
        old, new = compare_files(corpus, Path(tmp))
        argv = [command] if command else [sys.executable, "-c", "from monitor.cli import main; main()"]
        runs, cpu = [], []
        for _ in range(5):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            subprocess.run([*argv, "compare", str(old), str(new), "--format", "json"], check=True,
                           cwd=ROOT, stdout=subprocess.DEVNULL)
            runs.append(time.perf_counter() - start)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
        bare = min(_run_ms([sys.executable, "-c", "pass"]) for _ in range(5))
        print(f"policywatch compare of {old.stat().st_size // 1000} KB + {new.stat().st_size // 1000} KB, "
              f"--format json, whole process (target ≤ 0.6 s): wall median {statistics.median(runs):.2f} s, "
              f"best {min(runs):.2f} s; CPU median {statistics.median(cpu):.2f} s; bare interpreter {bare / 1000:.2f} s")
        probe = subprocess.run([sys.executable, "-c", PHASES, str(old), str(new)], check=True, cwd=ROOT,
                               capture_output=True, text=True)
        print("  where its CPU time goes: " + ", ".join(f"{k} {v:.0f} ms" for k, v in json.loads(probe.stdout).items()))


def _run_ms(argv: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, check=True, cwd=ROOT)
    return (time.perf_counter() - start) * 1000


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    corpus = Path(args[0]) if args else ROOT.parent / "shared" / "corpus"
    pairs = sorted(p for kind in ("real", "synthetic") for p in (corpus / kind).glob("*/") if (p / "new.md").exists())
    rows = {folder: measure(folder) for folder in pairs}
    real = [r for f, r in rows.items() if f.parent.name == "real"]
    largest = sorted(real, key=lambda r: r["size"])[-max(1, len(real) // 10):]
    table({"all": list(rows.values()), "real": real,
           "synthetic": [r for f, r in rows.items() if f.parent.name == "synthetic"],
           f"largest real (top {len(largest)})": largest})
    total = {k: sum(r[k] for r in rows.values()) for k in ("equal", "equal_difflib", "modify", "modify_difflib", "move")}
    print(f"alignment quality: sentences matched as equal, rapidfuzz {total['equal']} vs difflib "
          f"{total['equal_difflib']}; modify pairs ours {total['modify']} vs difflib {total['modify_difflib']}; "
          f"moves ours {total['move']} (difflib pipeline: none)")
    if "--no-cli" not in sys.argv:
        compare_process(corpus)


if __name__ == "__main__":
    main()
