"""Keep the parsed knowledge files (phrases, vendors) on disk between processes.

The classify step's cold start is mostly parsing TOML and regular expressions; a short-lived
process such as ``compare`` loads the result of an earlier parse instead. An entry is named
by a hash of every byte it was built from, data files and the code that parses them, so a
changed file never meets a stale entry. The cache is an optimisation only: any failure to
read or write it means parsing as if it were not there.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import sys
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TypeVar

CACHE_ENV = "POLICYWATCH_CACHE_DIR"  # a directory, or "off"
_KEPT = 4  # entries per name: a few checkouts or branches of the data may be in use at once
T = TypeVar("T")


def cache_dir() -> Path | None:
    """Where entries live: ``$POLICYWATCH_CACHE_DIR``, else the user's cache directory."""
    chosen = os.environ.get(CACHE_ENV)
    if chosen is not None:
        return None if chosen in ("", "off") else Path(chosen)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "policywatch"


def load_cached(name: str, sources: Iterable[bytes], build: Callable[[], T]) -> T:
    """``build()``, or the value an earlier process built from the same ``sources``."""
    folder = cache_dir()
    if folder is None:
        return build()
    digest = hashlib.sha256(sys.version.encode())
    for source in sources:
        digest.update(len(source).to_bytes(8, "big"))
        digest.update(source)
    path = folder / f"{name}-{digest.hexdigest()[:24]}.pickle"
    # A missing or damaged entry is rebuilt, whatever the damage.
    with contextlib.suppress(Exception), path.open("rb") as file:
        return pickle.load(file)  # type: ignore[no-any-return]
    value = build()
    # A value that cannot be stored is only not cached.
    with contextlib.suppress(Exception):
        folder.mkdir(parents=True, exist_ok=True)
        # Written aside and renamed: a process reading at the same time sees all or nothing.
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=f".{name}-")
        with os.fdopen(handle, "wb") as file:
            pickle.dump(value, file, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temporary, path)
        # Entries of data since edited are never read again: the newest few stay.
        entries = sorted(folder.glob(f"{name}-*.pickle"), key=lambda entry: entry.stat().st_mtime, reverse=True)
        for stale in entries[_KEPT:]:
            stale.unlink(missing_ok=True)
    return value
