"""Bring a database schema to the current Alembic revision, or refuse with one line.

Alembic is imported only when a migration has to run: the commands that just read the
history start faster that way.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine

from storage.errors import StorageError
from storage.revision import HEAD_REVISION

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config() -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def current_revisions(engine: Engine) -> set[str]:
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return set()
        return {row[0] for row in connection.execute(text("SELECT version_num FROM alembic_version"))}


def schema_is_current(engine: Engine) -> bool:
    return current_revisions(engine) == {HEAD_REVISION}


def upgrade_schema(engine: Engine) -> None:
    """Apply pending migrations; refuse a database written by a newer policywatch.

    Callers that may race with other processes hold ``storage.lock.schema_lock``.
    """
    current = current_revisions(engine)
    if current == {HEAD_REVISION}:
        return
    from alembic import command
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    config = alembic_config()
    script = ScriptDirectory.from_config(config)
    for revision in current:
        try:
            script.get_revision(revision)
        except CommandError:
            raise StorageError(
                f"database schema is at revision {revision}, which this policywatch does not know; upgrade policywatch"
            ) from None
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
