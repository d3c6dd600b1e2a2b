"""The hub store on one SQLite file: its connections, transactions and durability, and how a
batch's new sign-ups reach the tables. The queries themselves are shared with PostgreSQL
(sync.hub.storage.hub_queries and its siblings).

WAL with synchronous=FULL: a batch's commit is on disk before its receipt leaves the hub, so a
kiosk never marks sent what a power cut could take back. One writing connection behind a lock;
SQLite serialises writers anyway, and a batch is one short transaction. A second, read-only
connection answers who a request comes from while a batch is being written.
"""

from __future__ import annotations

import sqlite3
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from kiosk.primitives.private_files import DIR_MODE, private_file
from sync.hub.figure_counts import split_grouping_sets, sqlite_query
from sync.hub.storage.admin_queries import AdminQueries
from sync.hub.storage.dialect import SQLITE
from sync.hub.storage.export_queries import ExportQueries
from sync.hub.storage.hub_queries import FACTS, HubQueries, outcomes_of
from sync.hub.storage.member_queries import MemberQueries
from sync.hub.storage.records import FACT_COLUMNS, Change, NewSignup, Outcome, RequestNonce
from sync.hub.storage.schema import steps_for
from sync.protocol.problems import ProblemError

SCHEMA_STEPS = steps_for(SQLITE)
SCHEMA_VERSION = SCHEMA_STEPS[-1][0]  # PRAGMA user_version of a hub file that has them all
_CHUNK = 500  # host parameters per IN (...) list
# A batch's new sign-ups, as ingest hands them to SQLite (temp.incoming), and how they are copied
# into signups: ?1 device, ?2 receipt id, ?3 received at. ON CONFLICT DO NOTHING skips a taken
# record id or card number. (WHERE true: SQLite's parser needs it before ON CONFLICT in an
# INSERT ... SELECT.)
_INCOMING = ("record_id", "seq", "card_number", "id_number", "body", "body_hash", "created_at",
             *FACT_COLUMNS)
_STAGE = f"INSERT INTO temp.incoming VALUES ({', '.join('?' * len(_INCOMING))})"
_COPY_SIGNUPS = (
    "INSERT INTO signups(record_id, device, seq, card_number, id_number, body, body_hash, "
    f"created_at, receipt_id, received_at, {FACTS}, member_id) SELECT record_id, ?1, seq, "
    f"card_number, id_number, body, body_hash, created_at, ?2, ?3, {FACTS}, "
    "(SELECT member_id FROM persons p WHERE p.id_number = i.id_number) "
    "FROM temp.incoming i WHERE true ORDER BY rowid ON CONFLICT DO NOTHING")


class SqliteHubStore(HubQueries, MemberQueries, AdminQueries, ExportQueries):
    """The hub store on one SQLite file."""

    dialect = SQLITE

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
        if str(path) != ":memory:":
            private_file(self.path)  # the hub's private keys: 0600, and so -wal/-shm
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False,
                               timeout=30)
        # Taken only by a new file: a batch writes megabytes of rows and index entries, and in
        # 16 KB pages that is fewer WAL frames and B-tree splits than in 4 KB ones (HUB.md). An
        # older hub keeps its 4 KB pages, and works as well.
        conn.execute("PRAGMA page_size = 16384")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA cache_size = -32768")  # 32 MB: the random-key indexes stay cached
        conn.execute("BEGIN IMMEDIATE")
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        for step, statements in SCHEMA_STEPS:
            if step > version:
                for statement in statements:
                    conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {step}")
        conn.execute("COMMIT")
        # A batch's new sign-ups are handed to SQLite here (see _SqliteBatch), then copied into
        # persons and signups by SQLite alone. Per connection, in memory, empty between batches.
        conn.execute("PRAGMA temp_store = MEMORY")
        conn.execute(f"CREATE TEMP TABLE incoming ({', '.join(_INCOMING)})")
        self.conn = conn
        self._lock = threading.RLock()
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

    # --- what the shared queries run on (sync.hub.storage.base) ---------------------------
    @contextmanager
    def _tx(self, durable: bool = True) -> Iterator[sqlite3.Connection]:
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

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            yield self.conn

    def _one(self, sql: str, params: tuple = ()) -> tuple | None:
        with self._lock:
            return self.conn.execute(sql, params).fetchone()

    def _all(self, sql: str, params: tuple = ()) -> list[tuple]:
        with self._lock:
            return self.conn.execute(sql, params).fetchall()

    def _lookup(self, sql: str, params: tuple) -> tuple | None:
        with self._read_lock:
            return self._reader.execute(sql, params).fetchone()

    def _stream(self, sql: str, params: tuple = ()) -> Iterator[tuple]:
        return iter(self._all(sql, params))  # read at once: ingest waits only that long

    @staticmethod
    def _executemany(conn: sqlite3.Connection, sql: str, rows: list[tuple]) -> int:
        before = conn.total_changes
        conn.executemany(sql, rows)
        return conn.total_changes - before

    # --- what differs here ----------------------------------------------------------------
    def remember_nonce(self, device: int, nonce: RequestNonce) -> bool:
        """False when this device already used `nonce` (a replayed request).

        Not fsynced on its own: a nonce lost in a power cut can only let a request through again
        whose own effects were lost with it (or, being idempotent, do nothing twice), and the
        batch committed right after it carries it to disk. That saves an fsync per request."""
        with self._tx(durable=False) as conn:
            return self._remember(conn, device, nonce)

    @contextmanager
    def begin_batch(self, device: int, receipt_id: str, received_at: str, *,
                    nonce: RequestNonce | None = None) -> Iterator["_SqliteBatch"]:
        """One batch's transaction (sync.hub.storage.interface.BatchTransaction)."""
        with self._tx() as conn:
            if nonce is not None and not self._remember(conn, device, nonce):
                raise ProblemError("replayed_request")
            yield _SqliteBatch(self, conn, device, receipt_id, received_at)

    def figure_rows(self, since: str = "", until: str = "", group: str = "",
                    county: str = "") -> tuple[list, list]:
        """The members counted for the figures (sync.hub.figure_counts): their canonical sign-up's
        day in [since, until] (YYYY-MM-DD, '' for open), of `group` and in `county` when given.
        One pass over the plain columns, counted two ways: (WHERE_ROWS, count) and
        (WHO_ROWS, count)."""
        sql, params = sqlite_query(since, until, group, county)
        return split_grouping_sets(self._all(sql, params))  # one statement: one snapshot


class _SqliteBatch:
    """A batch in SQLite's one write transaction. Binding a row's values is Python's work
    (stage); the inserts into persons and signups, with their indexes, are SQLite's, one
    statement each, off the interpreter lock (write), while the next batch is checked."""

    def __init__(self, store: SqliteHubStore, conn: sqlite3.Connection, device: int,
                 receipt_id: str, received_at: str) -> None:
        self._store, self._conn, self._device = store, conn, device
        self._receipt_id, self._received_at = receipt_id, received_at
        self._signups: list[NewSignup] = []

    def stage(self, signups: list[NewSignup]) -> None:
        self._signups = signups
        self._conn.executemany(_STAGE, [(s.record_id, s.seq, s.card_number, s.id_number,
                                         s.body_json, s.body_hash, s.created_at, *s.facts)
                                        for s in signups])

    def write(self, changes: list[Change]) -> list[Outcome]:
        outcomes = self._insert_signups()
        self._conn.execute("DELETE FROM temp.incoming")
        for change in changes:
            outcomes.append(self._store._apply_change(self._conn, self._device,
                                                      self._receipt_id, change))
        return outcomes

    def keep_receipt(self, *, batch_id: str, digest: str, source: str, body: str,
                     signature: str) -> None:
        self._store._keep_receipt(self._conn, self._device, self._receipt_id,
                                  self._received_at, batch_id=batch_id, digest=digest,
                                  source=source, body=body, signature=signature)

    def _insert_signups(self) -> list[Outcome]:
        """The staged sign-ups, which temp.incoming holds in the same order."""
        conn, signups = self._conn, self._signups
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
            "ORDER BY rowid ON CONFLICT(id_number) DO NOTHING", (self._received_at,))
        before = conn.total_changes
        conn.execute(_COPY_SIGNUPS, (self._device, self._receipt_id, self._received_at))
        if conn.total_changes - before == len(signups):
            conn.execute("RELEASE signups")
            return [Outcome(s.seq, s.record_id, "accepted") for s in signups]
        conn.execute("ROLLBACK TO signups")
        conn.execute("RELEASE signups")
        return self._insert_signups_one_by_one()

    def _insert_signups_one_by_one(self) -> list[Outcome]:
        conn, signups, receipt_id = self._conn, self._signups, self._receipt_id
        # member ids: below
        conn.execute(_COPY_SIGNUPS, (self._device, receipt_id, self._received_at))
        stored, held = {}, {}
        ids = [s.record_id for s in signups]
        for i in range(0, len(ids), _CHUNK):
            chunk = ids[i:i + _CHUNK]
            for record_id, device, body_hash, receipt, seq in conn.execute(
                    "SELECT record_id, device, body_hash, receipt_id, seq FROM signups WHERE "
                    f"record_id IN ({','.join('?' * len(chunk))})", chunk):
                if receipt == receipt_id:
                    stored[record_id] = seq
                held[record_id] = (device, body_hash)
        outcomes, new = outcomes_of(signups, self._device, stored, held)
        # One person per ID number: the first sign-up to reach the hub gives the canonical card.
        conn.executemany(
            "INSERT INTO persons(id_number, canonical_record, canonical_card, created_at) "
            "VALUES (?, ?, ?, ?) ON CONFLICT(id_number) DO NOTHING",
            [(s.id_number, s.record_id, s.card_number, self._received_at) for s in new])
        conn.executemany(
            "UPDATE signups SET member_id = (SELECT member_id FROM persons p "
            "WHERE p.id_number = signups.id_number) WHERE record_id = ?",
            [(s.record_id,) for s in new])
        return outcomes
