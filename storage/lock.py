"""The pass lock: one processing-and-delivery pass per database at a time.

SQLite: an exclusive ``flock`` on ``<database file>.lock``; PostgreSQL: a session-level
``pg_advisory_lock`` on a dedicated connection. The operating system or the server drops
both when the holder dies, even by ``kill -9``, so a lock never has to be broken by hand,
and a row left ``sending`` seen under the lock was certainly abandoned by a dead process.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from sqlalchemy import text

from storage.errors import StorageError

if TYPE_CHECKING:
    from storage.db import Database

_POLL_SECONDS = 0.1
# Locks this thread already holds, so that a pass may call a step that takes the lock too.
_local = threading.local()


class PassLockBusy(StorageError):
    """Another process is running a pass on the same database."""


@contextmanager
def pass_lock(database: Database, *, wait: float | None = None) -> Iterator[None]:
    """Hold the database's pass lock; ``wait`` seconds at most (None: as long as it takes).

    Re-entrant within one thread. Raises ``PassLockBusy`` when ``wait`` runs out.
    """
    held: set[str] = _local.__dict__.setdefault("held", set())
    if database.url in held:
        yield
        return
    acquire = _sqlite_lock if database.url.startswith("sqlite") else _postgres_lock
    with acquire(database, wait):
        held.add(database.url)
        try:
            yield
        finally:
            held.discard(database.url)


def _deadline_passed(start: float, wait: float | None) -> bool:
    return wait is not None and time.monotonic() - start >= wait


def _busy() -> PassLockBusy:
    return PassLockBusy("another policywatch pass is running on this database; try again when it has finished")


@contextmanager
def schema_lock(database: Database) -> Iterator[None]:
    """Serialize schema upgrades of processes that open a new database at the same moment."""
    dialect = database.engine.dialect.name
    lock = _postgres_lock if dialect == "postgresql" else _sqlite_lock
    with lock(database, None, purpose="schema"):
        yield


@contextmanager
def _sqlite_lock(database: Database, wait: float | None, purpose: str = "pass") -> Iterator[None]:
    path = database.url.removeprefix("sqlite:///")
    if not path or path == ":memory:":
        yield
        return
    suffix = ".lock" if purpose == "pass" else f".{purpose}.lock"
    fd = os.open(f"{path}{suffix}", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        start = time.monotonic()
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if _deadline_passed(start, wait):
                    raise _busy() from None
                time.sleep(_POLL_SECONDS)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the flock


@contextmanager
def _postgres_lock(database: Database, wait: float | None, purpose: str = "pass") -> Iterator[None]:
    # The key is per database URL (schema included), so test schemas do not block each other.
    name = database.url if purpose == "pass" else f"{purpose}:{database.url}"
    key = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)
    with database.engine.connect() as connection:
        start = time.monotonic()
        while not connection.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar():
            connection.rollback()
            if _deadline_passed(start, wait):
                raise _busy()
            time.sleep(_POLL_SECONDS)
        connection.commit()
        try:
            yield
        finally:
            connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
            connection.commit()
