"""Reading a hub's database directly in tests, whichever store holds it (SQLite or PostgreSQL).

SQL is written once with `?` placeholders (SQLite's); for PostgreSQL they become `%s`."""

from __future__ import annotations

import sqlite3
import uuid
from contextlib import contextmanager

from sync.hub.storage.open import is_postgres_url


def hub_rows(db: str, sql: str, params: tuple = ()) -> list[tuple]:
    if is_postgres_url(db):
        import psycopg
        with psycopg.connect(str(db)) as conn:
            return [tuple(r) for r in conn.execute(sql.replace("?", "%s"), params).fetchall()]
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def hub_count(db: str, sql: str = "SELECT count(*) FROM signups") -> int:
    return hub_rows(db, sql)[0][0]


@contextmanager
def pg_database(server_url: str):
    """A fresh, empty database on `server_url` for one test (or module); dropped afterwards."""
    import psycopg
    from urllib.parse import quote

    from psycopg.conninfo import conninfo_to_dict, make_conninfo
    name = f"ruhui_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE template0 STRATEGY file_copy')
    params = conninfo_to_dict(server_url)
    query = "&".join(f"{k}={quote(str(params[k]), safe='/')}" for k in ("host", "port")
                     if params.get(k))
    auth = quote(str(params.get("user", "")), safe="")
    if params.get("password"):
        auth += ":" + quote(str(params["password"]), safe="")
    url = f"postgresql://{auth}{'@' if auth else ''}/{name}" + (f"?{query}" if query else "")
    assert make_conninfo(url)
    try:
        yield url
    finally:
        with psycopg.connect(server_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
