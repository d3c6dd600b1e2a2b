"""The exports for the national system, once for both databases (sync.hub.admin.exports and
``kiosk hub export``). The figures' single statement differs by database and is each store's
(figure_rows, with sync.hub.figure_counts).

Members are people with an active sign-up, described by their canonical sign-up. An export
first chooses its members and logs them, in one transaction that takes turns with every other
export's ("exports": BEGIN IMMEDIATE on SQLite, an advisory lock shared by every hub process on
PostgreSQL), so two "new" exports never take the same member; then it streams them.
"""

from __future__ import annotations

import json
from typing import Any, Iterator

from sync.hub.export_scope import export_log_row, merged_ranges, not_covered, ranges_text
from sync.hub.storage.base import INT64, SqlStore
from sync.protocol.wire import from_ranges

_EXPORT_CHUNK = 5000


class ExportQueries(SqlStore):
    def start_export(self, request: Any, again_of: int | None = None) -> tuple[int, list[int]]:
        """Choose the members of `request` (sync.hub.export_scope.ExportRequest), log the export
        in export_log with their exact ids; returns (export_id, member ids in order).
        `again_of`: take the members of that earlier export instead (scope 'again')."""
        where, params = "", ()
        if request.scope == "range":
            where, params = "AND p.created_at >= ? AND p.created_at < ?", request.created_window()
        with self._tx() as conn:
            self._take_turns(conn, "exports")
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
                (self.dialect.text(request.username), request.role, request.at, request.format,
                 request.scope, request.since and request.since.isoformat(),
                 request.until and request.until.isoformat(), bool(request.full_ids), len(ids),
                 ranges_text(ids))).fetchone()[0]
        return export_id, ids

    def log_export(self, request: Any, member_ids: list[int]) -> int:
        """Log in export_log an export that chose its own members (`kiosk hub export --csv`
        without --national: every person, scope 'all'); returns its export_id."""
        with self._tx() as conn:
            return conn.execute(
                "INSERT INTO export_log(username, role, at, format, scope, since, until, "
                "full_ids, row_count, member_ranges) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "RETURNING export_id",
                (self.dialect.text(request.username), request.role, request.at, request.format,
                 request.scope, request.since and request.since.isoformat(),
                 request.until and request.until.isoformat(), bool(request.full_ids),
                 len(member_ids), ranges_text(sorted(member_ids)))).fetchone()[0]

    def export_members(self, member_ids: list[int]) -> Iterator[tuple]:
        """(member_id, id_number, canonical card, canonical body dict, union name) for each of
        `member_ids`, in that order; read a chunk a query, so ingest is never held up for long,
        no connection is held between chunks, and 100,000 people are never in memory at once."""
        for i in range(0, len(member_ids), _EXPORT_CHUNK):
            chunk = member_ids[i:i + _EXPORT_CHUNK]
            rows = self._all(
                "SELECT p.member_id, p.id_number, p.canonical_card, c.body, "
                "coalesce(o.name, '') FROM persons p "
                "JOIN signups c ON c.record_id = p.canonical_record "
                "LEFT JOIN orgs o ON o.code = c.union_org "
                f"WHERE {self.dialect.in_ids('p.member_id')} ORDER BY p.member_id",
                (self.dialect.ids(chunk),))
            for member_id, id_number, card, body, union_name in rows:
                yield member_id, id_number, card, json.loads(body), union_name

    def exports(self, limit: int = 100) -> list[dict]:
        """The latest `limit` exports, newest first (export_log without the member ranges)."""
        rows = self._all("SELECT export_id, username, role, at, format, scope, since, until, "
                         "full_ids, row_count FROM export_log ORDER BY export_id DESC LIMIT ?",
                         (limit,))
        return [export_log_row(row) for row in rows]

    def export_member_ids(self, export_id: int) -> list[int] | None:
        """The exact member ids export `export_id` took (None: no such export)."""
        if export_id not in INT64:
            return None
        row = self._one("SELECT member_ranges FROM export_log WHERE export_id = ?", (export_id,))
        return None if row is None else from_ranges(json.loads(row[0]))

    def orgs_with_counties(self) -> list[tuple[str, str, str]]:
        """(code, name, county) of every union organisation."""
        return self._all("SELECT code, name, county FROM orgs")
