"""The hub's own queries, once for both databases: keys and settings, provisioning codes and
devices, request nonces, what a batch's kiosk changes do, and the reads of sync and the command
line. The part of ingest that differs (how a batch's new sign-ups reach the tables) is in each
store's batch (sync.hub.storage.sqlite, .postgres), which sorts out what it inserted with
``outcomes_of`` below.
"""

from __future__ import annotations

import json
from typing import Any, Iterator

from kiosk.domain.card_number import hub_prefixes
from sync.hub.storage.base import INT64, SqlStore
from sync.hub.storage.records import (FACT_COLUMNS, Change, Device, NewSignup, Outcome,
                                      RequestNonce, facts_of)
from sync.protocol.problems import ProblemError

FACTS = ", ".join(FACT_COLUMNS)
SET_FACTS = ", ".join(f"{c} = ?" for c in FACT_COLUMNS)
_DEVICE = ("SELECT device, public_key, prefix, provisional_prefix, name, revoked_at "
           "FROM devices WHERE device = ?")


def outcomes_of(signups: list[NewSignup], device: int, stored: dict[str, int],
                held: dict[str, tuple]) -> tuple[list[Outcome], list[NewSignup]]:
    """What became of a batch's new sign-ups once inserted, and the ones this batch stored.
    `stored`: record id -> seq of those it inserted; `held`: record id -> (device, body hash)
    of the record already there, for the others (none there: its card number was taken)."""
    outcomes, new = [], []
    for s in signups:
        if stored.get(s.record_id) == s.seq:
            outcomes.append(Outcome(s.seq, s.record_id, "accepted"))
            new.append(s)
            continue
        row = held.get(s.record_id)
        if row is None:
            outcomes.append(Outcome(s.seq, s.record_id, "rejected", "card_number_taken"))
        elif row[0] != device:
            outcomes.append(Outcome(s.seq, s.record_id, "rejected", "record_not_yours"))
        elif row[1] != s.body_hash:
            outcomes.append(Outcome(s.seq, s.record_id, "rejected", "record_conflict"))
        else:
            outcomes.append(Outcome(s.seq, s.record_id, "duplicate"))
    return outcomes, new


def move_signup(conn: Any, record_id: str, old_member: int | None, id_number: str) -> None:
    """Give sign-up `record_id` its new ID number, for a kiosk's correction and the hub's alike:
    the person of that number, made from this sign-up if new (UNIQUE(id_number) decides
    between two hubs). If this sign-up was the old person's canonical one, their next sign-up
    becomes canonical, so their page and export show their own fields."""
    conn.execute("INSERT INTO persons(id_number, canonical_record, canonical_card, "
                 "created_at) SELECT ?, record_id, card_number, received_at FROM signups "
                 "WHERE record_id = ? ON CONFLICT (id_number) DO NOTHING",
                 (id_number, record_id))
    conn.execute("UPDATE signups SET id_number = ?, member_id = (SELECT member_id FROM "
                 "persons WHERE id_number = ?) WHERE record_id = ?",
                 (id_number, id_number, record_id))
    conn.execute("UPDATE persons SET (canonical_record, canonical_card) = (SELECT record_id, "
                 "card_number FROM signups s WHERE s.member_id = persons.member_id "
                 "ORDER BY s.status = 'active' DESC, s.received_at, s.record_id LIMIT 1) "
                 "WHERE member_id = ? AND canonical_record = ? AND EXISTS (SELECT 1 FROM "
                 "signups s WHERE s.member_id = persons.member_id)", (old_member, record_id))


def _redeem_code_rules(row: tuple | None, public_key: bytes, now: int) -> int | None:
    """The rules of a provisioning code: `row` is the code's (expires_at, used_at, used_by_key,
    device, name). Returns the device to answer again (the same key redeeming the same code:
    its first answer was lost), None when the code may be used now; raises ProblemError when
    it may not."""
    if row is None:
        raise ProblemError("code_unknown")
    expires_at, used_at, used_by, device, _name = row
    if used_at is not None:
        if bytes(used_by or b"") == public_key and device is not None:
            return device
        raise ProblemError("code_used")
    if now > expires_at:
        raise ProblemError("code_expired")
    return None


class HubQueries(SqlStore):
    _nonce_writes = 0

    # --- keys and settings ----------------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        row = self._one("SELECT value FROM meta WHERE key = ?", (self.dialect.text(key),))
        return row[0] if row else None

    def set_meta_once(self, key: str, value: str) -> str:
        """Store `value` unless `key` is already set; return what is stored (first one wins)."""
        key = self.dialect.text(key)
        with self._tx() as conn:
            conn.execute("INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT (key) "
                         "DO NOTHING", (key, self.dialect.text(value)))
            return conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()[0]

    # --- devices --------------------------------------------------------------------------
    def add_device_code(self, code_hash: str, name: str, expires_at: int) -> None:
        with self._tx() as conn:
            conn.execute("INSERT INTO device_codes(code_hash, name, expires_at) VALUES (?, ?, ?)",
                         (code_hash, self.dialect.text(name), expires_at))

    def claim_device_code(self, code_hash: str, public_key: bytes, name: str, now: int,
                          provisional_prefix: str) -> Device:
        """Use a code once and register the key; the same key presenting it again gets the same
        device back (its first answer may have been lost). ProblemError otherwise."""
        code_hash = self.dialect.text(code_hash)
        with self._tx() as conn:
            self._take_turns(conn, "provisioning")
            row = conn.execute("SELECT expires_at, used_at, used_by_key, device, name FROM "
                               "device_codes WHERE code_hash = ?" + self.dialect.for_update,
                               (code_hash,)).fetchone()
            again = _redeem_code_rules(row, public_key, now)
            if again is not None:
                return self._device(conn, again)
            code_name = row[4]
            if conn.execute("SELECT 1 FROM devices WHERE public_key = ?", (public_key,)).fetchone():
                raise ProblemError("code_used", reason="key already registered")
            device = conn.execute(
                "INSERT INTO devices(public_key, prefix, provisional_prefix, name, created_at) "
                "VALUES (?, ?, ?, ?, ?) RETURNING device",
                (public_key, f"tmp-{code_hash[:16]}", provisional_prefix,
                 self.dialect.text(name or code_name), now)).fetchone()[0]
            prefix = self._free_prefix(conn, device)
            conn.execute("UPDATE devices SET prefix = ? WHERE device = ?", (prefix, device))
            conn.execute("UPDATE device_codes SET used_at = ?, used_by_key = ?, device = ? "
                         "WHERE code_hash = ? AND used_at IS NULL",
                         (now, public_key, device, code_hash))
            return self._device(conn, device)

    @staticmethod
    def _free_prefix(conn: Any, device: int) -> str:
        # UNIQUE(prefix) is the guard; skipping prefixes held, or used before provisioning,
        # only avoids tripping it.
        def is_free(prefix: str) -> bool:
            return conn.execute("SELECT 1 FROM devices WHERE prefix = ? OR "
                                "provisional_prefix = ?", (prefix, prefix)).fetchone() is None

        return next(prefix for prefix in hub_prefixes(device) if is_free(prefix))

    @staticmethod
    def _device(conn: Any, device: int) -> Device | None:
        row = conn.execute(_DEVICE, (device,)).fetchone()
        return Device(row[0], bytes(row[1]), *row[2:]) if row else None

    def device(self, device: int) -> Device | None:
        if device not in INT64:
            return None
        row = self._lookup(_DEVICE, (device,))
        return Device(row[0], bytes(row[1]), *row[2:]) if row else None

    def revoke_device(self, device: int, at: str) -> bool:
        with self._tx() as conn:
            return conn.execute("UPDATE devices SET revoked_at = ? WHERE device = ? AND "
                                "revoked_at IS NULL", (self.dialect.text(at), device)
                                ).rowcount == 1

    def revocations(self) -> list[dict[str, Any]]:
        from kiosk.primitives.keys import key_id_of
        rows = self._all("SELECT device, public_key, revoked_at FROM devices "
                         "WHERE revoked_at IS NOT NULL ORDER BY device")
        return [{"device": d, "key_id": key_id_of(bytes(k)).hex(), "revoked_at": at}
                for d, k, at in rows]

    def nonce_seen(self, device: int, value: str) -> bool:
        """True when this device's request with this nonce has already been taken."""
        return self._lookup("SELECT 1 FROM nonces WHERE device = ? AND nonce = ?",
                            (device, self.dialect.text(value))) is not None

    def _remember(self, conn: Any, device: int, nonce: RequestNonce) -> bool:
        """False when this device already used `nonce` (a replayed request, at any hub)."""
        self._nonce_writes += 1
        if self._nonce_writes % 200 == 0:
            conn.execute("DELETE FROM nonces WHERE seen_at < ?", (nonce.now - 2 * nonce.window,))
        return conn.execute("INSERT INTO nonces(device, nonce, seen_at) VALUES (?, ?, ?) "
                            "ON CONFLICT DO NOTHING",
                            (device, self.dialect.text(nonce.value), nonce.now)).rowcount == 1

    # --- a batch's kiosk changes, and its receipt -----------------------------------------
    def _apply_change(self, conn: Any, device: int, receipt_id: str, change: Change) -> Outcome:
        def out(status: str, problem: str = "") -> Outcome:
            return Outcome(change.seq, change.record_id, status, problem)

        def seen() -> Outcome | None:
            row = conn.execute("SELECT record_id, kind, body_hash FROM changes WHERE device = ? "
                               "AND seq = ?", (device, change.seq)).fetchone()
            if row is None:
                return None
            same = tuple(row) == (change.record_id, change.kind, change.body_hash)
            return out("duplicate") if same else out("rejected", "record_conflict")

        if change.seq not in INT64:
            return out("rejected", "invalid_record")
        before = seen()
        if before is not None:
            return before
        # The row lock orders concurrent changes to one record (a correction rewrites the body).
        row = conn.execute("SELECT device, body, id_number, member_id FROM signups "
                           "WHERE record_id = ?" + self.dialect.for_update,
                           (change.record_id,)).fetchone()
        if row is None:
            return out("rejected", "unknown_record")
        if row[0] != device:
            return out("rejected", "record_not_yours")
        body = {**json.loads(row[1]), **change.body}
        body.pop("reason", None), body.pop("actor", None)
        text = json.dumps(body, ensure_ascii=False, sort_keys=True)
        if not self.dialect.holds_nul and "\x00" in text + (change.id_number or ""):
            return out("rejected", "invalid_record")
        inserted = conn.execute(
            "INSERT INTO changes(device, seq, record_id, kind, body_hash, receipt_id) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (device, change.seq, change.record_id, change.kind, change.body_hash,
             receipt_id)).rowcount
        if not inserted:  # another hub took the same change meanwhile
            return seen() or out("rejected", "record_conflict")
        if change.kind == "member.voided":
            conn.execute("UPDATE signups SET status = 'voided' WHERE record_id = ?",
                         (change.record_id,))
            return out("accepted")
        conn.execute(f"UPDATE signups SET body = ?, {SET_FACTS} WHERE record_id = ?",
                     (text, *facts_of(body, change.id_number or row[2]), change.record_id))
        if change.id_number and change.id_number != row[2]:
            move_signup(conn, change.record_id, row[3], change.id_number)
        return out("accepted")

    def _keep_receipt(self, conn: Any, device: int, receipt_id: str, received_at: str, *,
                      batch_id: str, digest: str, source: str, body: str,
                      signature: str) -> None:
        conn.execute("INSERT INTO receipts(receipt_id, device, batch_id, digest, source, body, "
                     "signature, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                     (receipt_id, device, self.dialect.text(batch_id), digest, source, body,
                      signature, received_at))
        conn.execute("UPDATE devices SET last_sync_at = ? WHERE device = ?",
                     (received_at, device))

    # --- reading --------------------------------------------------------------------------
    def card_status(self, card_number: str) -> dict[str, Any] | None:
        if "\x00" in card_number:  # no stored card number holds one
            return None
        row = self._one("SELECT s.card_number, s.status, p.canonical_card FROM signups s "
                        "LEFT JOIN persons p USING (member_id) WHERE s.card_number = ?",
                        (card_number,))
        if row is None:
            return None
        card, status, canonical = row
        role = "voided" if status == "voided" else ("canonical" if canonical == card else "alias")
        return {"card_number": card, "status": role, "canonical_card_number": canonical or card}

    def orgs(self) -> list[dict[str, str]]:
        rows = self._all("SELECT code, name, parent FROM orgs ORDER BY code")
        return [{"code": c, "name": n, "parent": p} for c, n, p in rows]

    def set_orgs(self, orgs: list[dict[str, str]]) -> None:
        with self._tx() as conn:
            self._executemany(conn, "INSERT INTO orgs(code, name, parent, county) "
                              "VALUES (?, ?, ?, ?) ON CONFLICT (code) DO UPDATE SET "
                              "name = excluded.name, parent = excluded.parent, "
                              "county = excluded.county",
                              self._texts([(o["code"], o["name"], o.get("parent", ""),
                                            o.get("county", "")) for o in orgs]))

    def export_people(self) -> Iterator[dict[str, Any]]:
        """One dict per person with an active sign-up: the canonical sign-up's fields, the
        canonical card number, and every other card number as aliases (in the order they
        reached the hub). Streamed, so 100,000 people need not sit in memory at once."""
        order = "a.received_at, a.card_number"
        rows = self._stream(
            "SELECT p.member_id, p.canonical_card, c.body, "
            f"(SELECT {self.dialect.joined('a.card_number', order)} FROM (SELECT a.card_number, "
            "a.received_at FROM signups a WHERE a.member_id = p.member_id "
            f"AND a.card_number <> p.canonical_card ORDER BY {order}) a), "
            "(SELECT count(*) FROM signups a WHERE a.member_id = p.member_id) "
            "FROM persons p JOIN signups c ON c.record_id = p.canonical_record "
            "WHERE EXISTS (SELECT 1 FROM signups a WHERE a.member_id = p.member_id "
            "AND a.status = 'active') ORDER BY p.member_id")
        for member_id, card, body, aliases, n in rows:
            yield {"member_id": member_id, "card_number": card, "aliases": aliases or "",
                   "signups": n, **json.loads(body)}

    def counts(self) -> dict[str, int]:
        row = self._one("SELECT (SELECT count(*) FROM signups), (SELECT count(*) FROM persons), "
                        "(SELECT count(*) FROM devices)")
        return {"signups": row[0], "persons": row[1], "devices": row[2]}
