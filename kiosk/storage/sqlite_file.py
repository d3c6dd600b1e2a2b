"""The kiosk's SQLite file itself: its one connection and lock, its transactions, its settings.

Durability: WAL with synchronous=FULL, so COMMIT returns only once the WAL is fsynced; every
write runs in BEGIN IMMEDIATE ... COMMIT under one lock. A caller may tell a person "saved" once
a writing method returns.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import threading
from pathlib import Path
from typing import Any, Callable

import sqlite_utils

from kiosk.primitives.private_files import DIR_MODE, private_file
from kiosk.storage.migrations import migrate


def now_local() -> dt.datetime:
    return dt.datetime.now().astimezone()


class _Transaction:
    # A class, not @contextmanager: a generator's set-up and tear-down would be paid by every
    # sign-up, on the path that sits beside each fsync.
    __slots__ = ("lock", "conn")

    def __init__(self, lock: threading.RLock, conn: sqlite3.Connection) -> None:
        self.lock, self.conn = lock, conn

    def __enter__(self) -> sqlite3.Connection:
        self.lock.acquire()
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except BaseException:
            self.lock.release()
            raise
        return self.conn

    def __exit__(self, kind: type | None, *_: object) -> None:
        try:
            self.conn.execute("ROLLBACK" if kind else "COMMIT")
        finally:
            self.lock.release()


class SqliteFile:
    """One SQLite file, migrated on opening. Safe to share between threads (one lock, one
    connection); `db` is the same connection seen through sqlite-utils, for the reads it suits."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
        private_file(self.path)  # the PIN hash and the phone page's secret: 0600, -wal/-shm too
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=10)
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA foreign_keys = ON")
        self.schema_version = migrate(conn)
        self.conn = conn
        self.db = sqlite_utils.Database(conn, recursive_triggers=False, execute_plugins=False)
        self._lock = threading.RLock()
        # What every sign-up derives its card from (this device's identity) is kept here, with the
        # settings, until this store writes them or another connection commits (PRAGMA
        # data_version moves), so a `kiosk provision` run by another process is still seen at once.
        self._cache: dict[Any, Any] = {}
        self._data_version = -1

    def close(self) -> None:
        with self._lock:
            self.conn.close()

    def transaction(self) -> _Transaction:
        """``with store.transaction() as conn:`` BEGIN IMMEDIATE ... COMMIT under the lock;
        ROLLBACK if the block raises."""
        return _Transaction(self._lock, self.conn)

    def _rows(self, sql: str, params: tuple | dict = ()) -> list[dict[str, Any]]:
        with self._lock:
            cursor = self.conn.execute(sql, params)
            names = [d[0] for d in cursor.description]
            return [dict(zip(names, row)) for row in cursor]

    def _cached(self, key: Any, load: Callable[[], Any]) -> Any:
        """`load()`, kept until this store writes a setting or the device's identity, or another
        connection commits."""
        with self._lock:
            version = self.conn.execute("PRAGMA data_version").fetchone()[0]
            if version != self._data_version:
                self._cache.clear()
                self._data_version = version
            if key not in self._cache:
                self._cache[key] = load()
            return self._cache[key]

    # --- settings -------------------------------------------------------------------------
    def get_setting(self, key: str, default: Any = None) -> Any:
        def load() -> str | None:
            row = self.conn.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
            return row[0] if row else None

        text = self._cached(("setting", key), load)  # JSON text: each caller gets its own copy
        return default if text is None else json.loads(text)

    def set_setting(self, key: str, value: Any) -> None:
        with self.transaction() as conn:
            conn.execute("INSERT INTO settings(key, value) VALUES (?, ?) "
                         "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                         (key, json.dumps(value, ensure_ascii=False)))
            self._cache.clear()  # under the lock: no reader sees the old value after the commit
