"""Open the configured database with its shops in step with the config."""

from __future__ import annotations

from monitor.config import Config
from storage.db import Database, open_database


def open_configured_database(config: Config) -> Database:
    """Open (and migrate) the database of ``config`` and record its shops there."""
    database = open_database(config.database_url, config.blobs_path)
    database.sync_shops((shop.name, shop.url, shop.language) for shop in config.shops)
    return database
