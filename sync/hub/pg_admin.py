"""The admin pages' SQL on the PostgreSQL hub (mixed into ``PgHubStore``; tables: migration 2).

Sections by concern, each mirroring ``sync.hub.sqlite_admin``; the interface is
``sync.hub.store.AdminStore``.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Callable

import psycopg


class PgAdminQueries:
    _tx: Callable[[], AbstractContextManager[psycopg.Connection]]
    _one: Callable[..., tuple | None]
    _all: Callable[..., list[tuple]]

    # --- users, sessions, login failures --------------------------------------------------
    def add_admin_user(self, username: str, password_hash: str, role: str, now: int) -> bool:
        with self._tx() as conn:
            return conn.execute("INSERT INTO admin_users(username, password_hash, role, "
                                "created_at) VALUES (%s, %s, %s, %s) ON CONFLICT DO NOTHING",
                                (username, password_hash, role, now)).rowcount == 1

    def update_admin_user(self, username: str, *, password_hash: str | None = None,
                          role: str | None = None, disabled_at: int | None = None,
                          enable: bool = False) -> bool:
        """Change what is given; `disabled_at` also ends the user's sessions."""
        with self._tx() as conn:
            n = conn.execute(
                "UPDATE admin_users SET password_hash = coalesce(%s, password_hash), "
                "role = coalesce(%s, role), disabled_at = CASE WHEN %s THEN NULL "
                "ELSE coalesce(%s, disabled_at) END WHERE username = %s",
                (password_hash, role, enable, disabled_at, username)).rowcount
            if disabled_at is not None or password_hash is not None:
                conn.execute("DELETE FROM admin_sessions WHERE username = %s", (username,))
            return n == 1

    def admin_user(self, username: str) -> tuple | None:
        """(username, password_hash, role, disabled_at) or None."""
        return self._one("SELECT username, password_hash, role, disabled_at FROM admin_users "
                         "WHERE username = %s", (username.replace("\x00", ""),))

    def admin_users(self) -> list[tuple]:
        """(username, role, created_at, disabled_at), by name."""
        return self._all("SELECT username, role, created_at, disabled_at FROM admin_users "
                         "ORDER BY username")

    def create_admin_session(self, token_hash: str, username: str, csrf: str, now: int,
                             expires_at: int) -> None:
        with self._tx() as conn:
            conn.execute("DELETE FROM admin_sessions WHERE expires_at < %s", (now,))
            conn.execute("INSERT INTO admin_sessions(token_hash, username, csrf, created_at, "
                         "expires_at) VALUES (%s, %s, %s, %s, %s)",
                         (token_hash, username, csrf, now, expires_at))

    def admin_session(self, token_hash: str, now: int) -> tuple | None:
        """(username, role, csrf, created_at, expires_at) of a live session of an enabled user."""
        return self._one("SELECT s.username, u.role, s.csrf, s.created_at, s.expires_at "
                         "FROM admin_sessions s JOIN admin_users u USING (username) "
                         "WHERE s.token_hash = %s AND s.expires_at >= %s "
                         "AND u.disabled_at IS NULL", (token_hash, now))

    def extend_admin_session(self, token_hash: str, expires_at: int) -> None:
        with self._tx() as conn:
            conn.execute("UPDATE admin_sessions SET expires_at = %s WHERE token_hash = %s",
                         (expires_at, token_hash))

    def end_admin_session(self, token_hash: str) -> None:
        with self._tx() as conn:
            conn.execute("DELETE FROM admin_sessions WHERE token_hash = %s", (token_hash,))

    def login_failures(self, key: str, since: int) -> int:
        return self._one("SELECT count(*) FROM login_failures WHERE key = %s AND at >= %s",
                         (key.replace("\x00", ""), since))[0]

    def add_login_failures(self, keys: list[str], now: int, *, older_than: int) -> None:
        with self._tx() as conn, conn.cursor() as cur:
            cur.execute("DELETE FROM login_failures WHERE at < %s", (older_than,))
            cur.executemany("INSERT INTO login_failures(key, at) VALUES (%s, %s)",
                            [(k.replace("\x00", ""), now) for k in keys])
