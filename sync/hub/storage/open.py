"""Which store a hub's `--db` names, above both stores (neither imports this module)."""

from __future__ import annotations

from pathlib import Path

from sync.hub.storage.interface import HubStore


def is_postgres_url(db: object) -> bool:
    return str(db).startswith(("postgresql:", "postgres:"))


def open_hub_store(db: str | Path) -> HubStore:
    """The store for `db`: a ``postgresql://`` URL (PostgreSQL) or a file path (SQLite)."""
    if is_postgres_url(db):
        from sync.hub.storage.postgres import PgHubStore
        return PgHubStore(str(db))
    from sync.hub.storage.sqlite import SqliteHubStore
    return SqliteHubStore(db)
