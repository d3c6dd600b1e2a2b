"""The hub store on PostgreSQL (psycopg 3): every PostgreSQL statement of the hub is in this module.

Several hub processes may share one database, so nothing here relies on this process's memory:

- a record is stored once because ``signups.record_id`` and ``signups.card_number`` are unique and
  inserted with ``ON CONFLICT DO NOTHING``; a person once because ``persons.id_number`` is. Under
  READ COMMITTED an insert that meets a row another transaction has not committed yet waits for
  that transaction, and the next statement's snapshot sees what it committed; so after the insert
  one SELECT tells, per record, whether this transaction stored it (its receipt id) or someone
  did before (duplicate, conflict, not yours). No SERIALIZABLE retries in the common path.
- rows are inserted in key order (record id, then ID number), so two transactions that share keys
  take their row locks in the same order and cannot deadlock on them. Should the server still
  report a deadlock or a serialization failure before the receipt was signed, the batch is retried
  whole (it was rolled back whole).
- provisioning is rare and picks the next free card prefix by looking at what is taken: it runs
  under a transaction-scoped advisory lock, so two hubs never hand out one prefix.
- a correction reads and rewrites a record's body: it locks that row first (FOR UPDATE).

Connections: a small pool of our own (a list and a semaphore). The hub's handlers run in
Starlette's thread pool (up to 40 threads), so one connection per thread would open up to 40
connections per process, and threads come and go; psycopg_pool would be one more dependency for
what these 40 lines do. Connections are autocommit; every multi-statement operation is an explicit
``conn.transaction()``. A connection that broke is dropped, not reused.

PostgreSQL refuses NUL in text, which SQLite stores: a record with a NUL in a stored field is
refused per record (``invalid_record``), never as a 500 for the whole batch.
"""

from __future__ import annotations

import json
import threading
from contextlib import contextmanager
from typing import Any, Callable, Iterator

import psycopg
from psycopg import errors as pg_errors

from kiosk.domain.card_number import hub_prefixes
from sync.hub.pg_migrations import LATEST, MIGRATION_LOCK, apply_migrations, schema_version
from sync.hub.pg_admin import PgAdminQueries
from sync.hub.store import (FACT_COLUMNS, Change, Device, NewSignup, Outcome, RequestNonce,
                            SignReceipt, facts_of, redeem_code_rules)
from sync.protocol.problems import ProblemError

_RETRIES = 5
_FACTS = ", ".join(FACT_COLUMNS)
_SET_FACTS = ", ".join(f"{c} = %s" for c in FACT_COLUMNS)
_BIGINT = 2**63
PROVISION_LOCK = MIGRATION_LOCK + 1  # serialises device registration (prefix choice)


class _Pool:
    """At most `size` connections to `url`, reused; a broken one is closed, not returned."""

    def __init__(self, url: str, size: int, timeout: float = 30.0) -> None:
        self.url, self.timeout = url, timeout
        self._idle: list[psycopg.Connection] = []
        self._all: set[psycopg.Connection] = set()
        self._lock = threading.Lock()
        self._slots = threading.BoundedSemaphore(size)
        self.closed = False

    @contextmanager
    def connection(self) -> Iterator[psycopg.Connection]:
        if not self._slots.acquire(timeout=self.timeout):
            raise TimeoutError("no database connection free")
        conn = None
        try:
            with self._lock:
                if self.closed:
                    raise RuntimeError("store closed")
                conn = self._idle.pop() if self._idle else None
            if conn is None:
                conn = psycopg.connect(self.url, autocommit=True)
                with self._lock:
                    self._all.add(conn)
            yield conn
        finally:
            if conn is not None:
                healthy = not conn.closed and not conn.broken and \
                    conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
                with self._lock:
                    if healthy and not self.closed:
                        self._idle.append(conn)
                    else:
                        self._all.discard(conn)
                        conn.close()
            self._slots.release()

    def close(self) -> None:
        with self._lock:
            self.closed = True
            conns, self._all, self._idle = list(self._all), set(), []
        for conn in conns:
            conn.close()


def _clean(value: str) -> str:
    """Text PostgreSQL can hold (no NUL), for free-form names from requests."""
    return value.replace("\x00", "")


def _storable(s: NewSignup) -> bool:
    return not any("\x00" in v for v in (s.record_id, s.card_number, s.id_number, s.body_json,
                                         s.created_at, *s.facts))


class PgHubStore(PgAdminQueries):
    """The hub store on a PostgreSQL database (``postgresql://`` URL, libpq syntax)."""

    def __init__(self, url: str, *, pool_size: int = 8) -> None:
        self.url = url
        self._pool = _Pool(url, pool_size)
        self._nonce_writes = 0
        with self._pool.connection() as conn:
            apply_migrations(conn)

    def close(self) -> None:
        self._pool.close()

    @contextmanager
    def _tx(self) -> Iterator[psycopg.Connection]:
        with self._pool.connection() as conn, conn.transaction():
            yield conn

    def _one(self, sql: str, params: tuple = ()) -> tuple | None:
        with self._pool.connection() as conn:
            return conn.execute(sql, params).fetchone()

    def _all(self, sql: str, params: tuple = ()) -> list[tuple]:
        with self._pool.connection() as conn:
            return conn.execute(sql, params).fetchall()

    # --- operations -----------------------------------------------------------------------
    def ready(self) -> dict[str, Any]:
        """For /readyz: the database answers and holds every migration this code knows."""
        with self._pool.connection() as conn:
            version = schema_version(conn)
        return {"ok": version >= LATEST, "schema": version, "expected": LATEST}

    # --- keys and settings ----------------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        row = self._one("SELECT value FROM meta WHERE key = %s", (_clean(key),))
        return row[0] if row else None

    def set_meta_once(self, key: str, value: str) -> str:
        """Store `value` unless `key` is already set; return what is stored (first one wins)."""
        key = _clean(key)
        with self._tx() as conn:
            conn.execute("INSERT INTO meta(key, value) VALUES (%s, %s) ON CONFLICT (key) "
                         "DO NOTHING", (key, _clean(value)))
            return conn.execute("SELECT value FROM meta WHERE key = %s", (key,)).fetchone()[0]

    # --- devices --------------------------------------------------------------------------
    def add_device_code(self, code_hash: str, name: str, expires_at: int) -> None:
        with self._tx() as conn:
            conn.execute("INSERT INTO device_codes(code_hash, name, expires_at) "
                         "VALUES (%s, %s, %s)", (code_hash, _clean(name), expires_at))

    def claim_device_code(self, code_hash: str, public_key: bytes, name: str, now: int,
                          provisional_prefix: str) -> Device:
        """Use a code once and register the key; the same key presenting it again gets the same
        device back (its first answer may have been lost). ProblemError otherwise."""
        with self._tx() as conn:
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (PROVISION_LOCK,))
            row = conn.execute("SELECT expires_at, used_at, used_by_key, device, name "
                               "FROM device_codes WHERE code_hash = %s FOR UPDATE",
                               (_clean(code_hash),)).fetchone()
            again = redeem_code_rules(row, public_key, now)
            if again is not None:
                return self._device(conn, again)
            code_name = row[4]
            if conn.execute("SELECT 1 FROM devices WHERE public_key = %s",
                            (public_key,)).fetchone():
                raise ProblemError("code_used", reason="key already registered")
            device = conn.execute(
                "INSERT INTO devices(public_key, prefix, provisional_prefix, name, created_at) "
                "VALUES (%s, %s, %s, %s, %s) RETURNING device",
                (public_key, f"tmp-{code_hash[:16]}", provisional_prefix,
                 _clean(name or code_name), now)).fetchone()[0]
            prefix = self._free_prefix(conn, device)
            conn.execute("UPDATE devices SET prefix = %s WHERE device = %s", (prefix, device))
            conn.execute("UPDATE device_codes SET used_at = %s, used_by_key = %s, device = %s "
                         "WHERE code_hash = %s AND used_at IS NULL",
                         (now, public_key, device, code_hash))
            return self._device(conn, device)

    @staticmethod
    def _free_prefix(conn: psycopg.Connection, device: int) -> str:
        # UNIQUE(prefix) is the guard; skipping prefixes held, or used before provisioning,
        # only avoids tripping it.
        def is_free(prefix: str) -> bool:
            return conn.execute("SELECT 1 FROM devices WHERE prefix = %s OR "
                                "provisional_prefix = %s", (prefix, prefix)).fetchone() is None

        return next(prefix for prefix in hub_prefixes(device) if is_free(prefix))

    @staticmethod
    def _device(conn: psycopg.Connection, device: int) -> Device | None:
        row = conn.execute("SELECT device, public_key, prefix, provisional_prefix, name, "
                           "revoked_at FROM devices WHERE device = %s", (device,)).fetchone()
        return Device(row[0], bytes(row[1]), *row[2:]) if row else None

    def device(self, device: int) -> Device | None:
        if not -_BIGINT <= device < _BIGINT:
            return None
        with self._pool.connection() as conn:
            return self._device(conn, device)

    def revoke_device(self, device: int, at: str) -> bool:
        with self._tx() as conn:
            return conn.execute("UPDATE devices SET revoked_at = %s WHERE device = %s AND "
                                "revoked_at IS NULL", (_clean(at), device)).rowcount == 1

    def revocations(self) -> list[dict[str, Any]]:
        from kiosk.primitives.keys import key_id_of
        rows = self._all("SELECT device, public_key, revoked_at FROM devices "
                         "WHERE revoked_at IS NOT NULL ORDER BY device")
        return [{"device": d, "key_id": key_id_of(bytes(k)).hex(), "revoked_at": at}
                for d, k, at in rows]

    def remember_nonce(self, device: int, nonce: RequestNonce) -> bool:
        """False when this device already used `nonce` (a replayed request, at any hub)."""
        with self._pool.connection() as conn:
            return self._remember(conn, device, nonce)

    def nonce_seen(self, device: int, value: str) -> bool:
        """True when this device's request with this nonce has already been taken."""
        return self._one("SELECT 1 FROM nonces WHERE device = %s AND nonce = %s",
                         (device, _clean(value))) is not None

    def _remember(self, conn: psycopg.Connection, device: int, nonce: RequestNonce) -> bool:
        self._nonce_writes += 1
        if self._nonce_writes % 200 == 0:
            conn.execute("DELETE FROM nonces WHERE seen_at < %s", (nonce.now - 2 * nonce.window,))
        return conn.execute("INSERT INTO nonces(device, nonce, seen_at) VALUES (%s, %s, %s) "
                            "ON CONFLICT DO NOTHING", (device, _clean(nonce.value), nonce.now)
                            ).rowcount == 1

    # --- ingest ---------------------------------------------------------------------------
    def ingest(self, device: int, receipt_id: str, received_at: str, signups: list[NewSignup],
               changes: list[Change], *, batch_id: str, digest: str, source: str,
               sign: SignReceipt, nonce: RequestNonce | None = None,
               handed_over: Callable[[], None] = lambda: None) -> list[Outcome]:
        """Store a batch in one transaction, with its receipt (see the module docstring)."""
        handed_over()  # the writes are the server's work: several batches' may be under way
        signed = False

        def sign_once(outcomes: list[Outcome]) -> tuple[str, str]:
            nonlocal signed
            signed = True
            return sign(outcomes)

        for attempt in range(_RETRIES):
            try:
                with self._tx() as conn:
                    if nonce is not None and not self._remember(conn, device, nonce):
                        raise ProblemError("replayed_request")
                    outcomes = self._insert_signups(conn, device, receipt_id, received_at,
                                                    signups)
                    for change in changes:
                        outcomes.append(self._apply_change(conn, device, receipt_id, change))
                    body, signature = sign_once(outcomes)
                    conn.execute("INSERT INTO receipts(receipt_id, device, batch_id, digest, "
                                 "source, body, signature, received_at) VALUES (%s, %s, %s, %s, "
                                 "%s, %s, %s, %s)", (receipt_id, device, _clean(batch_id), digest,
                                                     source, body, signature, received_at))
                    conn.execute("UPDATE devices SET last_sync_at = %s WHERE device = %s",
                                 (received_at, device))
                return outcomes
            except (pg_errors.DeadlockDetected, pg_errors.SerializationFailure):
                # rolled back whole; safe to run again only if no receipt was made for it
                if signed or attempt == _RETRIES - 1:
                    raise
        raise AssertionError("unreachable")

    def _insert_signups(self, conn: psycopg.Connection, device: int, receipt_id: str,
                        received_at: str, signups: list[NewSignup]) -> list[Outcome]:
        outcomes: list[Outcome] = []
        storable = []
        for s in signups:
            if _storable(s):
                storable.append(s)
            else:
                outcomes.append(Outcome(s.seq, s.record_id.replace("\x00", ""), "rejected",
                                        "invalid_record"))
        if not storable:
            return outcomes
        # Member ids are settled before the insert, so no row is written twice: a known person's
        # id, or one reserved from the persons sequence for a new person (the first sign-up of
        # an ID number in batch order makes the person). Unused reservations are only gaps.
        numbers = list(dict.fromkeys(s.id_number for s in storable))
        member = dict(conn.execute("SELECT id_number, member_id FROM persons "
                                   "WHERE id_number = ANY(%b::text[])", (numbers,)).fetchall())
        missing = [n for n in numbers if n not in member]
        if missing:
            reserved = conn.execute(
                "SELECT nextval(pg_get_serial_sequence('persons', 'member_id')) "
                "FROM generate_series(1, %s)", (len(missing),)).fetchall()
            member.update(zip(missing, (r[0] for r in reserved)))
        # One statement for the whole batch (arrays unnested server-side), in record-id order.
        facts = [", ".join(f"f{i}" for i in range(len(FACT_COLUMNS))),
                 ", %b::text[]" * len(FACT_COLUMNS)]
        inserted = {r[0] for r in conn.execute(
            "INSERT INTO signups(record_id, device, seq, card_number, id_number, member_id, body, "
            f"body_hash, created_at, receipt_id, received_at, {_FACTS}) "
            f"SELECT r, %s, q, c, i, m, b, h, t, %s, %s, {facts[0]} FROM unnest(%b::text[], "
            "%b::bigint[], %b::text[], %b::text[], %b::bigint[], %b::text[], %b::text[], "
            f"%b::text[]{facts[1]}) AS u(r, q, c, i, m, b, h, t, {facts[0]}) ORDER BY r "
            "ON CONFLICT DO NOTHING RETURNING record_id",
            (device, receipt_id, received_at, [s.record_id for s in storable],
             [s.seq for s in storable], [s.card_number for s in storable],
             [s.id_number for s in storable], [member[s.id_number] for s in storable],
             [s.body_json for s in storable], [s.body_hash for s in storable],
             [s.created_at for s in storable], *map(list, zip(*(s.facts for s in storable)))))}
        others = [s.record_id for s in storable if s.record_id not in inserted]
        held = {row[0]: row for row in conn.execute(
            "SELECT record_id, device, body_hash FROM signups WHERE record_id = ANY(%b::text[])",
            (others,))} if others else {}
        new = []
        for s in storable:
            row = held.get(s.record_id)
            if s.record_id in inserted:
                outcomes.append(Outcome(s.seq, s.record_id, "accepted"))
                new.append(s)
            elif row is None:
                outcomes.append(Outcome(s.seq, s.record_id, "rejected", "card_number_taken"))
            elif row[1] != device:
                outcomes.append(Outcome(s.seq, s.record_id, "rejected", "record_not_yours"))
            elif row[2] != s.body_hash:
                outcomes.append(Outcome(s.seq, s.record_id, "rejected", "record_conflict"))
            else:
                outcomes.append(Outcome(s.seq, s.record_id, "duplicate"))
        fresh = {}  # id number -> its first new sign-up, for people reserved above
        for s in new:
            if s.id_number in missing and s.id_number not in fresh:
                fresh[s.id_number] = s
        if not fresh:
            return outcomes
        firsts = sorted(fresh.values(), key=lambda s: s.id_number)  # lock order: by ID number
        made = {r[0] for r in conn.execute(
            "INSERT INTO persons(member_id, id_number, canonical_record, canonical_card, "
            "created_at) OVERRIDING SYSTEM VALUE SELECT m, i, r, c, %s FROM unnest(%b::bigint[], "
            "%b::text[], %b::text[], %b::text[]) AS u(m, i, r, c) "
            "ON CONFLICT (id_number) DO NOTHING RETURNING id_number",
            (received_at, [member[s.id_number] for s in firsts], [s.id_number for s in firsts],
             [s.record_id for s in firsts], [s.card_number for s in firsts]))}
        lost = [n for n in fresh if n not in made]
        if lost:  # another hub made those people meanwhile: link to theirs (first one wins)
            conn.execute(
                "UPDATE signups s SET member_id = p.member_id FROM persons p "
                "WHERE s.receipt_id = %s AND s.id_number = ANY(%b::text[]) "
                "AND p.id_number = s.id_number AND s.record_id = ANY(%b::text[])",
                (receipt_id, lost, [s.record_id for s in new]))
        return outcomes

    def _apply_change(self, conn: psycopg.Connection, device: int, receipt_id: str,
                      change: Change) -> Outcome:
        def out(status: str, problem: str = "") -> Outcome:
            return Outcome(change.seq, change.record_id, status, problem)

        def seen() -> Outcome | None:
            row = conn.execute("SELECT record_id, kind, body_hash FROM changes WHERE device = %s "
                               "AND seq = %s", (device, change.seq)).fetchone()
            if row is None:
                return None
            same = row == (change.record_id, change.kind, change.body_hash)
            return out("duplicate") if same else out("rejected", "record_conflict")

        if not -_BIGINT <= change.seq < _BIGINT:
            return out("rejected", "invalid_record")
        before = seen()
        if before is not None:
            return before
        # The row lock orders concurrent changes to one record (a correction rewrites the body).
        row = conn.execute("SELECT device, body, id_number, member_id FROM signups "
                           "WHERE record_id = %s FOR UPDATE", (change.record_id,)).fetchone()
        if row is None:
            return out("rejected", "unknown_record")
        if row[0] != device:
            return out("rejected", "record_not_yours")
        body = {**json.loads(row[1]), **change.body}
        body.pop("reason", None), body.pop("actor", None)
        text = json.dumps(body, ensure_ascii=False, sort_keys=True)
        if "\x00" in text or (change.id_number and "\x00" in change.id_number):
            return out("rejected", "invalid_record")
        inserted = conn.execute(
            "INSERT INTO changes(device, seq, record_id, kind, body_hash, receipt_id) "
            "VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
            (device, change.seq, change.record_id, change.kind, change.body_hash,
             receipt_id)).rowcount
        if not inserted:  # another hub took the same change meanwhile
            return seen() or out("rejected", "record_conflict")
        if change.kind == "member.voided":
            conn.execute("UPDATE signups SET status = 'voided' WHERE record_id = %s",
                         (change.record_id,))
            return out("accepted")
        conn.execute(f"UPDATE signups SET body = %s, {_SET_FACTS} WHERE record_id = %s",
                     (text, *facts_of(body, change.id_number or row[2]), change.record_id))
        if change.id_number and change.id_number != row[2]:
            self._move_signup(conn, change.record_id, row[3], change.id_number)
        return out("accepted")

    # --- reading --------------------------------------------------------------------------
    def card_status(self, card_number: str) -> dict[str, Any] | None:
        if "\x00" in card_number:
            return None
        row = self._one("SELECT s.card_number, s.status, p.canonical_card FROM signups s "
                        "LEFT JOIN persons p USING (member_id) WHERE s.card_number = %s",
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
        with self._tx() as conn, conn.cursor() as cur:
            cur.executemany("INSERT INTO orgs(code, name, parent, county) VALUES (%s, %s, %s, %s) "
                            "ON CONFLICT (code) DO UPDATE SET name = excluded.name, "
                            "parent = excluded.parent, county = excluded.county",
                            [(_clean(o["code"]), _clean(o["name"]), _clean(o.get("parent", "")),
                              _clean(o.get("county", ""))) for o in orgs])

    def export_people(self) -> Iterator[dict[str, Any]]:
        """One dict per person with an active sign-up: the canonical sign-up's fields, the
        canonical card number, and every other card number as aliases. Streamed from a
        server-side cursor, so 100,000 people do not sit in memory at once."""
        with self._tx() as conn, conn.cursor(name="export_people") as cur:
            cur.itersize = 2000
            cur.execute(
                "SELECT p.member_id, p.canonical_card, c.body, "
                "(SELECT string_agg(a.card_number, ' ' ORDER BY a.received_at, a.card_number) "
                " FROM signups a WHERE a.member_id = p.member_id "
                " AND a.card_number <> p.canonical_card), "
                "(SELECT count(*) FROM signups a WHERE a.member_id = p.member_id) "
                "FROM persons p JOIN signups c ON c.record_id = p.canonical_record "
                "WHERE EXISTS (SELECT 1 FROM signups a WHERE a.member_id = p.member_id "
                "AND a.status = 'active') ORDER BY p.member_id")
            for member_id, card, body, aliases, n in cur:
                yield {"member_id": member_id, "card_number": card, "aliases": aliases or "",
                       "signups": n, **json.loads(body)}

    def counts(self) -> dict[str, int]:
        row = self._one("SELECT (SELECT count(*) FROM signups), (SELECT count(*) FROM persons), "
                        "(SELECT count(*) FROM devices)")
        return {"signups": row[0], "persons": row[1], "devices": row[2]}
