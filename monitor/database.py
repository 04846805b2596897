"""Open the configured database with its shops in step with the config.

Commands that only read go through ``open_for_reading``: a read-only ``HistoryReader``
(no SQLAlchemy, fast to start) whenever that reads exactly what the full path would.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from monitor.config import Config

if TYPE_CHECKING:
    from storage.db import Database
    from storage.reader import HistoryReader


def open_configured_database(config: Config) -> Database:
    """Open (and migrate) the database of ``config`` and record its shops there."""
    from storage.db import open_database

    database = open_database(config.database_url, config.blobs_path)
    database.sync_shops((shop.name, shop.url, shop.language) for shop in config.shops)
    return database


def open_for_reading(config: Config) -> HistoryReader | Database:
    """A read-only reader when the schema is current and the shops already match the config.

    Otherwise the full ``open_configured_database``: it creates, migrates or refuses the
    database and records new or changed shops, exactly as every command always did.
    """
    from storage.reader import open_reader

    reader = open_reader(config.database_url)
    if reader is None:
        return open_configured_database(config)
    if not _shops_in_step(config, reader.shops()):
        reader.close()
        return open_configured_database(config)
    return reader


def _shops_in_step(config: Config, stored: list[tuple[str, str, str | None]]) -> bool:
    # The negation of what Database.sync_shops would write: a shop to create, a URL to
    # change, or a configured language different from the stored one.
    known = {name: (url, language) for name, url, language in stored}
    for shop in config.shops:
        if shop.name not in known:
            return False
        url, language = known[shop.name]
        if url != shop.url or (shop.language and language != shop.language):
            return False
    return True
