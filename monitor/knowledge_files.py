"""Read the data files under ``monitor/knowledge/``: TOML, with one-line errors.

Every module that holds language or market knowledge reads its file through here; what a
file's tables must contain is that module's to check.
"""

from __future__ import annotations

import tomllib
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any

from monitor.errors import KnowledgeError


def knowledge_path(name: str) -> Traversable:
    """``monitor/knowledge/<name>`` (a file or a folder) inside the installed package."""
    return resources.files("monitor") / "knowledge" / name


def read_toml(path: Traversable) -> dict[str, Any]:
    """The parsed file; ``KnowledgeError`` naming the file when it is missing or not TOML."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise KnowledgeError(f"{path}: {exc}") from exc


def read_knowledge(name: str) -> tuple[str, dict[str, Any]]:
    """``knowledge/<name>`` parsed, with its path for messages."""
    path = knowledge_path(name)
    return str(path), read_toml(path)
