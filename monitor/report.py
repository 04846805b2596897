"""Render the non-diff outputs of the CLI: crawl summaries, shop lists and histories.

Each function returns the text or the JSON-ready value; the CLI prints it. Diffs are
rendered by ``monitor.render``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from storage.records import ShopState, StoredVersion


def iso(moment: datetime | None) -> str | None:
    """ISO 8601 UTC with a Z, or None."""
    if moment is None:
        return None
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


def _short(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M") if moment else "-"


def shops_json(states: Sequence[ShopState], flaps: dict[str, int] | None = None) -> dict[str, Any]:
    return {
        "shops": [
            {
                "name": state.name,
                "url": state.url,
                "language": state.language,
                "last_check": iso(state.last_check_at),
                "last_status": state.last_outcome,
                "last_http_status": state.last_status,
                "last_detail": state.last_detail,
                "last_change": iso(state.last_change_at),
                "versions": state.versions,
                **({"flaps": flaps.get(state.name, 0)} if flaps is not None else {}),
            }
            for state in states
        ]
    }


def shops_text(states: Sequence[ShopState], flaps: dict[str, int] | None = None) -> str:
    flaps = flaps or {}
    rows = [("SHOP", "LAST CHECK", "STATUS", "LAST CHANGE", "VERSIONS", "FLAPS")]
    for state in states:
        status = state.last_outcome or "never checked"
        if state.last_status and state.last_outcome != "ok":
            status += f" {state.last_status}"
        if state.last_detail:
            status += f" ({state.last_detail})"
        rows.append((state.name, _short(state.last_check_at), status, _short(state.last_change_at), str(state.versions),
                     str(flaps.get(state.name, 0))))
    return _table(rows)


def _change_label(version: StoredVersion, first: bool) -> str:
    if first:
        return "first version"
    if version.technical:
        return "technical (normalizer update)"
    label = ", ".join(version.categories) if version.material else "editorial"
    counts = version.counts
    if counts:
        label += " · " + " ".join(
            f"{sign}{counts.get(op, 0)}" for op, sign in (("insert", "+"), ("delete", "-"), ("modify", "~"), ("move", "↕"))
        )
    return label + (" · structural" if version.structural else "")


def history_json(
    shop: str, versions: Sequence[StoredVersion], *, held: dict[str, int] | None = None, flaps: int = 0
) -> dict[str, Any]:
    return {
        "shop": shop,
        "flaps": flaps,
        "held_checks": dict(held or {}),
        "versions": [
            {
                "id": version.id,
                "first_seen": iso(version.first_seen),
                "last_seen": iso(version.last_seen),
                "material": version.material,
                "categories": list(version.categories),
                "counts": dict(version.counts),
                "technical": version.technical,
                "structural": version.structural,
                "language": version.language,
            }
            for version in versions
        ],
    }


def history_text(
    shop: str, versions: Sequence[StoredVersion], *, held: dict[str, int] | None = None, flaps: int = 0
) -> str:
    if not versions:
        return f"{shop}: no versions yet"
    rows = [("ID", "FIRST SEEN", "LAST SEEN", "CHANGE")]
    for index, version in enumerate(versions):
        rows.append((str(version.id), _short(version.first_seen), _short(version.last_seen), _change_label(version, index == 0)))
    lines = [_table(rows)]
    if held:
        reasons = ", ".join(f"{decision.removeprefix('held:')} {count}" for decision, count in sorted(held.items()))
        lines.append(f"held checks (not recorded as versions): {reasons}")
    if flaps:
        lines.append(f"flaps (returns to an earlier text): {flaps}")
    return "\n".join(lines)


def crawl_summary_text(summary: dict[str, Any]) -> str:
    line = (
        f"{summary['shops']} shops: {summary['fetched']} fetched, {summary['unchanged']} unchanged, "
        f"{summary['new_versions']} new versions, {summary['material_changes']} material changes, "
        f"{summary.get('held', 0)} held, "
        f"{len(summary['errors'])} errors"
    )
    deliveries = summary.get("deliveries") or {}
    if deliveries.get("sent") or deliveries.get("failed"):
        line += f"; alerts: {deliveries['sent']} sent"
        if deliveries.get("failed"):
            line += f", {deliveries['failed']} failed (retried on the next pass)"
    details = [f"  {error['shop']}: {error['outcome']} {error['detail'] or ''}".rstrip() for error in summary["errors"]]
    return "\n".join([line, *details])


def deliveries_text(deliveries: Sequence[dict[str, Any]]) -> str:
    if not deliveries:
        return "no deliveries"
    rows = [("ID", "SHOP", "KIND", "STATE", "ATTEMPTS", "TARGET", "LAST ERROR")]
    for item in deliveries:
        rows.append((str(item["id"]), item["shop"] or "-", item["kind"], item["state"], str(item["attempts"]),
                     item["target"], item.get("last_error") or ""))
    return _table(rows)


def _table(rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in rows)
