"""The local SQLite store (sqlite-utils): schema migrations, members, outbox, audit, settings."""

from kiosk.storage.store import StoredMember, Store

__all__ = ["Store", "StoredMember"]
