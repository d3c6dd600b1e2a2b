"""The hub's SQLite database: every SQL statement of the hub is in this module.

WAL with synchronous=FULL: a batch's commit is on disk before its receipt leaves the hub, so a
kiosk never marks sent what a power cut could take back. One connection behind a lock; SQLite
serialises writers anyway, and a batch is one short transaction.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator

from kiosk.domain.card_number import hub_prefixes
from sync.hub.sqlite_admin import SqliteAdminQueries
from sync.hub.store import (FACT_COLUMNS, Change, Device, NewSignup, Outcome, RequestNonce,
                            SignReceipt, facts_of, redeem_code_rules)
from sync.protocol.problems import ProblemError

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS device_codes (
    code_hash TEXT PRIMARY KEY,
    name TEXT NOT NULL DEFAULT '',
    expires_at INTEGER NOT NULL,
    used_at INTEGER,
    used_by_key BLOB,
    device INTEGER
);
CREATE TABLE IF NOT EXISTS devices (
    device INTEGER PRIMARY KEY AUTOINCREMENT,
    public_key BLOB NOT NULL UNIQUE,
    prefix TEXT NOT NULL UNIQUE,
    provisional_prefix TEXT NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    revoked_at TEXT
);
CREATE TABLE IF NOT EXISTS nonces (
    device INTEGER NOT NULL,
    nonce TEXT NOT NULL,
    seen_at INTEGER NOT NULL,
    PRIMARY KEY (device, nonce)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS persons (
    member_id INTEGER PRIMARY KEY,
    id_number TEXT NOT NULL UNIQUE,
    canonical_record TEXT NOT NULL,
    canonical_card TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS signups (
    record_id TEXT PRIMARY KEY,
    device INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    card_number TEXT NOT NULL UNIQUE,
    id_number TEXT NOT NULL,
    member_id INTEGER,
    body TEXT NOT NULL,
    body_hash TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'active',
    created_at TEXT NOT NULL,
    receipt_id TEXT NOT NULL,
    received_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS signups_member ON signups(member_id);
CREATE TABLE IF NOT EXISTS changes (
    device INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    record_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    body_hash TEXT NOT NULL,
    receipt_id TEXT NOT NULL,
    PRIMARY KEY (device, seq)
);
CREATE TABLE IF NOT EXISTS receipts (
    receipt_id TEXT PRIMARY KEY,
    device INTEGER NOT NULL,
    batch_id TEXT NOT NULL,
    digest TEXT NOT NULL,
    source TEXT NOT NULL,
    body TEXT NOT NULL,
    signature TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS orgs (code TEXT PRIMARY KEY, name TEXT NOT NULL,
                                 parent TEXT NOT NULL DEFAULT '')
"""
# Later steps, by PRAGMA user_version; a hub made by the first schema (user_version 0) takes them
# all. Append a step, never edit one that has shipped (sync.hub.pg_migrations has their twins).
MIGRATIONS: tuple[tuple[int, str], ...] = (
    (2, """
ALTER TABLE signups ADD COLUMN grp TEXT NOT NULL DEFAULT '';
ALTER TABLE signups ADD COLUMN union_org TEXT NOT NULL DEFAULT '';
ALTER TABLE signups ADD COLUMN event TEXT NOT NULL DEFAULT '';
ALTER TABLE signups ADD COLUMN channel TEXT NOT NULL DEFAULT '';
ALTER TABLE signups ADD COLUMN day TEXT NOT NULL DEFAULT '';
ALTER TABLE signups ADD COLUMN area TEXT NOT NULL DEFAULT '';
ALTER TABLE signups ADD COLUMN name TEXT NOT NULL DEFAULT '';
ALTER TABLE signups ADD COLUMN mobile4 TEXT NOT NULL DEFAULT '';
UPDATE signups SET grp = trim(coalesce(json_extract(body, '$.group'), '')),
    union_org = trim(coalesce(json_extract(body, '$.union_org'), '')),
    event = substr(trim(coalesce(json_extract(body, '$.event'), '')), 1, 60),
    channel = trim(coalesce(json_extract(body, '$.channel'), '')),
    day = substr(coalesce(json_extract(body, '$.created_at'), ''), 1, 10),
    area = substr(id_number, 1, 6),
    name = trim(coalesce(json_extract(body, '$.name'), '')),
    mobile4 = substr(trim(coalesce(json_extract(body, '$.mobile'), '')), -4);
CREATE INDEX IF NOT EXISTS signups_name ON signups(name);
CREATE INDEX IF NOT EXISTS signups_mobile4 ON signups(mobile4);
ALTER TABLE devices ADD COLUMN last_sync_at TEXT;
ALTER TABLE devices ADD COLUMN last_report_at TEXT;
ALTER TABLE devices ADD COLUMN report TEXT NOT NULL DEFAULT '{}';
ALTER TABLE receipts ADD COLUMN received_at TEXT NOT NULL DEFAULT '';
ALTER TABLE orgs ADD COLUMN county TEXT NOT NULL DEFAULT '';
CREATE TABLE IF NOT EXISTS admin_users (
    username TEXT PRIMARY KEY,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    disabled_at INTEGER
);
CREATE TABLE IF NOT EXISTS admin_sessions (
    token_hash TEXT PRIMARY KEY,
    username TEXT NOT NULL,
    csrf TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS login_failures (key TEXT NOT NULL, at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS login_failures_key ON login_failures(key, at);
CREATE TABLE IF NOT EXISTS member_changes (
    change_id INTEGER PRIMARY KEY AUTOINCREMENT,
    record_id TEXT NOT NULL,
    member_id INTEGER,
    username TEXT NOT NULL,
    at TEXT NOT NULL,
    kind TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    before TEXT NOT NULL DEFAULT '{}',
    after TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX IF NOT EXISTS member_changes_record ON member_changes(record_id);
CREATE TABLE IF NOT EXISTS review_items (
    item_id INTEGER PRIMARY KEY AUTOINCREMENT,
    source TEXT NOT NULL,
    device INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    record_id TEXT NOT NULL,
    problem TEXT NOT NULL,
    details TEXT NOT NULL DEFAULT '{}',
    body TEXT NOT NULL DEFAULT '{}',
    reported_at TEXT NOT NULL,
    resolved_at TEXT,
    resolved_by TEXT,
    resolution TEXT,
    note TEXT NOT NULL DEFAULT '',
    UNIQUE (device, seq, problem)
);
CREATE TABLE IF NOT EXISTS export_log (
    export_id INTEGER PRIMARY KEY AUTOINCREMENT,
    username TEXT NOT NULL,
    role TEXT NOT NULL,
    at TEXT NOT NULL,
    format TEXT NOT NULL,
    scope TEXT NOT NULL,
    since TEXT,
    until TEXT,
    full_ids INTEGER NOT NULL,
    row_count INTEGER NOT NULL,
    member_ranges TEXT NOT NULL
);
"""),
    # The admin member pages: a person's history by member, kiosk changes by record.
    (3, """
CREATE INDEX IF NOT EXISTS member_changes_member ON member_changes(member_id);
CREATE INDEX IF NOT EXISTS changes_record ON changes(record_id)
"""),
    # Every column the figures read (sync.hub.figure_counts): SQLite scans this instead of the
    # table, whose rows carry the JSON bodies. 100,000 members: the page from ~300 to ~200 ms,
    # for ~3 ms more CPU per 1,000 sign-ups ingested. PostgreSQL needs none (hash aggregates,
    # GROUPING SETS).
    (4, """
CREATE INDEX IF NOT EXISTS signups_figures ON signups(event, channel, day, device, union_org,
                                                      grp, area, status, member_id, record_id)
"""),
    # The same columns led by the day, the rest of where people joined, then the member id,
    # which grows as people arrive: a kiosk's batch (one event, day and device) lands at the end
    # of a run or two, where the order above scattered it over a page for each group and birth
    # area. By 20,000 sign-ups a batch of 1,000 writes 2.8 MB of WAL instead of 3.5, and the gap
    # grows with the hub. The figures query groups in this order (sync.hub.figure_counts), and
    # a date range now seeks.
    (5, """
DROP INDEX IF EXISTS signups_figures;
CREATE INDEX IF NOT EXISTS signups_by_day ON signups(day, event, channel, device, union_org,
                                                     member_id, grp, area, status, record_id)
"""),
)
SCHEMA_VERSION = MIGRATIONS[-1][0]
_CHUNK = 500  # host parameters per IN (...) list
_FACTS = ", ".join(FACT_COLUMNS)
_SET_FACTS = ", ".join(f"{c} = ?" for c in FACT_COLUMNS)
# A batch's new sign-ups, as ingest hands them to SQLite (temp.incoming), and how they are copied
# into signups: ?1 device, ?2 receipt id, ?3 received at. ON CONFLICT DO NOTHING skips a taken
# record id or card number. (WHERE true: SQLite's parser needs it before ON CONFLICT in an
# INSERT ... SELECT.)
_INCOMING = ("record_id", "seq", "card_number", "id_number", "body", "body_hash", "created_at",
             *FACT_COLUMNS)
_STAGE = f"INSERT INTO temp.incoming VALUES ({', '.join('?' * len(_INCOMING))})"
_COPY_SIGNUPS = (
    "INSERT INTO signups(record_id, device, seq, card_number, id_number, body, body_hash, "
    f"created_at, receipt_id, received_at, {_FACTS}, member_id) SELECT record_id, ?1, seq, "
    f"card_number, id_number, body, body_hash, created_at, ?2, ?3, {_FACTS}, "
    "(SELECT member_id FROM persons p WHERE p.id_number = i.id_number) "
    "FROM temp.incoming i WHERE true ORDER BY rowid ON CONFLICT DO NOTHING")


class SqliteHubStore(SqliteAdminQueries):
    """The hub store on one SQLite file."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False,
                               timeout=30)
        # Taken only by a new file. A batch writes 1.5-3 MB of rows and index entries: in 16 KB
        # pages that is a quarter of the WAL frames and B-tree splits of 4 KB ones, and ingest
        # costs ~12% less CPU (bench_sync). An older hub keeps its 4 KB pages, and works as well.
        conn.execute("PRAGMA page_size = 16384")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA cache_size = -32768")  # 32 MB: the random-key indexes stay cached
        conn.execute("BEGIN IMMEDIATE")
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version == 0:
            for statement in SCHEMA.split(";"):
                conn.execute(statement)
        for step, sql in MIGRATIONS:
            if step > version:
                for statement in sql.split(";\n"):
                    conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {step}")
        conn.execute("COMMIT")
        # A batch's new sign-ups are handed to SQLite here (see ingest), then copied into
        # persons and signups by SQLite alone. Per connection, in memory, empty between batches.
        conn.execute("PRAGMA temp_store = MEMORY")
        conn.execute(f"CREATE TEMP TABLE incoming ({', '.join(_INCOMING)})")
        self.conn = conn
        self._lock = threading.RLock()
        self._nonce_writes = 0
        # Who a request comes from is read here, beside the writer: a batch is authenticated,
        # and its records checked, while the batch before it commits (sync.hub.ingest).
        self._reader = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False,
                                       timeout=30)
        self._reader.execute("PRAGMA query_only = ON")
        self._read_lock = threading.Lock()

    def close(self) -> None:
        with self._read_lock:
            self._reader.close()
        with self._lock:
            self.conn.close()

    @contextmanager
    def _tx(self, durable: bool = True) -> Iterator[sqlite3.Connection]:
        """A write transaction. `durable=False` commits without an fsync of its own (WAL,
        synchronous=NORMAL): the next durable commit's fsync carries it to disk too."""
        with self._lock:
            if not durable:
                self.conn.execute("PRAGMA synchronous = NORMAL")  # read at COMMIT
            try:
                self.conn.execute("BEGIN IMMEDIATE")
                try:
                    yield self.conn
                except BaseException:
                    self.conn.execute("ROLLBACK")
                    raise
                self.conn.execute("COMMIT")
            finally:
                if not durable:
                    self.conn.execute("PRAGMA synchronous = FULL")

    def _one(self, sql: str, params: tuple = ()) -> tuple | None:
        with self._lock:
            return self.conn.execute(sql, params).fetchone()

    def _all(self, sql: str, params: tuple = ()) -> list[tuple]:
        with self._lock:
            return self.conn.execute(sql, params).fetchall()

    # --- keys and settings ----------------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        row = self._one("SELECT value FROM meta WHERE key = ?", (key,))
        return row[0] if row else None

    def set_meta_once(self, key: str, value: str) -> str:
        """Store `value` unless `key` is already set; return what is stored (first one wins)."""
        with self._tx() as conn:
            conn.execute("INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO NOTHING",
                         (key, value))
            return conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()[0]

    # --- devices --------------------------------------------------------------------------
    def add_device_code(self, code_hash: str, name: str, expires_at: int) -> None:
        with self._tx() as conn:
            conn.execute("INSERT INTO device_codes(code_hash, name, expires_at) VALUES (?, ?, ?)",
                         (code_hash, name, expires_at))

    def claim_device_code(self, code_hash: str, public_key: bytes, name: str, now: int,
                          provisional_prefix: str) -> Device:
        """Use a code once and register the key; the same key presenting it again gets the same
        device back (its first answer may have been lost). ProblemError otherwise."""
        with self._tx() as conn:
            row = conn.execute("SELECT expires_at, used_at, used_by_key, device, name "
                               "FROM device_codes WHERE code_hash = ?", (code_hash,)).fetchone()
            again = redeem_code_rules(row, public_key, now)
            if again is not None:
                return self._device(conn, again)
            code_name = row[4]
            if conn.execute("SELECT 1 FROM devices WHERE public_key = ?", (public_key,)).fetchone():
                raise ProblemError("code_used", reason="key already registered")
            device = conn.execute(
                "INSERT INTO devices(public_key, prefix, provisional_prefix, name, created_at) "
                "VALUES (?, ?, ?, ?, ?) RETURNING device",
                (public_key, f"tmp-{code_hash[:16]}", provisional_prefix, name or code_name,
                 now)).fetchone()[0]
            prefix = self._free_prefix(conn, device)
            conn.execute("UPDATE devices SET prefix = ? WHERE device = ?", (prefix, device))
            conn.execute("UPDATE device_codes SET used_at = ?, used_by_key = ?, device = ? "
                         "WHERE code_hash = ? AND used_at IS NULL",
                         (now, public_key, device, code_hash))
            return self._device(conn, device)

    @staticmethod
    def _free_prefix(conn: sqlite3.Connection, device: int) -> str:
        # UNIQUE(prefix) is the guard; skipping prefixes held, or used before provisioning,
        # only avoids tripping it.
        def is_free(prefix: str) -> bool:
            return conn.execute("SELECT 1 FROM devices WHERE prefix = ? OR "
                                "provisional_prefix = ?", (prefix, prefix)).fetchone() is None

        return next(prefix for prefix in hub_prefixes(device) if is_free(prefix))

    @staticmethod
    def _device(conn: sqlite3.Connection, device: int) -> Device | None:
        row = conn.execute("SELECT device, public_key, prefix, provisional_prefix, name, "
                           "revoked_at FROM devices WHERE device = ?", (device,)).fetchone()
        return Device(*row) if row else None

    def device(self, device: int) -> Device | None:
        with self._read_lock:
            return self._device(self._reader, device)

    def revoke_device(self, device: int, at: str) -> bool:
        with self._tx() as conn:
            return conn.execute("UPDATE devices SET revoked_at = ? WHERE device = ? AND "
                                "revoked_at IS NULL", (at, device)).rowcount == 1

    def revocations(self) -> list[dict[str, Any]]:
        from kiosk.primitives.keys import key_id_of
        rows = self._all("SELECT device, public_key, revoked_at FROM devices "
                         "WHERE revoked_at IS NOT NULL ORDER BY device")
        return [{"device": d, "key_id": key_id_of(k).hex(), "revoked_at": at} for d, k, at in rows]

    def remember_nonce(self, device: int, nonce: RequestNonce) -> bool:
        """False when this device already used `nonce` (a replayed request).

        Not fsynced on its own: a nonce lost in a power cut can only let a request through again
        whose own effects were lost with it (or, being idempotent, do nothing twice), and the
        batch committed right after it carries it to disk. That saves an fsync per request."""
        with self._tx(durable=False) as conn:
            return self._remember(conn, device, nonce)

    def nonce_seen(self, device: int, value: str) -> bool:
        """True when this device's request with this nonce has already been taken."""
        with self._read_lock:
            return self._reader.execute("SELECT 1 FROM nonces WHERE device = ? AND nonce = ?",
                                        (device, value)).fetchone() is not None

    def _remember(self, conn: sqlite3.Connection, device: int, nonce: RequestNonce) -> bool:
        self._nonce_writes += 1
        if self._nonce_writes % 200 == 0:
            conn.execute("DELETE FROM nonces WHERE seen_at < ?", (nonce.now - 2 * nonce.window,))
        return conn.execute("INSERT INTO nonces(device, nonce, seen_at) VALUES (?, ?, ?) "
                            "ON CONFLICT DO NOTHING", (device, nonce.value, nonce.now)
                            ).rowcount == 1

    # --- ingest ---------------------------------------------------------------------------
    def ingest(self, device: int, receipt_id: str, received_at: str, signups: list[NewSignup],
               changes: list[Change], *, batch_id: str, digest: str, source: str,
               sign: SignReceipt, nonce: RequestNonce | None = None,
               handed_over: Callable[[], None] = lambda: None) -> list[Outcome]:
        """Store a batch in one transaction, with its receipt. Decisions come from constraints:
        a record id already present is a duplicate (same device, same body), a conflict (other
        body) or not this device's (other device); a card number already used is refused."""
        with self._tx() as conn:
            if nonce is not None and not self._remember(conn, device, nonce):
                raise ProblemError("replayed_request")
            # Binding a row's values is Python's work; the inserts into persons and signups,
            # with their indexes, are SQLite's, and run in one statement each, off the
            # interpreter lock, while the next batch is checked.
            conn.executemany(_STAGE, [(s.record_id, s.seq, s.card_number, s.id_number,
                                       s.body_json, s.body_hash, s.created_at, *s.facts)
                                      for s in signups])
            handed_over()
            outcomes = self._insert_signups(conn, device, receipt_id, received_at, signups)
            conn.execute("DELETE FROM temp.incoming")
            for change in changes:
                outcomes.append(self._apply_change(conn, device, receipt_id, change))
            body, signature = sign(outcomes)
            conn.execute("INSERT INTO receipts(receipt_id, device, batch_id, digest, source, body, "
                         "signature, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                         (receipt_id, device, batch_id, digest, source, body, signature,
                          received_at))
            conn.execute("UPDATE devices SET last_sync_at = ? WHERE device = ?",
                         (received_at, device))
        return outcomes

    def _insert_signups(self, conn: sqlite3.Connection, device: int, receipt_id: str,
                        received_at: str, signups: list[NewSignup]) -> list[Outcome]:
        """`signups`, which temp.incoming holds too, in the same order."""
        if not signups:
            return []
        # The usual batch is all new: persons first (the first sign-up of an ID number gives the
        # person), then the sign-ups, each linked to its person as it is inserted. Whether every
        # one went in is the database's answer (ON CONFLICT DO NOTHING skips a taken record id or
        # card number). If any did not, undo and take the careful path, which sorts them out.
        conn.execute("SAVEPOINT signups")
        conn.execute(
            "INSERT INTO persons(id_number, canonical_record, canonical_card, created_at) "
            "SELECT id_number, record_id, card_number, ? FROM temp.incoming WHERE true "
            "ORDER BY rowid ON CONFLICT(id_number) DO NOTHING", (received_at,))
        before = conn.total_changes
        conn.execute(_COPY_SIGNUPS, (device, receipt_id, received_at))
        if conn.total_changes - before == len(signups):
            conn.execute("RELEASE signups")
            return [Outcome(s.seq, s.record_id, "accepted") for s in signups]
        conn.execute("ROLLBACK TO signups")
        conn.execute("RELEASE signups")
        return self._insert_signups_one_by_one(conn, device, receipt_id, received_at, signups)

    def _insert_signups_one_by_one(self, conn: sqlite3.Connection, device: int,
                                   receipt_id: str, received_at: str,
                                   signups: list[NewSignup]) -> list[Outcome]:
        conn.execute(_COPY_SIGNUPS, (device, receipt_id, received_at))  # member ids: below
        held: dict[str, tuple] = {}
        ids = [s.record_id for s in signups]
        for i in range(0, len(ids), _CHUNK):
            chunk = ids[i:i + _CHUNK]
            for row in conn.execute(
                    "SELECT record_id, device, body_hash, receipt_id, seq FROM signups WHERE "
                    f"record_id IN ({','.join('?' * len(chunk))})", chunk):
                held[row[0]] = row
        outcomes, new = [], []
        for s in signups:
            row = held.get(s.record_id)
            if row is None:
                outcomes.append(Outcome(s.seq, s.record_id, "rejected", "card_number_taken"))
            elif row[3] == receipt_id and row[4] == s.seq:
                outcomes.append(Outcome(s.seq, s.record_id, "accepted"))
                new.append(s)
            elif row[1] != device:
                outcomes.append(Outcome(s.seq, s.record_id, "rejected", "record_not_yours"))
            elif row[2] != s.body_hash:
                outcomes.append(Outcome(s.seq, s.record_id, "rejected", "record_conflict"))
            else:
                outcomes.append(Outcome(s.seq, s.record_id, "duplicate"))
        # One person per ID number: the first sign-up to reach the hub gives the canonical card.
        conn.executemany(
            "INSERT INTO persons(id_number, canonical_record, canonical_card, created_at) "
            "VALUES (?, ?, ?, ?) ON CONFLICT(id_number) DO NOTHING",
            [(s.id_number, s.record_id, s.card_number, received_at) for s in new])
        conn.executemany(
            "UPDATE signups SET member_id = (SELECT member_id FROM persons p "
            "WHERE p.id_number = signups.id_number) WHERE record_id = ?",
            [(s.record_id,) for s in new])
        return outcomes

    def _apply_change(self, conn: sqlite3.Connection, device: int, receipt_id: str,
                      change: Change) -> Outcome:
        def out(status: str, problem: str = "") -> Outcome:
            return Outcome(change.seq, change.record_id, status, problem)

        seen = conn.execute("SELECT record_id, kind, body_hash FROM changes WHERE device = ? "
                            "AND seq = ?", (device, change.seq)).fetchone()
        if seen is not None:
            same = seen == (change.record_id, change.kind, change.body_hash)
            return out("duplicate") if same else out("rejected", "record_conflict")
        row = conn.execute("SELECT device, body, id_number, member_id FROM signups "
                           "WHERE record_id = ?", (change.record_id,)).fetchone()
        if row is None:
            return out("rejected", "unknown_record")
        if row[0] != device:
            return out("rejected", "record_not_yours")
        conn.execute("INSERT INTO changes(device, seq, record_id, kind, body_hash, receipt_id) "
                     "VALUES (?, ?, ?, ?, ?, ?)",
                     (device, change.seq, change.record_id, change.kind, change.body_hash,
                      receipt_id))
        if change.kind == "member.voided":
            conn.execute("UPDATE signups SET status = 'voided' WHERE record_id = ?",
                         (change.record_id,))
            return out("accepted")
        body = {**json.loads(row[1]), **change.body}
        body.pop("reason", None), body.pop("actor", None)
        id_number = change.id_number or row[2]
        conn.execute(f"UPDATE signups SET body = ?, {_SET_FACTS} WHERE record_id = ?",
                     (json.dumps(body, ensure_ascii=False, sort_keys=True),
                      *facts_of(body, id_number), change.record_id))
        if change.id_number and change.id_number != row[2]:
            self._move_signup(conn, change.record_id, row[3], change.id_number)
        return out("accepted")

    # --- reading --------------------------------------------------------------------------
    def card_status(self, card_number: str) -> dict[str, Any] | None:
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
            conn.executemany("INSERT INTO orgs(code, name, parent, county) VALUES (?, ?, ?, ?) "
                             "ON CONFLICT(code) DO UPDATE SET name = excluded.name, "
                             "parent = excluded.parent, county = excluded.county",
                             [(o["code"], o["name"], o.get("parent", ""), o.get("county", ""))
                              for o in orgs])

    def export_people(self) -> Iterator[dict[str, Any]]:
        """One dict per person with an active sign-up: the canonical sign-up's fields, the
        canonical card number, and every other card number as aliases."""
        with self._lock:
            rows = self.conn.execute(
                "SELECT p.member_id, p.canonical_card, c.body, "
                "(SELECT group_concat(card_number, ' ') FROM signups a WHERE a.member_id = "
                "p.member_id AND a.card_number != p.canonical_card ORDER BY a.received_at), "
                "(SELECT count(*) FROM signups a WHERE a.member_id = p.member_id) "
                "FROM persons p JOIN signups c ON c.record_id = p.canonical_record "
                "WHERE EXISTS (SELECT 1 FROM signups a WHERE a.member_id = p.member_id "
                "AND a.status = 'active') ORDER BY p.member_id").fetchall()
        for member_id, card, body, aliases, n in rows:
            yield {"member_id": member_id, "card_number": card, "aliases": aliases or "",
                   "signups": n, **json.loads(body)}

    def counts(self) -> dict[str, int]:
        with self._lock:
            signups = self.conn.execute("SELECT count(*) FROM signups").fetchone()[0]
            persons = self.conn.execute("SELECT count(*) FROM persons").fetchone()[0]
            devices = self.conn.execute("SELECT count(*) FROM devices").fetchone()[0]
        return {"signups": signups, "persons": persons, "devices": devices}
