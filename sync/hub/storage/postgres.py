"""The hub store on PostgreSQL (psycopg 3): its connections (sync.hub.storage.pg_pool), its
migrations, and how a batch's new sign-ups reach the tables. The queries themselves are shared
with SQLite (sync.hub.storage.hub_queries and its siblings).

Several hub processes may share one database, so nothing here relies on this process's memory:

- a record is stored once because ``signups.record_id`` and ``signups.card_number`` are unique and
  inserted with ``ON CONFLICT DO NOTHING``; a person once because ``persons.id_number`` is. Under
  READ COMMITTED an insert that meets a row another transaction has not committed yet waits for
  that transaction, and the next statement's snapshot sees what it committed; so after the insert
  one SELECT tells, per record, whether this transaction stored it or someone did before
  (duplicate, conflict, not yours). No SERIALIZABLE retries in the common path.
- rows are inserted in key order (record id, then ID number), so two transactions that share keys
  take their row locks in the same order and cannot deadlock on them. Should the server still
  report a deadlock or a serialization failure before the receipt was signed, the batch is retried
  whole (it was rolled back whole).
- provisioning is rare and picks the next free card prefix by looking at what is taken: it runs
  under a transaction-scoped advisory lock, so two hubs never hand out one prefix.
- a correction reads and rewrites a record's body: it locks that row first (FOR UPDATE).

PostgreSQL refuses NUL in text, which SQLite stores: a record with a NUL in a stored field is
refused per record (``invalid_record``), never as a 500 for the whole batch.

Migrations (sync.hub.storage.schema): each step runs once, in one transaction, recorded in
``schema_migrations``. Two hub processes starting together against one empty database serialise
on a transaction-scoped advisory lock, so neither sees a half-made schema and neither applies a
step twice; applying them again later is a no-op (tests/hub/test_pg.py checks both).
"""

from __future__ import annotations

from contextlib import ExitStack, contextmanager
from typing import Any, Iterator

import psycopg
from psycopg import errors as pg_errors

from sync.hub.figure_counts import postgres_query, split_grouping_sets
from sync.hub.storage.admin_queries import AdminQueries
from sync.hub.storage.dialect import POSTGRESQL
from sync.hub.storage.export_queries import ExportQueries
from sync.hub.storage.hub_queries import FACTS, HubQueries, outcomes_of
from sync.hub.storage.member_queries import MemberQueries
from sync.hub.storage.pg_pool import Pool
from sync.hub.storage.records import FACT_COLUMNS, Change, NewSignup, Outcome, RequestNonce
from sync.hub.storage.schema import steps_for
from sync.protocol.problems import ProblemError

SCHEMA_STEPS = steps_for(POSTGRESQL)
LATEST = SCHEMA_STEPS[-1][0]
_RETRIES = 5


def apply_migrations(conn: Any) -> list[int]:
    """Apply the steps this database lacks (psycopg connection, autocommit); returns them."""
    applied: list[int] = []
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (POSTGRESQL.locks["migrations"],))
        conn.execute("CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, "
                     "applied_at timestamptz NOT NULL DEFAULT now())")
        done = {v for (v,) in conn.execute("SELECT version FROM schema_migrations")}
        for version, statements in SCHEMA_STEPS:
            if version in done:
                continue
            for statement in statements:
                conn.execute(statement)
            conn.execute("INSERT INTO schema_migrations(version) VALUES (%s)", (version,))
            applied.append(version)
    return applied


def schema_version(conn: Any) -> int:
    """The highest applied step (0 for an empty database)."""
    row = conn.execute("SELECT to_regclass('schema_migrations') IS NOT NULL").fetchone()
    if not row[0]:
        return 0
    return conn.execute("SELECT coalesce(max(version), 0) FROM schema_migrations").fetchone()[0]


class PgHubStore(HubQueries, MemberQueries, AdminQueries, ExportQueries):
    """The hub store on a PostgreSQL database (``postgresql://`` URL, libpq syntax)."""

    dialect = POSTGRESQL

    def __init__(self, url: str, *, pool_size: int = 8) -> None:
        self.url = url
        self._pool = Pool(url, pool_size)
        with self._pool.connection() as conn:
            apply_migrations(conn)

    def close(self) -> None:
        self._pool.close()

    def ready(self) -> dict[str, Any]:
        """For /readyz: the database answers and holds every migration this code knows."""
        with self._pool.connection() as conn:
            version = schema_version(conn)
        return {"ok": version >= LATEST, "schema": version, "expected": LATEST}

    # --- what the shared queries run on (sync.hub.storage.base) ---------------------------
    @contextmanager
    def _tx(self, durable: bool = True) -> Iterator[psycopg.Connection]:
        with self._pool.connection() as conn, conn.transaction():
            yield conn

    def _read(self) -> Any:
        return self._tx()

    def _one(self, sql: str, params: tuple = ()) -> tuple | None:
        with self._pool.connection() as conn:
            return conn.execute(sql, params).fetchone()

    def _all(self, sql: str, params: tuple = ()) -> list[tuple]:
        with self._pool.connection() as conn:
            return conn.execute(sql, params).fetchall()

    def _lookup(self, sql: str, params: tuple) -> tuple | None:
        return self._one(sql, params)

    def _stream(self, sql: str, params: tuple = ()) -> Iterator[tuple]:
        # A server-side cursor (which takes psycopg's marks as they are).
        with self._tx() as conn, conn.cursor(name="hub_stream") as cur:
            cur.itersize = 2000
            cur.execute(POSTGRESQL.sql(sql), params)
            yield from cur

    @staticmethod
    def _executemany(conn: psycopg.Connection, sql: str, rows: list[tuple]) -> int:
        with conn.cursor() as cur:
            cur.executemany(sql, rows)
            return cur.rowcount

    # --- what differs here ----------------------------------------------------------------
    def remember_nonce(self, device: int, nonce: RequestNonce) -> bool:
        """False when this device already used `nonce` (a replayed request, at any hub)."""
        with self._pool.connection() as conn:
            return self._remember(conn, device, nonce)

    @contextmanager
    def begin_batch(self, device: int, receipt_id: str, received_at: str, *,
                    nonce: RequestNonce | None = None) -> Iterator["_PgBatch"]:
        """One batch's transaction (sync.hub.storage.interface.BatchTransaction). It takes a
        connection only at ``write``: the writes are the server's work, and several batches'
        may be under way."""
        with ExitStack() as held:
            yield _PgBatch(self, held, device, receipt_id, received_at, nonce)

    def figure_rows(self, since: str = "", until: str = "", group: str = "",
                    county: str = "") -> tuple[list, list]:
        """As SqliteHubStore.figure_rows, with PostgreSQL's one statement (GROUPING SETS)."""
        sql, params = postgres_query(*map(self.dialect.text, (since, until, group, county)))
        with self._tx() as conn:
            # The planner's cost for this one pass is high enough to switch JIT compilation on,
            # which takes longer than the query (HUB.md); and its hashes fit in 64 MB.
            conn.execute("SET LOCAL jit = off")
            conn.execute("SET LOCAL work_mem = '64MB'")
            return split_grouping_sets(conn.execute(sql, params).fetchall())


def _storable(s: NewSignup) -> bool:
    return not any("\x00" in v for v in (s.record_id, s.card_number, s.id_number, s.body_json,
                                         s.created_at, *s.facts))


class _PgBatch:
    """A batch in one PostgreSQL transaction, begun at ``write`` and held open (``held``, the
    batch's ExitStack) until the receipt is in: committed when the batch's block ends."""

    def __init__(self, store: PgHubStore, held: ExitStack, device: int, receipt_id: str,
                 received_at: str, nonce: RequestNonce | None) -> None:
        self._store, self._held, self._device = store, held, device
        self._receipt_id, self._received_at, self._nonce = receipt_id, received_at, nonce
        self._signups: list[NewSignup] = []
        self._conn: psycopg.Connection | None = None

    def stage(self, signups: list[NewSignup]) -> None:
        self._signups = signups  # bound at write, by the server's unnest of whole arrays

    def write(self, changes: list[Change]) -> list[Outcome]:
        conn = self._conn = self._held.enter_context(self._store._pool.connection())
        for attempt in range(1, _RETRIES + 1):
            try:
                with ExitStack() as this_try:
                    this_try.enter_context(conn.transaction())
                    outcomes = self._write(conn, changes)
                    self._held.enter_context(this_try.pop_all())  # open until the receipt
                return outcomes
            except (pg_errors.DeadlockDetected, pg_errors.SerializationFailure):
                # rolled back whole, and no receipt was made for it: safe to run again
                if attempt == _RETRIES:
                    raise
        raise AssertionError("unreachable")

    def keep_receipt(self, *, batch_id: str, digest: str, source: str, body: str,
                     signature: str) -> None:
        self._store._keep_receipt(self._conn, self._device, self._receipt_id,
                                  self._received_at, batch_id=batch_id, digest=digest,
                                  source=source, body=body, signature=signature)

    def _write(self, conn: psycopg.Connection, changes: list[Change]) -> list[Outcome]:
        if self._nonce is not None and not self._store._remember(conn, self._device,
                                                                  self._nonce):
            raise ProblemError("replayed_request")
        outcomes = self._insert_signups(conn)
        for change in changes:
            outcomes.append(self._store._apply_change(conn, self._device, self._receipt_id,
                                                      change))
        return outcomes

    def _insert_signups(self, conn: psycopg.Connection) -> list[Outcome]:
        device, receipt_id, received_at = self._device, self._receipt_id, self._received_at
        outcomes: list[Outcome] = []
        storable = []
        for s in self._signups:
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
        stored = dict(conn.execute(
            "INSERT INTO signups(record_id, device, seq, card_number, id_number, member_id, body, "
            f"body_hash, created_at, receipt_id, received_at, {FACTS}) "
            f"SELECT r, %s, q, c, i, m, b, h, t, %s, %s, {facts[0]} FROM unnest(%b::text[], "
            "%b::bigint[], %b::text[], %b::text[], %b::bigint[], %b::text[], %b::text[], "
            f"%b::text[]{facts[1]}) AS u(r, q, c, i, m, b, h, t, {facts[0]}) ORDER BY r "
            "ON CONFLICT DO NOTHING RETURNING record_id, seq",
            (device, receipt_id, received_at, [s.record_id for s in storable],
             [s.seq for s in storable], [s.card_number for s in storable],
             [s.id_number for s in storable], [member[s.id_number] for s in storable],
             [s.body_json for s in storable], [s.body_hash for s in storable],
             [s.created_at for s in storable], *map(list, zip(*(s.facts for s in storable))))))
        others = [s.record_id for s in storable if stored.get(s.record_id) != s.seq]
        held = {row[0]: row[1:] for row in conn.execute(
            "SELECT record_id, device, body_hash FROM signups WHERE record_id = ANY(%b::text[])",
            (others,))} if others else {}
        sorted_out, new = outcomes_of(storable, device, stored, held)
        outcomes += sorted_out
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
