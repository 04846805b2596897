"""Persistence: SQLModel tables, queries, migrations and the snapshot blob store."""
