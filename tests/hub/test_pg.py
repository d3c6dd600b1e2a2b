"""The PostgreSQL hub store: migrations safe to repeat, several hub processes on one database,
and the `kiosk hub` commands with a postgresql:// URL. (The rest of the hub suite runs on both
stores through the `hub_db` fixture.)"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import psycopg
import pytest

from tests.support.hubdb import hub_rows
from kiosk.cli import main
from sync.client import Identity
from sync.client.uploader import build_envelope
from sync.hub.storage.postgres import LATEST, PgHubStore, apply_migrations, schema_version
from sync.protocol.auth import sign_request
from sync.protocol.receipt import verify_receipt
from sync.protocol.wire import from_ranges
from tests.support.hubserver import ProcessHub, ThreadHub
from tests.support.kiosks import form, id_number, provisioned, push


def test_migrations_apply_once_even_when_two_processes_start_together(pg_url):
    barrier = threading.Barrier(2)
    results: list[list[int]] = []

    def migrate() -> None:
        with psycopg.connect(pg_url, autocommit=True) as conn:
            barrier.wait()
            results.append(apply_migrations(conn))

    threads = [threading.Thread(target=migrate) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(results) == [[], list(range(1, LATEST + 1))]
    with psycopg.connect(pg_url, autocommit=True) as conn:
        assert apply_migrations(conn) == []  # and again later: nothing to do
        assert schema_version(conn) == LATEST
    store = PgHubStore(pg_url)  # opening a migrated database changes nothing either
    try:
        assert store.ready() == {"ok": True, "schema": LATEST, "expected": LATEST}
    finally:
        store.close()


def _post(kiosk, hub_url: str, envelope: bytes) -> dict:
    ident = Identity.of(kiosk)
    headers = sign_request(kiosk.device_key, ident.device, "POST", "/v1/batches", envelope,
                           int(time.time()))
    response = httpx.post(hub_url + "/v1/batches", content=envelope, headers=headers, timeout=60)
    assert response.status_code == 200, response.json()
    return verify_receipt(response.json(), ident.hub_sign_key).body


@pytest.mark.slow
def test_two_hub_processes_ingesting_the_same_batches_concurrently_make_no_duplicates(
        tmp_path, pg_url):
    hubs = [ProcessHub(pg_url).start(), ProcessHub(pg_url).start()]
    try:
        store = PgHubStore(pg_url)
        a = provisioned(tmp_path / "a", store, hubs[0].url)
        b = provisioned(tmp_path / "b", store, hubs[1].url)
        store.close()
        for n in range(400):
            a.enroll(form(n))
        for n in range(200, 600):  # 200 people sign up at both kiosks
            b.enroll(form(n, name="李四"))
        batches = []  # (kiosk, envelope, its seqs): 4 batches of 100 per kiosk
        for kiosk in (a, b):
            rows = kiosk.store.pending_outbox(400)
            for i in range(0, 400, 100):
                _batch, envelope = build_envelope(kiosk, Identity.of(kiosk),
                                                  rows[i:i + 100])
                batches.append((kiosk, envelope, {r["id"] for r in rows[i:i + 100]}))

        # every batch to both hubs at once: 16 requests released together
        jobs = [(kiosk, hub.url, envelope) for kiosk, envelope, _ in batches for hub in hubs]
        barrier = threading.Barrier(len(jobs))

        def deliver(job) -> dict:
            barrier.wait(30)
            return _post(*job)

        with ThreadPoolExecutor(len(jobs)) as pool:
            receipts = list(pool.map(deliver, jobs))

        for i, (_kiosk, _envelope, seqs) in enumerate(batches):
            first, second = receipts[2 * i], receipts[2 * i + 1]
            accepted = from_ranges(first["accepted"]) + from_ranges(second["accepted"])
            assert sorted(accepted) == sorted(seqs)  # each record taken once, by one hub
            assert not first["rejected"] and not second["rejected"]
            assert set(from_ranges(first["duplicate"]) + from_ranges(second["duplicate"])) \
                == seqs

        signups = hub_rows(pg_url, "SELECT record_id, id_number, member_id FROM signups")
        assert len(signups) == len({r[0] for r in signups}) == 800
        assert all(member is not None for _r, _i, member in signups)
        members = {}
        for _record, number, member in signups:
            assert members.setdefault(number, member) == member  # one member per person
        assert len(members) == 600 == len(set(members.values()))
        assert hub_rows(pg_url, "SELECT count(*) FROM persons") == [(600,)]
        # each person's canonical card is one of their own sign-ups
        assert hub_rows(pg_url, "SELECT count(*) FROM persons p JOIN signups s ON "
                                "s.record_id = p.canonical_record AND s.id_number = p.id_number "
                                "AND s.card_number = p.canonical_card") == [(600,)]
        assert hub_rows(pg_url, "SELECT count(*) FROM receipts") == [(16,)]
        shared = hub_rows(pg_url, "SELECT count(*) FROM signups WHERE id_number = ?",
                          (id_number(300),))
        assert shared == [(2,)]
        # the kiosks never saw those receipts: their next sync is all duplicates, none doubled
        assert push(a).sent == 400 and push(b).sent == 400
        assert hub_rows(pg_url, "SELECT count(*) FROM signups") == [(800,)]
        a.close(), b.close()
    finally:
        for hub in hubs:
            hub.stop()


def test_hub_commands_take_a_postgresql_url(pg_url, tmp_path, capsys):
    assert main(["hub", "device-code", "--db", pg_url, "--name", "县工会 1号机",
                 "--url", "http://hub.example:8600"]) == 0
    code = capsys.readouterr().out.strip().splitlines()[-1]
    assert code.endswith("@http://hub.example:8600") and len(code.split("@")[0]) == 14
    orgs = tmp_path / "orgs.json"
    orgs.write_text('[{"code": "CN-110105", "name": "朝阳区总工会"}]', encoding="utf-8")
    assert main(["hub", "orgs", str(orgs), "--db", pg_url]) == 0
    with ThreadHub(pg_url) as hub:
        store = hub.store
        assert store.orgs() == [{"code": "CN-110105", "name": "朝阳区总工会", "parent": ""}]
        kiosk = provisioned(tmp_path / "k", store, hub.url)
        device = Identity.of(kiosk).device
        assert main(["hub", "revoke", str(device), "--db", pg_url]) == 0
        assert store.device(device).revoked_at
        assert [r["device"] for r in store.revocations()] == [device]
        kiosk.close()
    capsys.readouterr()
    assert main(["hub", "backup", "--out", str(tmp_path / "x"), "--db", pg_url]) == 2
    assert "pg_dump" in capsys.readouterr().err
