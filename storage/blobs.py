"""Content-addressed store of raw snapshot bodies: SHA-256 named, zlib-compressed, atomic."""

from __future__ import annotations

import hashlib
import os
import threading
import zlib
from pathlib import Path
from typing import Protocol

from storage.errors import StorageError

# The crawl compresses every new body on its hot path: level 1 is five times faster than the
# default 6 on shop pages and stores about a quarter more bytes. Any level reads back.
_COMPRESSION_LEVEL = 1


def body_hash(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


class BlobStore(Protocol):
    def put(self, body: bytes) -> str:
        """Store ``body`` (once) and return its hash."""

    def get(self, digest: str) -> bytes:
        """Return the body stored under ``digest``."""


class DirectoryBlobStore:
    """Blobs as files ``ab/cdef….z`` below a directory; writes go to a temp file, then rename."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._folders: set[str] = set()  # the ``ab`` folders known to exist

    def _path(self, digest: str) -> Path:
        return self.root / digest[:2] / f"{digest[2:]}.z"

    def put(self, body: bytes) -> str:
        digest = body_hash(body)
        path = self._path(digest)
        if os.path.exists(path):
            return digest
        # Unique to this writer: two threads or processes may store the same body at once.
        temporary = path.parent / f".tmp-{digest[2:12]}-{os.getpid()}-{threading.get_ident()}"
        try:
            if digest[:2] not in self._folders:
                path.parent.mkdir(parents=True, exist_ok=True)
                self._folders.add(digest[:2])
            fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(zlib.compress(body, _COMPRESSION_LEVEL))
                    handle.flush()
                    # On disk before any database row refers to it.
                    os.fsync(handle.fileno())
                os.replace(temporary, path)
            except BaseException:
                temporary.unlink(missing_ok=True)
                raise
        except OSError as exc:
            raise StorageError(f"cannot write snapshot blob to {self.root}: {exc.strerror or exc}") from exc
        return digest

    def get(self, digest: str) -> bytes:
        path = self._path(digest)
        try:
            return zlib.decompress(path.read_bytes())
        except FileNotFoundError:
            raise StorageError(f"snapshot blob {digest} is missing from {self.root}") from None
        except (OSError, zlib.error) as exc:
            raise StorageError(f"cannot read snapshot blob {path}: {exc}") from exc
