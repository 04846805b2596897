"""Replay sequences of real captures through processing and count versions and alerts.

Usage: ``python bench/noise.py ../shared/corpus/real [--limit N] [--json]``

Each pair folder (``old.md``, ``new.md``) gives five sequences, each a shop of its own in a
temporary SQLite database, processed by ``monitor.process.process_pending`` (normalize,
guard, version decision, classify, outbox):

- ``pair``: old, new. Labeled editorial pairs should alert nothing; pairs whose normalized
  texts are equal (link targets, images, markup) should record one version.
- ``stays``: old, new, new, new. A labeled material pair must end with ``new`` recorded.
- ``flip``: old, new, old, new, old, new. At most one alert; the returns are counted as flaps.
- ``login``: old, a login page, a challenge page, old. One version, no alert.
- ``language``: old, a policy in another language (another pair's old), old. One version, no alert.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
from collections import Counter
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from monitor.config import Config, parse_config
from monitor.history import flap_count
from monitor.normalize import normalize, text_hash
from monitor.process import process_pending
from storage.db import Database, open_database
from storage.outbox import Outbox
from storage.records import FetchRecord, Outcome

T0 = datetime(2026, 1, 5, 6, 0, tzinfo=UTC)
MARKDOWN = "text/markdown; charset=utf-8"
LOGIN_PAGE = (b"<html><head><title>Sign in</title></head><body><main><h1>Sign in</h1>"
              b"<p>Sign in to your account to continue.</p><form><label>Email</label><input name=email>"
              b"<label>Password</label><input type=password name=password></form>"
              b"<p><a href='/reset'>Forgot your password?</a> Remember me.</p></main></body></html>")
CHALLENGE_PAGE = (b"<html><head><title>Just a moment...</title></head><body><main><h1>Just a moment...</h1>"
                  b"<p>Checking your browser before accessing the site. This process is automatic.</p>"
                  b"<p>Ray ID: 7f00c0ffee</p></main></body></html>")
HTML = "text/html; charset=utf-8"
_LINK_HOST = re.compile(rb"\]\(https?://(?:www\.)?([a-z0-9.-]+)", re.IGNORECASE)


@dataclass(frozen=True)
class SequenceResult:
    pair: str
    sequence: str
    label: str  # editorial, material or unlabeled
    same_text: bool  # old and new normalize to the same text
    versions: int
    alerts: int
    flaps: int
    held: int
    ends_on_new: bool
    decisions: tuple[str, ...]


def _labels(corpus: Path) -> dict[str, bool]:
    """Pair id -> editorial_only, from every ``labels*.json`` of the corpus folder."""
    labels: dict[str, bool] = {}
    for path in sorted(corpus.glob("labels*.json")):
        for entry in json.loads(path.read_text(encoding="utf-8")):
            labels[entry["id"]] = bool(entry["editorial_only"])
    return labels


def _pairs(corpus: Path, limit: int | None) -> list[tuple[str, str, bytes, bytes]]:
    pairs = []
    for folder in sorted(p for p in corpus.iterdir() if (p / "old.md").is_file() and (p / "new.md").is_file()):
        language = json.loads((folder / "meta.json").read_text(encoding="utf-8")).get("language", "")
        pairs.append((folder.name, language, (folder / "old.md").read_bytes(), (folder / "new.md").read_bytes()))
    return pairs[:limit] if limit else pairs


def _site(old: bytes, pair: str) -> str:
    """The policy's URL on the service's own host (its most linked host), as a shop would set it.

    The normalizer keeps link targets that point to another company, so a made-up host would
    make every link of the service look foreign.
    """
    hosts = Counter(match.decode("ascii", "replace").lower() for match in _LINK_HOST.findall(old))
    host = hosts.most_common(1)[0][0] if hosts else f"{pair}.example"
    return f"https://{host}/privacy"


def _sequences(pairs: list[tuple[str, str, bytes, bytes]]) -> dict[str, tuple[str, str, list[tuple[bytes, str]]]]:
    """Shop name -> (pair id, sequence name, bodies with their content types)."""
    by_language: dict[str, bytes] = {}
    for _, language, old, _ in pairs:
        by_language.setdefault(language, old)
    sequences = {}
    for pair, language, old, new in pairs:
        a, b = (old, MARKDOWN), (new, MARKDOWN)
        sequences[f"{pair}-pair"] = (pair, "pair", [a, b])
        sequences[f"{pair}-stays"] = (pair, "stays", [a, b, b, b])
        sequences[f"{pair}-flip"] = (pair, "flip", [a, b, a, b, a, b])
        sequences[f"{pair}-login"] = (pair, "login", [a, (LOGIN_PAGE, HTML), (CHALLENGE_PAGE, HTML), a])
        other = next((body for code, body in by_language.items() if code != language), None)
        if other is not None:
            sequences[f"{pair}-language"] = (pair, "language", [a, (other, MARKDOWN), a])
    return sequences


def _config(folder: Path, sequences: dict[str, tuple[str, str, list[tuple[bytes, str]]]],
            languages: dict[str, str], sites: dict[str, str]) -> Config:
    shops = "".join(
        f'[[shops]]\nname = "{name}"\nurl = "{sites[pair]}"\n'
        + (f'language = "{languages[pair]}"\n' if len(languages.get(pair, "")) == 2 else "")
        for name, (pair, _, _) in sequences.items()
    )
    text = (f'[database]\nurl = "sqlite:///{folder / "noise.db"}"\nblobs = "{folder / "blobs"}"\n'
            f'[[notify]]\nurl = "json://127.0.0.1:9/"\n{shops}')
    return parse_config(text, folder / "policywatch.toml")


def _same_text(old: bytes, new: bytes, url: str) -> bool:
    before, after = normalize(old, content_type=MARKDOWN, url=url), normalize(new, content_type=MARKDOWN, url=url)
    return text_hash(before.text) == text_hash(after.text)


def run(corpus: Path, limit: int | None = None) -> list[SequenceResult]:
    pairs = _pairs(corpus, limit)
    labels = _labels(corpus)
    languages = {pair: language for pair, language, _, _ in pairs}
    sites = {pair: _site(old, pair) for pair, _, old, _ in pairs}
    same = {pair: _same_text(old, new, sites[pair]) for pair, _, old, new in pairs}
    sequences = _sequences(pairs)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        config = _config(folder, sequences, languages, sites)
        database = open_database(config.database_url, config.blobs_path)
        database.sync_shops((shop.name, shop.url, shop.language) for shop in config.shops)
        for name, (pair, _, bodies) in sequences.items():
            for day, (body, content_type) in enumerate(bodies):
                url = sites[pair]
                database.record_fetch(FetchRecord(name, url, Outcome.OK, T0 + timedelta(days=day), status=200,
                                                  final_url=url, headers={"Content-Type": content_type}, body=body))
        process_pending(database, config)
        results = [_result(database, name, pair, kind, labels, same[pair]) for name, (pair, kind, _) in sequences.items()]
        database.engine.dispose()
    return results


def _result(database: Database, shop: str, pair: str, sequence: str, labels: dict[str, bool],
            same_text: bool) -> SequenceResult:
    outbox = Outbox(database)
    checks = outbox.recent_checks(shop, 100)[::-1]
    alerts = sum(1 for row in outbox.rows() if row.shop == shop and row.kind == "change")
    versions = database.versions(shop)
    label = "unlabeled" if pair not in labels else "editorial" if labels[pair] else "material"
    return SequenceResult(
        pair, sequence, label, same_text, len(versions), alerts, flap_count(database, shop),
        sum(1 for c in checks if (c.decision or "").startswith("held:")),
        # old then new, so a second version is the new text.
        ends_on_new=len(versions) >= 2,
        decisions=tuple(c.decision or "" for c in checks),
    )


def summary(results: list[SequenceResult]) -> dict[str, object]:
    """The figures the targets are checked against."""
    def by(sequence: str) -> list[SequenceResult]:
        return [r for r in results if r.sequence == sequence]

    pair, stays = by("pair"), by("stays")
    held_reasons = Counter(d for r in results for d in r.decisions if d.startswith("held:"))
    return {
        "pairs": len(pair),
        "same_text_pairs": sum(r.same_text for r in pair),
        "same_text_pairs_with_a_second_version": sum(r.same_text and r.versions > 1 for r in pair),
        "editorial_pairs": sum(r.label == "editorial" for r in pair),
        "editorial_pairs_alerting": sum(r.label == "editorial" and r.alerts > 0 for r in pair),
        "editorial_pairs_recording_a_version": sum(r.label == "editorial" and r.versions > 1 for r in pair),
        "material_pairs": sum(r.label == "material" for r in pair),
        "material_pairs_held_at_first": sum(r.label == "material" and r.versions < 2 for r in pair),
        "material_pairs_suppressed": sum(r.label == "material" and not r.ends_on_new for r in stays),
        "different_pairs_held_at_first": sum(not r.same_text and r.versions < 2 for r in pair),
        "different_pairs_never_recorded": sum(not r.same_text and not r.ends_on_new for r in stays),
        "flip_sequences": len(by("flip")),
        "flip_sequences_alerting_more_than_once": sum(r.alerts > 1 for r in by("flip")),
        "flip_sequences_with_flaps_counted": sum(r.flaps > 0 for r in by("flip")),
        "flip_versions_max": max((r.versions for r in by("flip")), default=0),
        "login_sequences_with_extra_version_or_alert": sum(r.versions != 1 or r.alerts for r in by("login")),
        "language_sequences_with_extra_version_or_alert": sum(r.versions != 1 or r.alerts for r in by("language")),
        "first_versions_held": sum(bool(r.decisions) and r.decisions[0].startswith("held:") for r in results),
        "held_reasons": dict(held_reasons),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path, help="folder of pair folders, e.g. ../shared/corpus/real")
    parser.add_argument("--limit", type=int, default=None, help="only the first N pairs")
    parser.add_argument("--json", action="store_true", help="print every sequence and the summary as JSON")
    args = parser.parse_args()
    results = run(args.corpus, args.limit)
    figures = summary(results)
    if args.json:
        print(json.dumps({"summary": figures, "sequences": [asdict(r) for r in results]}, indent=2))
        return
    for r in results:
        print(f"{r.pair:8} {r.sequence:8} {r.label:9} versions={r.versions} alerts={r.alerts} "
              f"flaps={r.flaps} held={r.held} {' '.join(r.decisions)}")
    print()
    for key, value in figures.items():
        print(f"{key}: {value}")


if __name__ == "__main__":
    main()
