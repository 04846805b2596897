"""Alembic environment: the SQLModel metadata of storage.models, batch mode for SQLite.

The application passes its open connection in ``config.attributes["connection"]``; the
``alembic`` command line (``alembic -c storage/alembic.ini check``) uses
``$POLICYWATCH_DATABASE_URL`` (default: a SQLite file in the current folder).
"""

import os

from alembic import context
from sqlalchemy import create_engine
from sqlmodel import SQLModel

import storage.models  # noqa: F401  (registers the tables on SQLModel.metadata)

target_metadata = SQLModel.metadata


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    url = os.environ.get("POLICYWATCH_DATABASE_URL", "sqlite:///policywatch.db")
    with create_engine(url).connect() as fresh:
        _run(fresh)
        fresh.commit()
