"""A SQLite hub made by the first schema (before the admin pages) opens with today's code: it
takes every later step once, its sign-ups get their figure and search columns from their
bodies, and opening it again changes nothing."""

from __future__ import annotations

import json
import sqlite3

from sync.hub.storage.sqlite import SCHEMA_STEPS, SCHEMA_VERSION, SqliteHubStore
from tests.support.kiosks import id_number


def test_a_first_schema_hub_is_upgraded_and_its_sign_ups_backfilled(tmp_path):
    path = tmp_path / "old-hub.sqlite3"
    number = id_number(5, region="650102")
    body = {"name": "阿依古丽·买买提", "id_number": number, "mobile": "13912345678",
            "group": "courier", "union_org": "ORG-A", "event": "五一入会仪式",
            "channel": "ceremony", "created_at": "2026-05-01T09:30:00.000+08:00"}
    conn = sqlite3.connect(path)
    for statement in SCHEMA_STEPS[0][1]:  # the first schema
        conn.execute(statement)
    conn.execute("INSERT INTO persons(id_number, canonical_record, canonical_card, created_at) "
                 "VALUES (?, 'r1', 'AB12-000001-X', '2026-05-01')", (number,))
    conn.execute("INSERT INTO signups(record_id, device, seq, card_number, id_number, member_id, "
                 "body, body_hash, created_at, receipt_id, received_at) VALUES ('r1', 1, 1, "
                 "'AB12-000001-X', ?, 1, ?, 'h', ?, 'rc', '2026-05-01')",
                 (number, json.dumps(body, ensure_ascii=False), body["created_at"]))
    conn.commit()
    conn.close()

    for _ in range(2):  # the second opening finds nothing left to do
        store = SqliteHubStore(path)
        assert store.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        row = store.conn.execute("SELECT grp, union_org, event, channel, day, area, name, "
                                 "mobile4, body_hash FROM signups").fetchone()
        assert row == ("courier", "ORG-A", "五一入会仪式", "ceremony", "2026-05-01", "650102",
                       "阿依古丽·买买提", "5678", "h")
        assert store.admin_users() == []
        assert store.conn.execute("PRAGMA page_size").fetchone()[0] == 4096  # kept as it was
        store.close()


def test_a_new_hub_file_takes_16_kb_pages(tmp_path):
    store = SqliteHubStore(tmp_path / "hub.sqlite3")
    assert store.conn.execute("PRAGMA page_size").fetchone()[0] == 16384
    store.close()
