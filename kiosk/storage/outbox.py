"""The outbox's rows as the uploader moves them (pending, sent, set aside), the hub's receipts,
and what the hub leaves on this kiosk: its identity there, the union organisations, revocations.
"""

from __future__ import annotations

import json
from typing import Any

from kiosk.primitives import fast_json
from kiosk.storage.sqlite_file import SqliteFile, now_local


def _runs(ids: list[int]) -> list[tuple[int, int]]:
    """[1, 2, 3, 7, 8] -> [(1, 3), (7, 8)]."""
    runs: list[tuple[int, int]] = []
    for i in sorted(set(ids)):
        if runs and i == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], i)
        else:
            runs.append((i, i))
    return runs


class OutboxRows(SqliteFile):
    """The tables sync with the hub reads and writes (kiosk.service.outbox is their door)."""

    # --- the outbox -----------------------------------------------------------------------
    def outbox_counts(self) -> dict[str, int]:
        rows = self._rows("SELECT state, count(*) AS n FROM outbox GROUP BY state")
        counts = {"pending": 0, "sent": 0, "quarantined": 0}
        counts.update({row["state"]: row["n"] for row in rows})
        return counts

    def pending_outbox(self, limit: int = 1000, after_id: int = 0) -> list[dict[str, Any]]:
        """Pending rows in id order; `after_id`: only those after it (a sender reading ahead
        of its unanswered requests)."""
        with self._lock:
            # The body as the UTF-8 bytes SQLite keeps, which the JSON parser reads as they are:
            # a str would be decoded here and encoded again there.
            rows = self.conn.execute("SELECT id, record_id, kind, CAST(body AS BLOB), created_at "
                                     "FROM outbox WHERE state = 'pending' AND id > ? "
                                     "ORDER BY id LIMIT ?", (after_id, limit)).fetchall()
        loads = fast_json.loads
        return [{"id": i, "record_id": record_id, "kind": kind, "body": loads(body),
                 "created_at": created_at} for i, record_id, kind, body, created_at in rows]

    def quarantined_outbox(self, limit: int = 1000) -> list[dict[str, Any]]:
        rows = self._rows("SELECT id, record_id, kind, body, created_at, error_code, last_error, "
                          "attempts FROM outbox WHERE state = 'quarantined' ORDER BY id LIMIT ?",
                          (limit,))
        return [{**row, "body": json.loads(row["body"])} for row in rows]

    def apply_receipt(self, receipt_id: str, body: str, signature: str, held: list[int],
                      rejected: list[tuple[int, str, str]]) -> tuple[int, int]:
        """Store a hub receipt and, in the same transaction, mark the outbox rows it holds sent
        and quarantine the ones it refused (id, code, reason). Only pending rows change, so an
        old receipt seen again does nothing. Returns (newly sent, newly quarantined)."""
        at = now_local().isoformat(timespec="milliseconds")
        with self.transaction() as conn:
            conn.execute("INSERT INTO sync_receipts(receipt_id, body, signature, received_at) "
                         "VALUES (?, ?, ?, ?) ON CONFLICT(receipt_id) DO NOTHING",
                         (receipt_id, body, signature, at))
            # A receipt usually holds a run of consecutive outbox ids: one UPDATE per run.
            sent = conn.executemany(
                "UPDATE outbox SET state = 'sent', sent_at = ?, receipt_id = ?, "
                "attempts = attempts + 1 WHERE id BETWEEN ? AND ? AND state = 'pending'",
                [(at, receipt_id, first, last) for first, last in _runs(held)]).rowcount
            quarantined = conn.executemany(
                "UPDATE outbox SET state = 'quarantined', error_code = ?, last_error = ?, "
                "receipt_id = ?, attempts = attempts + 1 WHERE id = ? AND state = 'pending'",
                [(code, reason, receipt_id, i) for i, code, reason in rejected]).rowcount
        return sent, quarantined

    def quarantine(self, outbox_id: int, code: str, reason: str) -> None:
        """Set one outbox row aside with the hub's code: kept, shown, never sent again."""
        with self.transaction() as conn:
            conn.execute("UPDATE outbox SET state = 'quarantined', error_code = ?, last_error = ?, "
                         "attempts = attempts + 1 WHERE id = ? AND state = 'pending'",
                         (code, reason, outbox_id))

    def note_attempt(self, outbox_ids: list[int], error: str) -> None:
        """A send that did not get through (the rows stay pending)."""
        with self.transaction() as conn:
            conn.executemany("UPDATE outbox SET attempts = attempts + 1, last_error = ? "
                             "WHERE id = ? AND state = 'pending'",
                             [(error, i) for i in outbox_ids])

    # --- this device at its hub -----------------------------------------------------------
    def sync_device(self) -> dict[str, Any] | None:
        """This device's identity at its hub, or None before provisioning."""
        rows = self._cached("sync_device",
                            lambda: self._rows("SELECT * FROM sync_device WHERE id = 1"))
        return dict(rows[0]) if rows else None

    def save_sync_device(self, *, hub_url: str, device: int, prefix: str, hub_sign_key: str,
                         hub_box_key: str, certificate: str) -> None:
        """Record what provisioning returned (keys and certificate as base64url text)."""
        with self.transaction() as conn:
            self._cache.clear()
            conn.execute(
                "INSERT INTO sync_device(id, hub_url, device, prefix, hub_sign_key, hub_box_key, "
                "certificate, provisioned_at) VALUES (1, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO "
                "UPDATE SET hub_url = excluded.hub_url, device = excluded.device, "
                "prefix = excluded.prefix, hub_sign_key = excluded.hub_sign_key, "
                "hub_box_key = excluded.hub_box_key, certificate = excluded.certificate, "
                "provisioned_at = excluded.provisioned_at",
                (hub_url, device, prefix, hub_sign_key, hub_box_key, certificate,
                 now_local().isoformat(timespec="milliseconds")))

    # --- the hub's configuration ----------------------------------------------------------
    def replace_union_orgs(self, orgs: list[dict[str, str]]) -> None:
        """The hub's list of union organisations replaces the local copy."""
        at = now_local().isoformat(timespec="milliseconds")
        with self.transaction() as conn:
            conn.execute("DELETE FROM union_orgs")
            conn.executemany("INSERT INTO union_orgs(code, name, parent, updated_at) "
                             "VALUES (?, ?, ?, ?)",
                             [(o["code"], o["name"], o.get("parent", ""), at) for o in orgs])

    def union_orgs(self) -> list[dict[str, str]]:
        return self._rows("SELECT code, name, parent FROM union_orgs ORDER BY code")

    def replace_revocations(self, revoked: list[dict[str, Any]]) -> None:
        """Device keys the hub has revoked (key id hex, device number, when)."""
        with self.transaction() as conn:
            conn.execute("DELETE FROM revoked_devices")
            conn.executemany("INSERT INTO revoked_devices(key_id, device, revoked_at) "
                             "VALUES (?, ?, ?)",
                             [(r["key_id"], r.get("device"), r["revoked_at"]) for r in revoked])

    def revoked_key_ids(self) -> set[str]:
        return {row["key_id"] for row in self._rows("SELECT key_id FROM revoked_devices")}
