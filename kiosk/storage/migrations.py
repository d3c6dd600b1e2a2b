"""Schema migrations for the kiosk's SQLite file.

Each step is applied once, in its own transaction, and recorded in ``PRAGMA user_version``; every
statement is also written so that running a step again changes nothing (IF NOT EXISTS, column
checks), because a half-upgraded file copied from another kiosk must still open.
"""

from __future__ import annotations

import sqlite3
from typing import Callable


def _columns(conn: sqlite3.Connection, table: str) -> set[str]:
    return {row[1] for row in conn.execute(f"PRAGMA table_info([{table}])")}


def _add_column(conn: sqlite3.Connection, table: str, column: str, decl: str) -> None:
    if column not in _columns(conn, table):
        conn.execute(f"ALTER TABLE [{table}] ADD COLUMN [{column}] {decl}")


def _run(conn: sqlite3.Connection, script: str) -> None:
    # Not executescript(): it commits first, which would break the step's transaction.
    for statement in script.split(";"):
        if statement.strip():
            conn.execute(statement)


def _v1_members_and_outbox(conn: sqlite3.Connection) -> None:
    _run(conn, 
        """
        CREATE TABLE IF NOT EXISTS members (
            record_id TEXT PRIMARY KEY,
            card_number TEXT NOT NULL UNIQUE,
            name TEXT NOT NULL,
            id_number TEXT NOT NULL,
            id_type TEXT NOT NULL,
            mobile TEXT NOT NULL,
            gender TEXT NOT NULL,
            birth_date TEXT NOT NULL,
            ethnicity TEXT NOT NULL DEFAULT '',
            education TEXT NOT NULL DEFAULT '',
            political_status TEXT NOT NULL DEFAULT '',
            hukou TEXT NOT NULL DEFAULT '',
            [group] TEXT NOT NULL,
            employer TEXT NOT NULL DEFAULT '',
            union_org TEXT NOT NULL,
            channel TEXT NOT NULL,
            event TEXT NOT NULL DEFAULT '',
            volunteer TEXT NOT NULL DEFAULT '',
            consent INTEGER NOT NULL,
            token TEXT NOT NULL,
            created_at TEXT NOT NULL
        );
        CREATE TABLE IF NOT EXISTS outbox (
            id INTEGER PRIMARY KEY,
            record_id TEXT NOT NULL,
            kind TEXT NOT NULL,
            body TEXT NOT NULL,
            created_at TEXT NOT NULL,
            state TEXT NOT NULL DEFAULT 'pending',
            attempts INTEGER NOT NULL DEFAULT 0,
            last_error TEXT,
            sent_at TEXT
        );
        CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        """
    )


def _v2_status_audit_events(conn: sqlite3.Connection) -> None:
    """Voiding and correcting with an audit trail; events; consent provenance; search."""
    _add_column(conn, "members", "status", "TEXT NOT NULL DEFAULT 'active'")
    _add_column(conn, "members", "void_reason", "TEXT NOT NULL DEFAULT ''")
    _add_column(conn, "members", "updated_at", "TEXT")
    _add_column(conn, "members", "consent_version", "TEXT NOT NULL DEFAULT ''")
    _add_column(conn, "members", "device_prefix", "TEXT NOT NULL DEFAULT ''")
    _add_column(conn, "members", "mobile_last4", "TEXT NOT NULL DEFAULT ''")
    conn.execute("UPDATE members SET mobile_last4 = substr(mobile, -4) WHERE mobile_last4 = ''")
    _run(conn, 
        """
        DROP INDEX IF EXISTS members_id_number;
        CREATE UNIQUE INDEX IF NOT EXISTS members_active_id_number
            ON members(id_number) WHERE status = 'active';
        CREATE TABLE IF NOT EXISTS audit (
            id INTEGER PRIMARY KEY,
            record_id TEXT NOT NULL,
            action TEXT NOT NULL,
            actor TEXT NOT NULL DEFAULT '',
            reason TEXT NOT NULL DEFAULT '',
            changes TEXT NOT NULL DEFAULT '{}',
            at TEXT NOT NULL
        );
        CREATE TABLE IF NOT EXISTS events (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            date TEXT NOT NULL,
            place TEXT NOT NULL DEFAULT '',
            union_org TEXT NOT NULL DEFAULT '',
            union_name TEXT NOT NULL DEFAULT '',
            default_group TEXT NOT NULL DEFAULT '',
            card_header TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL
        );
        """
    )


def _v3_print_queue(conn: sqlite3.Connection) -> None:
    """Cards waiting at the desk (self-registered workers collect a printed card)."""
    _run(conn, """
        CREATE TABLE IF NOT EXISTS print_queue (
            record_id TEXT PRIMARY KEY,
            queued_at TEXT NOT NULL,
            printed_at TEXT
        );
        CREATE INDEX IF NOT EXISTS print_queue_waiting ON print_queue(printed_at, queued_at)
        """)


def _v4_sync_state(conn: sqlite3.Connection) -> None:
    """Sync with the hub: this device's identity, receipts, quarantine codes, orgs, revocations."""
    _add_column(conn, "outbox", "error_code", "TEXT")
    _add_column(conn, "outbox", "receipt_id", "TEXT")
    _run(conn, """
        CREATE INDEX IF NOT EXISTS outbox_state ON outbox(state, id);
        CREATE TABLE IF NOT EXISTS sync_device (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            hub_url TEXT NOT NULL,
            device INTEGER NOT NULL,
            prefix TEXT NOT NULL,
            hub_sign_key TEXT NOT NULL,
            hub_box_key TEXT NOT NULL,
            certificate TEXT NOT NULL,
            provisioned_at TEXT NOT NULL
        );
        CREATE TABLE IF NOT EXISTS sync_receipts (
            receipt_id TEXT PRIMARY KEY,
            body TEXT NOT NULL,
            signature TEXT NOT NULL,
            received_at TEXT NOT NULL
        );
        CREATE TABLE IF NOT EXISTS union_orgs (
            code TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            parent TEXT NOT NULL DEFAULT '',
            updated_at TEXT NOT NULL
        );
        CREATE TABLE IF NOT EXISTS revoked_devices (
            key_id TEXT PRIMARY KEY,
            device INTEGER,
            revoked_at TEXT NOT NULL
        )
        """)


MIGRATIONS: tuple[Callable[[sqlite3.Connection], None], ...] = (
    _v1_members_and_outbox,
    _v2_status_audit_events,
    _v3_print_queue,
    _v4_sync_state,
)
LATEST = len(MIGRATIONS)


def migrate(conn: sqlite3.Connection, upto: int = LATEST) -> int:
    """Apply the steps after the file's version, up to `upto`; return the version reached.

    `conn` must be in autocommit mode (isolation_level=None): each step runs in BEGIN IMMEDIATE
    so two processes opening a fresh file at once do not both apply it.
    """
    for number in range(1, upto + 1):
        conn.execute("BEGIN IMMEDIATE")
        try:
            if conn.execute("PRAGMA user_version").fetchone()[0] >= number:
                conn.execute("ROLLBACK")
                continue
            MIGRATIONS[number - 1](conn)
            conn.execute(f"PRAGMA user_version = {number}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    return conn.execute("PRAGMA user_version").fetchone()[0]
