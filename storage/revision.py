"""The schema revision this policywatch reads and writes: Alembic's head under ``migrations/``.

Kept apart from ``storage.migrate`` so that the read-only path can check it without
importing SQLAlchemy (a test holds it equal to Alembic's head).
"""

HEAD_REVISION = "0001"
