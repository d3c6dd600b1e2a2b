"""The admin pages' queries about people at the hub and kiosks, once for both databases:
admin users, sessions and login failures (sync.hub.admin.auth); devices, kiosks' status reports
and the review queue (sync.hub.admin.devices, .review). Tables: schema step 2.
"""

from __future__ import annotations

import json
from typing import Any

from sync.hub.storage.base import SqlStore

_DEVICE_LIST = ("SELECT d.device, d.name, d.prefix, d.created_at, d.revoked_at, "
                "d.last_sync_at, d.last_report_at, d.report, (SELECT count(*) FROM review_items "
                "r WHERE r.device = d.device AND r.resolved_at IS NULL) "
                "FROM devices d ORDER BY d.device")
_DEVICE_KEYS = ("device", "name", "prefix", "created_at", "revoked_at", "last_sync_at",
                "last_report_at", "report", "open_items")

# Review rows are only ever added and resolved, never deleted: a resolution keeps who, when,
# how and the note next to what the kiosk sent. `{}` takes ", r.body" to read the body too.
_REVIEW_SELECT = ("SELECT r.item_id, r.source, r.device, coalesce(d.name, ''), r.seq, "
                  "r.record_id, r.problem, r.details, r.reported_at, r.resolved_at, "
                  "r.resolved_by, r.resolution, r.note{} FROM review_items r "
                  "LEFT JOIN devices d ON d.device = r.device")
_REVIEW_ORDER = {"open": "WHERE r.resolved_at IS NULL ORDER BY r.item_id DESC",
                 "resolved": "WHERE r.resolved_at IS NOT NULL "
                             "ORDER BY r.resolved_at DESC, r.item_id DESC",
                 "all": "ORDER BY r.resolved_at IS NOT NULL, r.item_id DESC"}
_REVIEW_COLUMNS = ("item_id", "source", "device", "device_name", "seq", "record_id", "problem",
                   "details", "reported_at", "resolved_at", "resolved_by", "resolution", "note")
_REVIEW_INSERT = ("INSERT INTO review_items(source, device, seq, record_id, problem, details, "
                  "body, reported_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING")


def _review_row(row: tuple) -> dict[str, Any]:
    """A _REVIEW_SELECT row; `details` as a dict."""
    item = dict(zip(_REVIEW_COLUMNS, row))
    item["details"] = json.loads(item["details"] or "{}")
    return item


class AdminQueries(SqlStore):
    # --- users, sessions, login failures --------------------------------------------------
    def add_admin_user(self, username: str, password_hash: str, role: str, now: int) -> bool:
        with self._tx() as conn:
            return conn.execute("INSERT INTO admin_users(username, password_hash, role, "
                                "created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                                (username, password_hash, role, now)).rowcount == 1

    def update_admin_user(self, username: str, *, password_hash: str | None = None,
                          role: str | None = None, disabled_at: int | None = None,
                          enable: bool = False) -> bool:
        """Change what is given; `disabled_at` also ends the user's sessions."""
        with self._tx() as conn:
            n = conn.execute(
                "UPDATE admin_users SET password_hash = coalesce(?, password_hash), "
                "role = coalesce(?, role), disabled_at = CASE WHEN ? THEN NULL "
                "ELSE coalesce(?, disabled_at) END WHERE username = ?",
                (password_hash, role, enable, disabled_at, username)).rowcount
            if disabled_at is not None or password_hash is not None:
                conn.execute("DELETE FROM admin_sessions WHERE username = ?", (username,))
            return n == 1

    def admin_user(self, username: str) -> tuple | None:
        """(username, password_hash, role, disabled_at) or None."""
        return self._one("SELECT username, password_hash, role, disabled_at FROM admin_users "
                         "WHERE username = ?", (self.dialect.text(username),))

    def admin_users(self) -> list[tuple]:
        """(username, role, created_at, disabled_at), by name."""
        return self._all("SELECT username, role, created_at, disabled_at FROM admin_users "
                         "ORDER BY username")

    def create_admin_session(self, token_hash: str, username: str, csrf: str, now: int,
                             expires_at: int) -> None:
        with self._tx() as conn:
            conn.execute("DELETE FROM admin_sessions WHERE expires_at < ?", (now,))
            conn.execute("INSERT INTO admin_sessions(token_hash, username, csrf, created_at, "
                         "expires_at) VALUES (?, ?, ?, ?, ?)",
                         (token_hash, username, csrf, now, expires_at))

    def admin_session(self, token_hash: str, now: int) -> tuple | None:
        """(username, role, csrf, created_at, expires_at) of a live session of an enabled user."""
        return self._one("SELECT s.username, u.role, s.csrf, s.created_at, s.expires_at "
                         "FROM admin_sessions s JOIN admin_users u USING (username) "
                         "WHERE s.token_hash = ? AND s.expires_at >= ? "
                         "AND u.disabled_at IS NULL", (token_hash, now))

    def extend_admin_session(self, token_hash: str, expires_at: int) -> None:
        with self._tx(durable=False) as conn:
            conn.execute("UPDATE admin_sessions SET expires_at = ? WHERE token_hash = ?",
                         (expires_at, token_hash))

    def end_admin_session(self, token_hash: str) -> None:
        with self._tx() as conn:
            conn.execute("DELETE FROM admin_sessions WHERE token_hash = ?", (token_hash,))

    def login_failures(self, key: str, since: int) -> int:
        return self._one("SELECT count(*) FROM login_failures WHERE key = ? AND at >= ?",
                         (self.dialect.text(key), since))[0]

    def add_login_failures(self, keys: list[str], now: int, *, older_than: int) -> None:
        with self._tx() as conn:
            conn.execute("DELETE FROM login_failures WHERE at < ?", (older_than,))
            self._executemany(conn, "INSERT INTO login_failures(key, at) VALUES (?, ?)",
                              self._texts([(k, now) for k in keys]))

    # --- devices, kiosks' status reports, the review queue --------------------------------
    def device_list(self) -> list[dict]:
        """Every device, by number: device, name, prefix, created_at (Unix time), revoked_at,
        last_sync_at, last_report_at, report (dict: its last status report), open_items."""
        return [{**dict(zip(_DEVICE_KEYS, row)), "report": json.loads(row[7] or "{}")}
                for row in self._all(_DEVICE_LIST)]

    def save_device_report(self, device: int, report_json: str, at: str,
                           items: list[tuple]) -> int:
        """Keep a kiosk's status report on its device row and add the records it holds in
        quarantine to the review queue (rows as in add_review_items); one transaction.
        Returns how many review items are new."""
        with self._tx() as conn:
            conn.execute("UPDATE devices SET report = ?, last_report_at = ? WHERE device = ?",
                         (self.dialect.text(report_json), self.dialect.text(at), device))
            return self._add_review_items(conn, items)

    def add_review_items(self, items: list[tuple]) -> int:
        """Add review rows (source, device, seq, record_id, problem, details, body,
        reported_at); one already recorded for its device, seq and problem is skipped.
        Returns how many are new."""
        if not items:
            return 0
        with self._tx() as conn:
            return self._add_review_items(conn, items)

    def _add_review_items(self, conn: Any, items: list[tuple]) -> int:
        if not items:
            return 0
        return self._executemany(conn, _REVIEW_INSERT, self._texts(items))

    def review_counts(self) -> dict[str, int]:
        row = self._one("SELECT count(*) - count(resolved_at), count(resolved_at) "
                        "FROM review_items")
        return {"open": row[0], "resolved": row[1], "all": row[0] + row[1]}

    def review_items(self, *, state: str = "open", offset: int = 0,
                     limit: int = 100) -> list[dict]:
        """Review items without their bodies; `state`: open (newest first), resolved (latest
        resolved first) or all (open ones first)."""
        rows = self._all(f"{_REVIEW_SELECT.format('')} {_REVIEW_ORDER[state]} LIMIT ? OFFSET ?",
                         (limit, offset))
        return [_review_row(row) for row in rows]

    def review_item(self, item_id: int) -> dict | None:
        """One review item, with the body the kiosk sent (a dict; {} when none was kept)."""
        if not 0 < item_id < 2**63:
            return None
        row = self._one(f"{_REVIEW_SELECT.format(', r.body')} WHERE r.item_id = ?", (item_id,))
        if row is None:
            return None
        return {**_review_row(row[:-1]), "body": json.loads(row[-1] or "{}")}

    def resolve_review_item(self, item_id: int, resolution: str, username: str, at: str,
                            note: str) -> bool:
        """Mark an open item resolved (who, when, how, note). False when it is not open."""
        with self._tx() as conn:
            return conn.execute(
                "UPDATE review_items SET resolved_at = ?, resolved_by = ?, resolution = ?, "
                "note = ? WHERE item_id = ? AND resolved_at IS NULL",
                (*self._texts([(at, username, resolution, note)])[0], item_id)).rowcount == 1
