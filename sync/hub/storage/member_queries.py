"""The admin member pages' queries, once for both databases (sync.hub.admin.members): search,
a person's record, the hub's corrections and voids, and the log of who saw a full ID number.

Corrections keep body_hash: it is what a kiosk's resent original is compared with, so the
resend stays a duplicate, never a conflict. Nothing here deletes a row.
"""

from __future__ import annotations

import json
from typing import Any

from sync.hub.corrections import correct_body
from sync.hub.storage.base import INT64, SqlStore
from sync.hub.storage.hub_queries import SET_FACTS, move_signup
from sync.hub.storage.records import facts_of

# Above every character a name can hold: with byte (code point) order, every name that starts
# with `prefix` sorts in [prefix, prefix + _TOP). SQLite compares text by bytes (BINARY), and
# PostgreSQL compares names COLLATE "C" (its name index is built so, schema step 3), so a
# prefix search is one range scan of the index in either database.
_TOP = "\U0010ffff"


def name_range(prefix: str) -> tuple[str, str]:
    """(low, high): the names that equal `prefix` or start with it are low <= name < high."""
    return prefix, prefix + _TOP


class MemberQueries(SqlStore):
    def apply_member_correction(self, record_id: str, changes: dict, username: str, at: str,
                                reason: str) -> bool:
        """Correct sign-up `record_id` with `changes` (field -> validated value) in one
        transaction: body, plain columns, the person it belongs to when the ID number changed,
        and a member_changes row (kind 'corrected', before/after of the changed fields only).
        False when there is no such record; a correction that changes nothing leaves no row."""
        text = self.dialect.text
        record_id = text(record_id)
        changes = {k: text(v) if isinstance(v, str) else v for k, v in changes.items()}
        with self._tx() as conn:
            # The row lock orders this against a kiosk's correction of the same record.
            row = conn.execute("SELECT body, id_number, member_id FROM signups "
                               "WHERE record_id = ?" + self.dialect.for_update,
                               (record_id,)).fetchone()
            if row is None:
                return False
            body_text, id_number, member_id = row
            fix = correct_body(json.loads(body_text), changes)
            if not fix.after:
                return True
            body, before, after = fix.texts()
            conn.execute(f"UPDATE signups SET body = ?, {SET_FACTS} WHERE record_id = ?",
                         (body, *facts_of(fix.body, fix.new_id_number or id_number), record_id))
            if fix.new_id_number:
                move_signup(conn, record_id, member_id, fix.new_id_number)
            conn.execute("INSERT INTO member_changes(record_id, member_id, username, at, kind, "
                         "reason, before, after) VALUES (?, ?, ?, ?, 'corrected', ?, ?, ?)",
                         (record_id, member_id, text(username), text(at), text(reason), before,
                          after))
            return True

    def void_signup(self, record_id: str, username: str, at: str, reason: str) -> bool:
        """Mark sign-up `record_id` voided, with a member_changes row (kind 'voided'). False
        when there is no such record or it is voided already."""
        text = self.dialect.text
        record_id = text(record_id)
        with self._tx() as conn:
            row = conn.execute("UPDATE signups SET status = 'voided' WHERE record_id = ? AND "
                               "status = 'active' RETURNING member_id", (record_id,)).fetchone()
            if row is None:
                return False
            conn.execute("INSERT INTO member_changes(record_id, member_id, username, at, kind, "
                         "reason, before, after) VALUES (?, ?, ?, ?, 'voided', ?, ?, ?)",
                         (record_id, row[0], text(username), text(at), text(reason),
                          '{"status": "active"}', '{"status": "voided"}'))
            return True

    def log_id_view(self, record_id: str, member_id: int, username: str, at: str,
                    reason: str) -> None:
        """Record that `username` was shown the full ID number of `record_id` (an access log:
        a member_changes row of kind 'viewed_id')."""
        with self._tx() as conn:
            conn.execute("INSERT INTO member_changes(record_id, member_id, username, at, kind, "
                         "reason) VALUES (?, ?, ?, ?, 'viewed_id', ?)",
                         self._texts([(record_id, member_id, username, at, reason)])[0])

    def search_members(self, *, name: str = "", card_number: str = "", mobile4: str = "",
                       event: str = "", offset: int = 0, limit: int = 50) -> list[dict]:
        """People with a sign-up matching every criterion given (name: exact or prefix; card
        number: any of their cards; mobile4: last 4 digits; event), by member_id, newest first.
        Each: member_id, id_number, canonical_card, body (of the canonical sign-up), signups,
        active (how many are active)."""
        text = self.dialect.text
        where, params = [], []
        if name:
            low, high = name_range(text(name))
            column = self.dialect.bytewise("name")  # as the name index is built: a range scan
            where.append(f"{column} >= ? AND {column} < ?")
            params += [low, high]
        if mobile4:
            where.append("mobile4 = ?")
            params.append(text(mobile4))
        if event:
            where.append("event = ?")
            params.append(text(event))
        if card_number:
            where.append("member_id = (SELECT member_id FROM signups WHERE card_number = ?)")
            params.append(text(card_number))
        hits = ("SELECT member_id FROM persons" if not where else
                "SELECT DISTINCT member_id FROM signups WHERE " + " AND ".join(where))
        rows = self._all(
            "SELECT p.member_id, p.id_number, p.canonical_card, c.body, "
            "(SELECT count(*) FROM signups a WHERE a.member_id = p.member_id), "
            "(SELECT count(*) FROM signups a WHERE a.member_id = p.member_id "
            " AND a.status = 'active') "
            f"FROM ({hits} ORDER BY member_id DESC LIMIT ? OFFSET ?) h "
            "JOIN persons p ON p.member_id = h.member_id "
            "JOIN signups c ON c.record_id = p.canonical_record ORDER BY p.member_id DESC",
            (*params, limit, offset))
        return [{"member_id": m, "id_number": i, "canonical_card": card, "body": json.loads(b),
                 "signups": n, "active": active} for m, i, card, b, n, active in rows]

    def member_record(self, member_id: int) -> dict | None:
        """Everything the person page shows: person (member_id, id_number, canonical_record,
        canonical_card, created_at), signups (each with its device's name and body), the
        kiosks' changes to those sign-ups, and the hub's member_changes touching this person."""
        if member_id not in INT64:
            return None
        with self._read() as conn:
            person = conn.execute(
                "SELECT member_id, id_number, canonical_record, canonical_card, created_at "
                "FROM persons WHERE member_id = ?", (member_id,)).fetchone()
            if person is None:
                return None
            signups = conn.execute(
                "SELECT s.record_id, s.device, coalesce(d.name, ''), s.card_number, s.body, "
                "s.status, s.created_at, s.received_at FROM signups s LEFT JOIN devices d "
                "ON d.device = s.device WHERE s.member_id = ? "
                "ORDER BY s.received_at, s.record_id", (member_id,)).fetchall()
            kiosk_changes = conn.execute(
                "SELECT c.record_id, s.card_number, c.kind, c.device, coalesce(d.name, ''), "
                "coalesce(r.received_at, ''), c.seq FROM changes c "
                "JOIN signups s ON s.record_id = c.record_id "
                "LEFT JOIN receipts r ON r.receipt_id = c.receipt_id "
                "LEFT JOIN devices d ON d.device = c.device WHERE s.member_id = ? "
                "ORDER BY r.received_at, c.device, c.seq", (member_id,)).fetchall()
            hub_changes = conn.execute(
                "SELECT m.change_id, m.record_id, coalesce(s.card_number, ''), m.username, m.at, "
                "m.kind, m.reason, m.before, m.after FROM member_changes m "
                "LEFT JOIN signups s ON s.record_id = m.record_id "
                "WHERE m.member_id = ? OR m.record_id IN (SELECT record_id FROM signups "
                "WHERE member_id = ?) ORDER BY m.change_id", (member_id, member_id)).fetchall()
        return _member_record_of(person, signups, kiosk_changes, hub_changes)

    def signup_of(self, record_id: str) -> dict | None:
        """One sign-up: record_id, member_id, card_number, status, id_number, body."""
        row = self._one("SELECT record_id, member_id, card_number, status, id_number, body "
                        "FROM signups WHERE record_id = ?", (self.dialect.text(record_id),))
        if row is None:
            return None
        return {"record_id": row[0], "member_id": row[1], "card_number": row[2],
                "status": row[3], "id_number": row[4], "body": json.loads(row[5])}


def _member_record_of(person: tuple, signups: list[tuple], kiosk_changes: list[tuple],
                      hub_changes: list[tuple]) -> dict[str, Any]:
    """The person page's record from member_record's rows."""
    member_id, id_number, canonical_record, canonical_card, created_at = person
    cards = [
        {"record_id": r, "device": device, "device_name": device_name, "card_number": card,
         "body": json.loads(body), "status": status, "created_at": created, "received_at": received,
         "canonical": r == canonical_record}
        for r, device, device_name, card, body, status, created, received in signups]
    canonical = next((c for c in cards if c["canonical"]), cards[0] if cards else None)
    active = sum(c["status"] == "active" for c in cards)
    return {
        "member_id": member_id, "id_number": id_number, "canonical_record": canonical_record,
        "canonical_card": canonical_card, "created_at": created_at,
        "body": canonical["body"] if canonical else {},
        "status": "active" if active else ("voided" if cards else "none"),
        "signups": cards,
        "aliases": [c["card_number"] for c in cards if c["card_number"] != canonical_card],
        "kiosk_changes": [
            {"record_id": r, "card_number": card, "kind": kind, "device": device,
             "device_name": device_name, "received_at": received, "seq": seq}
            for r, card, kind, device, device_name, received, seq in kiosk_changes],
        "hub_changes": [
            {"change_id": cid, "record_id": r, "card_number": card, "username": user, "at": at,
             "kind": kind, "reason": reason, "before": json.loads(before or "{}"),
             "after": json.loads(after or "{}")}
            for cid, r, card, user, at, kind, reason, before, after in hub_changes],
    }
