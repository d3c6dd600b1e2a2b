"""What `kiosk doctor` asks of the kiosk's file without opening a kiosk (which would create or
upgrade it): read-only, its schema version and SQLite's own quick check."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import NamedTuple

from kiosk.storage.migrations import LATEST


class FileHealth(NamedTuple):
    version: int = 0  # PRAGMA user_version: the migrations applied
    intact: bool = False  # PRAGMA quick_check said ok
    newer: bool = False  # written by a newer kiosk than this one (its schema is past LATEST)
    error: str = ""  # why the file could not even be opened and read, else ""


def check_file(path: Path) -> FileHealth:
    """The health of the kiosk file at `path` (which exists)."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            integrity = conn.execute("PRAGMA quick_check").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.Error as error:
        return FileHealth(error=str(error))
    return FileHealth(version, integrity == "ok", version > LATEST)
