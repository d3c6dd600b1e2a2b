"""The admin pages' SQL on the SQLite hub (mixed into ``SqliteHubStore``; tables: migration 2).

Sections by concern, each mirrored in ``sync.hub.pg_admin``; the interface is
``sync.hub.store.AdminStore``.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from contextlib import AbstractContextManager
from typing import Callable

from sync.hub.admin_rows import (DEVICE_LIST, REVIEW_ORDER, REVIEW_SELECT, device_row, review_row,
                                  review_row_with_body)


class SqliteAdminQueries:
    conn: sqlite3.Connection
    _lock: threading.RLock
    _tx: Callable[..., AbstractContextManager[sqlite3.Connection]]
    _one: Callable[..., tuple | None]
    _all: Callable[..., list[tuple]]

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
                         "WHERE username = ?", (username,))

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
                         (key, since))[0]

    def add_login_failures(self, keys: list[str], now: int, *, older_than: int) -> None:
        with self._tx() as conn:
            conn.execute("DELETE FROM login_failures WHERE at < ?", (older_than,))
            conn.executemany("INSERT INTO login_failures(key, at) VALUES (?, ?)",
                             [(k, now) for k in keys])

    # --- members: search, a person's record, corrections and voids (sync.hub.admin.members) ---
    # Corrections keep body_hash: it is what a kiosk's resent original is compared with, so the
    # resend stays a duplicate, never a conflict. Nothing here deletes a row.
    def apply_member_correction(self, record_id: str, changes: dict, username: str, at: str,
                                reason: str) -> bool:
        """Correct sign-up `record_id` with `changes` (field -> validated value) in one
        transaction: body, plain columns, the person it belongs to when the ID number changed,
        and a member_changes row (kind 'corrected', before/after of the changed fields only).
        False when there is no such record; a correction that changes nothing leaves no row."""
        from sync.hub.corrections import correct_body
        from sync.hub.store import FACT_COLUMNS, facts_of

        set_facts = ", ".join(f"{c} = ?" for c in FACT_COLUMNS)
        with self._tx() as conn:
            row = conn.execute("SELECT body, id_number, member_id FROM signups "
                               "WHERE record_id = ?", (record_id,)).fetchone()
            if row is None:
                return False
            body_text, id_number, member_id = row
            fix = correct_body(json.loads(body_text), changes)
            if not fix.after:
                return True
            body, before, after = fix.texts()
            conn.execute(f"UPDATE signups SET body = ?, {set_facts} WHERE record_id = ?",
                         (body, *facts_of(fix.body, fix.new_id_number or id_number), record_id))
            if fix.new_id_number:
                self._move_signup(conn, record_id, member_id, fix.new_id_number)
            conn.execute("INSERT INTO member_changes(record_id, member_id, username, at, kind, "
                         "reason, before, after) VALUES (?, ?, ?, ?, 'corrected', ?, ?, ?)",
                         (record_id, member_id, username, at, reason, before, after))
            return True

    @staticmethod
    def _move_signup(conn: sqlite3.Connection, record_id: str, old_member: int | None,
                     id_number: str) -> None:
        # For a kiosk's correction (_apply_change) and the hub's alike: the person of the new
        # ID number, made from this sign-up if new. If this sign-up was the old person's
        # canonical one, their next sign-up becomes canonical, so their page and export show
        # their own fields.
        conn.execute("INSERT INTO persons(id_number, canonical_record, canonical_card, "
                     "created_at) SELECT ?, record_id, card_number, received_at FROM signups "
                     "WHERE record_id = ? ON CONFLICT(id_number) DO NOTHING",
                     (id_number, record_id))
        conn.execute("UPDATE signups SET id_number = ?, member_id = (SELECT member_id FROM "
                     "persons WHERE id_number = ?) WHERE record_id = ?",
                     (id_number, id_number, record_id))
        conn.execute("UPDATE persons SET (canonical_record, canonical_card) = (SELECT record_id, "
                     "card_number FROM signups s WHERE s.member_id = persons.member_id "
                     "ORDER BY s.status = 'active' DESC, s.received_at, s.record_id LIMIT 1) "
                     "WHERE member_id = ? AND canonical_record = ? AND EXISTS (SELECT 1 FROM "
                     "signups s WHERE s.member_id = persons.member_id)", (old_member, record_id))

    def void_signup(self, record_id: str, username: str, at: str, reason: str) -> bool:
        """Mark sign-up `record_id` voided, with a member_changes row (kind 'voided'). False
        when there is no such record or it is voided already."""
        with self._tx() as conn:
            row = conn.execute("UPDATE signups SET status = 'voided' WHERE record_id = ? AND "
                               "status = 'active' RETURNING member_id", (record_id,)).fetchone()
            if row is None:
                return False
            conn.execute("INSERT INTO member_changes(record_id, member_id, username, at, kind, "
                         "reason, before, after) VALUES (?, ?, ?, ?, 'voided', ?, ?, ?)",
                         (record_id, row[0], username, at, reason, '{"status": "active"}',
                          '{"status": "voided"}'))
            return True

    def log_id_view(self, record_id: str, member_id: int, username: str, at: str,
                    reason: str) -> None:
        """Record that `username` was shown the full ID number of `record_id` (an access log:
        a member_changes row of kind 'viewed_id')."""
        with self._tx() as conn:
            conn.execute("INSERT INTO member_changes(record_id, member_id, username, at, kind, "
                         "reason) VALUES (?, ?, ?, ?, 'viewed_id', ?)",
                         (record_id, member_id, username, at, reason))

    def search_members(self, *, name: str = "", card_number: str = "", mobile4: str = "",
                       event: str = "", offset: int = 0, limit: int = 50) -> list[dict]:
        """People with a sign-up matching every criterion given (name: exact or prefix; card
        number: any of their cards; mobile4: last 4 digits; event), by member_id, newest first.
        Each: member_id, id_number, canonical_card, body (of the canonical sign-up), signups,
        active (how many are active)."""
        from sync.hub.member_rows import name_range

        where, params = [], []
        if name:
            low, high = name_range(name)
            where.append("name >= ? AND name < ?")
            params += [low, high]
        if mobile4:
            where.append("mobile4 = ?")
            params.append(mobile4)
        if event:
            where.append("event = ?")
            params.append(event)
        if card_number:
            where.append("member_id = (SELECT member_id FROM signups WHERE card_number = ?)")
            params.append(card_number)
        hits = ("SELECT member_id FROM persons" if not where else
                "SELECT DISTINCT member_id FROM signups WHERE " + " AND ".join(where))
        with self._lock:
            rows = self.conn.execute(
                "SELECT p.member_id, p.id_number, p.canonical_card, c.body, "
                "(SELECT count(*) FROM signups a WHERE a.member_id = p.member_id), "
                "(SELECT count(*) FROM signups a WHERE a.member_id = p.member_id "
                " AND a.status = 'active') "
                f"FROM ({hits} ORDER BY member_id DESC LIMIT ? OFFSET ?) h "
                "JOIN persons p ON p.member_id = h.member_id "
                "JOIN signups c ON c.record_id = p.canonical_record ORDER BY p.member_id DESC",
                (*params, limit, offset)).fetchall()
        return [{"member_id": m, "id_number": i, "canonical_card": card, "body": json.loads(b),
                 "signups": n, "active": active} for m, i, card, b, n, active in rows]

    def member_record(self, member_id: int) -> dict | None:
        """Everything the person page shows: person (member_id, id_number, canonical_record,
        canonical_card, created_at), signups (each with its device's name and body), the
        kiosks' changes to those sign-ups, and the hub's member_changes touching this person."""
        from sync.hub.member_rows import member_record_of

        with self._lock:
            person = self.conn.execute(
                "SELECT member_id, id_number, canonical_record, canonical_card, created_at "
                "FROM persons WHERE member_id = ?", (member_id,)).fetchone()
            if person is None:
                return None
            signups = self.conn.execute(
                "SELECT s.record_id, s.device, coalesce(d.name, ''), s.card_number, s.body, "
                "s.status, s.created_at, s.received_at FROM signups s LEFT JOIN devices d "
                "ON d.device = s.device WHERE s.member_id = ? "
                "ORDER BY s.received_at, s.record_id", (member_id,)).fetchall()
            kiosk_changes = self.conn.execute(
                "SELECT c.record_id, s.card_number, c.kind, c.device, coalesce(d.name, ''), "
                "coalesce(r.received_at, ''), c.seq FROM changes c "
                "JOIN signups s ON s.record_id = c.record_id "
                "LEFT JOIN receipts r ON r.receipt_id = c.receipt_id "
                "LEFT JOIN devices d ON d.device = c.device WHERE s.member_id = ? "
                "ORDER BY r.received_at, c.device, c.seq", (member_id,)).fetchall()
            hub_changes = self.conn.execute(
                "SELECT m.change_id, m.record_id, coalesce(s.card_number, ''), m.username, m.at, "
                "m.kind, m.reason, m.before, m.after FROM member_changes m "
                "LEFT JOIN signups s ON s.record_id = m.record_id "
                "WHERE m.member_id = ?1 OR m.record_id IN (SELECT record_id FROM signups "
                "WHERE member_id = ?1) ORDER BY m.change_id", (member_id,)).fetchall()
        return member_record_of(person, signups, kiosk_changes, hub_changes)

    def signup_of(self, record_id: str) -> dict | None:
        """One sign-up: record_id, member_id, card_number, status, id_number, body."""
        row = self._one("SELECT record_id, member_id, card_number, status, id_number, body "
                        "FROM signups WHERE record_id = ?", (record_id,))
        if row is None:
            return None
        return {"record_id": row[0], "member_id": row[1], "card_number": row[2],
                "status": row[3], "id_number": row[4], "body": json.loads(row[5])}

    # --- exports for the national system, and figures (sync.hub.admin.exports, .figures) ----
    # Members are people with an active sign-up, described by their canonical sign-up. An
    # export first chooses its members and logs them (one transaction: BEGIN IMMEDIATE makes
    # two "new" exports take turns, so they never take the same member), then streams them.
    _EXPORT_CHUNK = 5000

    def start_export(self, request, again_of: int | None = None) -> tuple[int, list[int]]:
        """Choose the members of `request` (sync.hub.export_scope.ExportRequest), log the export
        in export_log with their exact ids; returns (export_id, member ids in order).
        `again_of`: take the members of that earlier export instead (scope 'again')."""
        from sync.hub.export_scope import merged_ranges, not_covered, ranges_text
        from sync.protocol.wire import from_ranges

        where, params = "", ()
        if request.scope == "range":
            where, params = "AND p.created_at >= ? AND p.created_at < ?", request.created_window()
        with self._tx() as conn:
            ids = [] if again_of is not None else [m for (m,) in conn.execute(
                "SELECT p.member_id FROM persons p WHERE EXISTS (SELECT 1 FROM signups a "
                "WHERE a.member_id = p.member_id AND a.status = 'active') "
                f"{where} ORDER BY p.member_id", params)]
            if request.scope == "new":
                taken = [t for (t,) in conn.execute(
                    "SELECT member_ranges FROM export_log WHERE scope = 'new'")]
                ids = not_covered(ids, merged_ranges(taken))
            elif again_of is not None:
                row = conn.execute("SELECT member_ranges FROM export_log WHERE export_id = ?",
                                   (again_of,)).fetchone()
                ids = from_ranges(json.loads(row[0])) if row else []
            export_id = conn.execute(
                "INSERT INTO export_log(username, role, at, format, scope, since, until, "
                "full_ids, row_count, member_ranges) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "RETURNING export_id",
                (request.username, request.role, request.at, request.format, request.scope,
                 request.since and request.since.isoformat(),
                 request.until and request.until.isoformat(), int(request.full_ids), len(ids),
                 ranges_text(ids))).fetchone()[0]
        return export_id, ids

    def export_members(self, member_ids: list[int]):
        """(member_id, id_number, canonical card, canonical body dict, union name) for each of
        `member_ids`, in that order; read a chunk at a time, so ingest is never held up for
        long and 100,000 people are never in memory at once."""
        for i in range(0, len(member_ids), self._EXPORT_CHUNK):
            chunk = member_ids[i:i + self._EXPORT_CHUNK]
            with self._lock:
                rows = self.conn.execute(
                    "SELECT p.member_id, p.id_number, p.canonical_card, c.body, "
                    "coalesce(o.name, '') FROM persons p "
                    "JOIN signups c ON c.record_id = p.canonical_record "
                    "LEFT JOIN orgs o ON o.code = c.union_org "
                    "WHERE p.member_id IN (SELECT value FROM json_each(?)) ORDER BY p.member_id",
                    (json.dumps(chunk),)).fetchall()
            for member_id, id_number, card, body, union_name in rows:
                yield member_id, id_number, card, json.loads(body), union_name

    def exports(self, limit: int = 100) -> list[dict]:
        """The latest `limit` exports, newest first (export_log without the member ranges)."""
        from sync.hub.export_scope import export_log_row
        rows = self._all("SELECT export_id, username, role, at, format, scope, since, until, "
                         "full_ids, row_count FROM export_log ORDER BY export_id DESC LIMIT ?",
                         (limit,))
        return [export_log_row(row) for row in rows]

    def export_member_ids(self, export_id: int) -> list[int] | None:
        """The exact member ids export `export_id` took (None: no such export)."""
        from sync.protocol.wire import from_ranges
        row = self._one("SELECT member_ranges FROM export_log WHERE export_id = ?", (export_id,))
        return None if row is None else from_ranges(json.loads(row[0]))

    def figure_rows(self, since: str = "", until: str = "", group: str = "",
                    county: str = "") -> tuple[list, list]:
        """The members counted for the figures (sync.hub.figure_counts): their canonical sign-up's
        day in [since, until] (YYYY-MM-DD, '' for open), of `group` and in `county` when given.
        One pass over the plain columns, counted two ways: (WHERE_ROWS, count) and
        (WHO_ROWS, count)."""
        from sync.hub.figure_counts import split_grouping_sets, sqlite_query
        sql, params = sqlite_query(since, until, group, county)
        return split_grouping_sets(self._all(sql, params))  # one statement: one snapshot

    def orgs_with_counties(self) -> list[tuple[str, str, str]]:
        """(code, name, county) of every union organisation."""
        return self._all("SELECT code, name, county FROM orgs")

    # --- devices, kiosks' status reports, the review queue (sync.hub.admin.devices, .review) ---
    # The reads shared with sync.hub.pg_admin are in sync.hub.admin_rows.
    _REVIEW_INSERT = ("INSERT INTO review_items(source, device, seq, record_id, problem, details, "
                      "body, reported_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING")

    def device_list(self) -> list[dict]:
        """Every device, by number: device, name, prefix, created_at (Unix time), revoked_at,
        last_sync_at, last_report_at, report (dict: its last status report), open_items."""
        return [device_row(row) for row in self._all(DEVICE_LIST)]

    def save_device_report(self, device: int, report_json: str, at: str,
                           items: list[tuple]) -> int:
        """Keep a kiosk's status report on its device row and add the records it holds in
        quarantine to the review queue (rows as in add_review_items); one transaction.
        Returns how many review items are new."""
        with self._tx() as conn:
            conn.execute("UPDATE devices SET report = ?, last_report_at = ? WHERE device = ?",
                         (report_json, at, device))
            return self._add_review_items(conn, items)

    def add_review_items(self, items: list[tuple]) -> int:
        """Add review rows (source, device, seq, record_id, problem, details, body,
        reported_at); one already recorded for its device, seq and problem is skipped.
        Returns how many are new."""
        if not items:
            return 0
        with self._tx() as conn:
            return self._add_review_items(conn, items)

    def _add_review_items(self, conn: sqlite3.Connection, items: list[tuple]) -> int:
        before = conn.total_changes
        conn.executemany(self._REVIEW_INSERT, items)
        return conn.total_changes - before

    def review_counts(self) -> dict[str, int]:
        row = self._one("SELECT count(*) - count(resolved_at), count(resolved_at) "
                        "FROM review_items")
        return {"open": row[0], "resolved": row[1], "all": row[0] + row[1]}

    def review_items(self, *, state: str = "open", offset: int = 0,
                     limit: int = 100) -> list[dict]:
        """Review items without their bodies; `state`: open (newest first), resolved (latest
        resolved first) or all (open ones first)."""
        rows = self._all(f"{REVIEW_SELECT.format('')} {REVIEW_ORDER[state]} LIMIT ? OFFSET ?",
                         (limit, offset))
        return [review_row(row) for row in rows]

    def review_item(self, item_id: int) -> dict | None:
        """One review item, with the body the kiosk sent (a dict; {} when none was kept)."""
        if not 0 < item_id < 2**63:
            return None
        row = self._one(f"{REVIEW_SELECT.format(', r.body')} WHERE r.item_id = ?",
                        (item_id,))
        return None if row is None else review_row_with_body(row)

    def resolve_review_item(self, item_id: int, resolution: str, username: str, at: str,
                            note: str) -> bool:
        """Mark an open item resolved (who, when, how, note). False when it is not open."""
        with self._tx() as conn:
            return conn.execute(
                "UPDATE review_items SET resolved_at = ?, resolved_by = ?, resolution = ?, "
                "note = ? WHERE item_id = ? AND resolved_at IS NULL",
                (at, username, resolution, note, item_id)).rowcount == 1
