"""The PostgreSQL store's connections: a small pool of our own (a list and a semaphore), whose
connections take the shared queries' ``?`` marks.

The hub's handlers run in Starlette's thread pool (up to 40 threads), so one connection per
thread would open up to 40 connections per process, and threads come and go; psycopg_pool
would be one more dependency for what these lines do. Connections are autocommit; every
multi-statement operation is an explicit ``conn.transaction()``. A connection that broke is
dropped, not reused.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import Any, Iterable, Iterator

import psycopg

from sync.hub.storage.dialect import POSTGRESQL


class QmarkCursor(psycopg.Cursor):
    """A cursor that runs the shared queries as written (``?`` marks, Dialect.sql)."""

    def execute(self, query: Any, params: Any = None, **kwargs: Any) -> "QmarkCursor":
        if isinstance(query, str):
            query = POSTGRESQL.sql(query)
        return super().execute(query, params, **kwargs)

    def executemany(self, query: Any, params_seq: Iterable[Any], **kwargs: Any) -> None:
        if isinstance(query, str):
            query = POSTGRESQL.sql(query)
        super().executemany(query, params_seq, **kwargs)


class Pool:
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
                conn = psycopg.connect(self.url, autocommit=True, cursor_factory=QmarkCursor)
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
