"""Storage errors: the database or the blob store failed. Always fatal for a pass."""


class StorageError(Exception):
    """The database or blob store cannot be used (missing, full, wrong schema)."""
