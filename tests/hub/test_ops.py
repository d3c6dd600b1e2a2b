"""Running the hub: /healthz and /readyz, JSON log lines without personal data, and a backup of
the SQLite hub taken while it ingests."""

from __future__ import annotations

import json
import sqlite3
import threading

import httpx

from kiosk.cli import main
from tests.support.hubserver import ProcessHub, ThreadHub
from tests.support.kiosks import form, id_number, provisioned, push
from sync.hub.storage.open import open_hub_store


def test_healthz_and_readyz_say_alive_and_ready_then_not_ready_without_a_database(hub_db):
    with ThreadHub(hub_db) as hub:
        assert httpx.get(f"{hub.url}/healthz").json() == {"ok": True}
        ready = httpx.get(f"{hub.url}/readyz")
        assert ready.status_code == 200 and ready.json()["ok"] is True
        assert ready.json()["store"] == ("postgresql" if hub_db.startswith("postgresql")
                                         else "sqlite")
        hub.store.close()  # the database is gone from under the process
        assert httpx.get(f"{hub.url}/healthz").status_code == 200  # still alive
        gone = httpx.get(f"{hub.url}/readyz")
        assert (gone.status_code, gone.json()["code"]) == (503, "503.1")


def test_hub_logs_one_json_line_per_request_with_counts_and_no_personal_data(tmp_path):
    hub = ProcessHub(tmp_path / "hub.sqlite3").start()
    try:
        store = open_hub_store(hub.db)
        kiosk = provisioned(tmp_path / "k", store, hub.url)
        store.close()
        people = [form(n, name="欧阳娜娜") for n in range(12)]
        for person in people:
            kiosk.enroll(person)
        assert push(kiosk, batch_size=5).sent == 12
        httpx.get(f"{hub.url}/v1/cards/A00C-000001-7")
        hub.proc.terminate()
        hub.proc.wait(10)
        text = hub.log_text()
    finally:
        hub.stop()
    lines = [json.loads(line) for line in text.splitlines() if line.startswith("{")]
    batches = [e for e in lines if e.get("route") == "/v1/batches"]
    # the uploader keeps two batches in flight, so their log lines may come in either order
    assert sorted(e["accepted"] for e in batches) == [2, 5, 5]
    assert all(e["status"] == 200 and e["device"] >= 1 and e["duration_ms"] >= 0
               and e["event"] == "request" for e in batches)
    assert any(e.get("route") == "/v1/cards/{card_number}" for e in lines)
    for person in people:  # no ID number (not even its tail), mobile or name
        assert id_number(0)[:6] not in text
        assert person["id_number"][-8:] not in text and person["mobile"] not in text
    assert "欧阳" not in text and "A00C-000001" not in text


def test_backup_taken_during_ingest_is_a_consistent_copy(tmp_path):
    with ThreadHub(tmp_path / "hub.sqlite3") as hub:
        kiosk = provisioned(tmp_path / "k", hub.store, hub.url)
        for n in range(1500):
            kiosk.enroll(form(n))
        pusher = threading.Thread(target=push, args=(kiosk,), kwargs={"batch_size": 50})
        pusher.start()
        copies: list[int] = []
        while pusher.is_alive() or not copies:
            out = tmp_path / f"copy{len(copies)}.sqlite3"
            assert main(["hub", "backup", "--out", str(out), "--db", hub.db]) == 0
            conn = sqlite3.connect(out)
            try:
                assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
                held, persons, receipts = conn.execute(
                    "SELECT (SELECT count(*) FROM signups), (SELECT count(*) FROM persons), "
                    "(SELECT count(*) FROM receipts)").fetchone()
            finally:
                conn.close()
            assert held % 50 == 0 and held == persons == 50 * receipts  # whole batches only
            copies.append(held)
        pusher.join()
    assert kiosk.store.outbox_counts()["pending"] == 0
    assert any(0 < held < 1500 for held in copies), copies  # at least one taken mid-ingest
