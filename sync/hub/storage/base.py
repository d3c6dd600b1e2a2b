"""What each database gives the shared queries: connections and transactions (the hooks
below), and its dialect. sync.hub.storage.sqlite and .postgres implement the hooks; the query
classes (hub_queries, member_queries, admin_queries, export_queries) are written on top of
them, once.

A connection here is a DB-API connection whose ``execute`` takes a shared statement with ``?``
marks and returns a cursor (fetchone, fetchall, rowcount, iteration): sqlite3's own, or
psycopg's with the marks turned into its own (sync.hub.storage.pg_pool).
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any, Iterator

from sync.hub.storage.dialect import Dialect

INT64 = range(-2**63, 2**63)  # what an INTEGER (SQLite) or bigint (PostgreSQL) can hold


class SqlStore:
    dialect: Dialect

    def _tx(self, durable: bool = True) -> AbstractContextManager[Any]:
        """A write transaction's connection; committed when the block ends, rolled back if it
        raises. `durable=False`: the commit may reach the disk with the next durable one
        (SQLite, synchronous=NORMAL); PostgreSQL commits each transaction durably."""
        raise NotImplementedError

    def _read(self) -> AbstractContextManager[Any]:
        """A connection for several reads that belong together (no write of this process
        between them)."""
        raise NotImplementedError

    def _one(self, sql: str, params: tuple = ()) -> tuple | None:
        raise NotImplementedError

    def _all(self, sql: str, params: tuple = ()) -> list[tuple]:
        raise NotImplementedError

    def _lookup(self, sql: str, params: tuple) -> tuple | None:
        """A one-row read that never waits behind a batch being written: how a request is
        authenticated while the batch before it commits."""
        raise NotImplementedError

    def _stream(self, sql: str, params: tuple = ()) -> Iterator[tuple]:
        """The rows of a query too large to hold at once, as the database can give them."""
        raise NotImplementedError

    @staticmethod
    def _executemany(conn: Any, sql: str, rows: list[tuple]) -> int:
        """Run `sql` once per row in `conn`'s transaction; how many rows it changed in all."""
        raise NotImplementedError

    def _take_turns(self, conn: Any, lock: str) -> None:
        """Make `conn`'s transaction wait for any other one that named `lock`, in any hub
        process, until it ends (Dialect.turn_statement)."""
        statement = self.dialect.turn_statement(lock)
        if statement is not None:
            conn.execute(*statement)

    def _texts(self, rows: list[tuple]) -> list[tuple]:
        """`rows` with their text as the database can store it."""
        if self.dialect.holds_nul:
            return rows
        text = self.dialect.text
        return [tuple(text(v) if isinstance(v, str) else v for v in row) for row in rows]
