"""Schema migrations for the kiosk's SQLite file, written with sqlite-utils.

Each step is applied once, in its own transaction, and recorded in ``PRAGMA user_version``; every
step is also written so that running it again changes nothing (tables created only when missing,
columns added only when absent), because a half-upgraded file copied from another kiosk must
still open.
"""

from __future__ import annotations

import sqlite3
from typing import Any, Callable

from sqlite_utils import Database


def _create(db: Database, table: str, columns: dict[str, Any], *, pk: str,
            nullable: tuple[str, ...] = (), defaults: dict[str, Any] | None = None) -> bool:
    """Create `table` when missing, every column NOT NULL unless named in `nullable`; True when
    it was created now."""
    if db[table].exists():
        return False
    db[table].create(columns, pk=pk, defaults=defaults or {},
                     not_null={c for c in columns if c not in nullable and c != pk})
    return True


def _add_column(db: Database, table: str, column: str, kind: type,
                not_null_default: Any = None) -> None:
    if column not in db[table].columns_dict:
        db[table].add_column(column, kind, not_null_default=not_null_default)


def _v1_members_and_outbox(db: Database) -> None:
    text_fields = ("name", "id_number", "id_type", "mobile", "gender", "birth_date", "ethnicity",
                   "education", "political_status", "hukou", "group", "employer", "union_org",
                   "channel", "event", "volunteer")
    if _create(db, "members",
               {"record_id": str, "card_number": str, **dict.fromkeys(text_fields, str),
                "consent": int, "token": str, "created_at": str},
               pk="record_id",
               defaults=dict.fromkeys(("ethnicity", "education", "political_status", "hukou",
                                       "employer", "event", "volunteer"), "")):
        db["members"].create_index(["card_number"], "members_card_number", unique=True)
    _create(db, "outbox", {"id": int, "record_id": str, "kind": str, "body": str,
                           "created_at": str, "state": str, "attempts": int, "last_error": str,
                           "sent_at": str},
            pk="id", nullable=("last_error", "sent_at"),
            defaults={"state": "pending", "attempts": 0})
    _create(db, "counters", {"name": str, "value": int}, pk="name")
    _create(db, "settings", {"key": str, "value": str}, pk="key")


def _v2_status_audit_events(db: Database) -> None:
    """Voiding and correcting with an audit trail; events; consent provenance; search."""
    _add_column(db, "members", "status", str, "active")
    _add_column(db, "members", "void_reason", str, "")
    _add_column(db, "members", "updated_at", str)
    _add_column(db, "members", "consent_version", str, "")
    _add_column(db, "members", "device_prefix", str, "")
    _add_column(db, "members", "mobile_last4", str, "")
    db.execute("UPDATE members SET mobile_last4 = substr(mobile, -4) WHERE mobile_last4 = ''")
    # One active member per ID number: a partial index, which sqlite-utils cannot declare.
    db.execute("DROP INDEX IF EXISTS members_id_number")
    db.execute("CREATE UNIQUE INDEX IF NOT EXISTS members_active_id_number "
               "ON members(id_number) WHERE status = 'active'")
    _create(db, "audit", {"id": int, "record_id": str, "action": str, "actor": str, "reason": str,
                          "changes": str, "at": str},
            pk="id", defaults={"actor": "", "reason": "", "changes": "{}"})
    _create(db, "events", {"id": str, "name": str, "date": str, "place": str, "union_org": str,
                           "union_name": str, "default_group": str, "card_header": str,
                           "created_at": str},
            pk="id", defaults=dict.fromkeys(("place", "union_org", "union_name", "default_group",
                                             "card_header"), ""))


def _v3_print_queue(db: Database) -> None:
    """Cards waiting at the desk (self-registered workers collect a printed card)."""
    _create(db, "print_queue", {"record_id": str, "queued_at": str, "printed_at": str},
            pk="record_id", nullable=("printed_at",))
    db["print_queue"].create_index(["printed_at", "queued_at"], "print_queue_waiting",
                                   if_not_exists=True)


def _v4_sync_state(db: Database) -> None:
    """Sync with the hub: this device's identity, receipts, quarantine codes, orgs, revocations."""
    _add_column(db, "outbox", "error_code", str)
    _add_column(db, "outbox", "receipt_id", str)
    db["outbox"].create_index(["state", "id"], "outbox_state", if_not_exists=True)
    # One row, this device: a CHECK constraint, which sqlite-utils cannot declare.
    db.execute("""
        CREATE TABLE IF NOT EXISTS sync_device (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            hub_url TEXT NOT NULL,
            device INTEGER NOT NULL,
            prefix TEXT NOT NULL,
            hub_sign_key TEXT NOT NULL,
            hub_box_key TEXT NOT NULL,
            certificate TEXT NOT NULL,
            provisioned_at TEXT NOT NULL
        )""")
    _create(db, "sync_receipts", {"receipt_id": str, "body": str, "signature": str,
                                  "received_at": str}, pk="receipt_id")
    _create(db, "union_orgs", {"code": str, "name": str, "parent": str, "updated_at": str},
            pk="code", defaults={"parent": ""})
    _create(db, "revoked_devices", {"key_id": str, "device": int, "revoked_at": str},
            pk="key_id", nullable=("device",))


def _v5_export_log(db: Database) -> None:
    """Every export with full ID numbers: who (the OS user), how (cli), when, how many rows;
    never an ID number."""
    _create(db, "export_log", {"id": int, "actor": str, "via": str, "at": str, "full_ids": int,
                               "row_count": int}, pk="id")


MIGRATIONS: tuple[Callable[[Database], None], ...] = (
    _v1_members_and_outbox,
    _v2_status_audit_events,
    _v3_print_queue,
    _v4_sync_state,
    _v5_export_log,
)
LATEST = len(MIGRATIONS)


def migrate(conn: sqlite3.Connection, upto: int = LATEST) -> int:
    """Apply the steps after the file's version, up to `upto`; return the version reached.

    `conn` must be in autocommit mode (isolation_level=None): each step runs in BEGIN IMMEDIATE
    so two processes opening a fresh file at once do not both apply it.
    """
    db = Database(conn, recursive_triggers=False, execute_plugins=False)
    for number in range(1, upto + 1):
        conn.execute("BEGIN IMMEDIATE")
        try:
            if conn.execute("PRAGMA user_version").fetchone()[0] >= number:
                conn.execute("ROLLBACK")
                continue
            MIGRATIONS[number - 1](db)
            conn.execute(f"PRAGMA user_version = {number}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    return conn.execute("PRAGMA user_version").fetchone()[0]
