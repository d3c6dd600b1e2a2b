"""End to end: a real hub (uvicorn subprocess), two kiosks, and a proxy of our own in between that
cuts requests, drops answers after the hub committed, answers 500, delays past the client's
timeout and delivers a batch twice; the hub is SIGKILLed mid-batch and restarted, a kiosk is
SIGKILLed mid-sync and restarted. Afterwards the hub holds exactly the kiosks' sign-ups. Run on
each hub store (SQLite file, PostgreSQL database)."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time

import pytest

from sync.client import RetryLaterError
from tests.support.hubdb import hub_rows
from sync.hub.storage.open import open_hub_store
from tests.support.faultproxy import FaultProxy
from tests.support.hubserver import ProcessHub
from tests.support.kiosks import form, id_number, no_keepalive, provisioned, push

pytestmark = pytest.mark.slow


def drain(kiosk, deadline: float = 60.0, **options) -> int:
    """Push until nothing is pending, retrying at once after each failure; returns attempts."""
    end, attempts = time.monotonic() + deadline, 0
    while kiosk.store.outbox_counts()["pending"]:
        assert time.monotonic() < end, "the outbox did not drain"
        attempts += 1
        try:
            push(kiosk, transport=no_keepalive(), **options)
        except RetryLaterError:
            pass
    return attempts


def hub_state(db) -> tuple[list[str], int]:
    ids = [r[0] for r in hub_rows(db, "SELECT record_id FROM signups")]
    return ids, hub_rows(db, "SELECT count(*) FROM persons")[0][0]


def record_ids(kiosk) -> set[str]:
    return {s.record_id for s in kiosk.store.search(limit=100000)}


def wait_for(event: threading.Event, what: str) -> None:
    assert event.wait(20), f"timed out waiting for {what}"


def test_hub_holds_each_signup_exactly_once_whatever_the_network_does(tmp_path, hub_db):
    hub = ProcessHub(hub_db).start()
    try:
        with FaultProxy(hub.port, cut_bytes=400, delay=2.0) as proxy:
            store = open_hub_store(hub.db)
            a = provisioned(tmp_path / "a", store, proxy.url)
            b = provisioned(tmp_path / "b", store, proxy.url)
            store.close()
            for n in range(150):
                a.enroll(form(n))
            for n in range(140, 290):  # ten people sign up at both kiosks
                b.enroll(form(n))

            # 1. every kind of network fault, on small batches
            proxy.plan(["cut_request", "drop_response", "pass", "error500", "delay", "duplicate",
                        "pass", "drop_response", "cut_request", "duplicate", "error500", "delay"])
            drain(a, batch_size=10, read_timeout=1.0)
            assert {"cut_request", "drop_response", "error500", "delay",
                    "duplicate"} <= set(proxy.faults_done)

            # 2. the hub is SIGKILLed while a batch is in flight (its answer held back), restarted
            proxy.plan(["hold"])
            failed = threading.Event()

            def push_b() -> None:
                try:
                    push(b, transport=no_keepalive(), batch_size=60)
                except RetryLaterError:
                    failed.set()

            pusher = threading.Thread(target=push_b)
            pusher.start()
            wait_for(proxy.held, "the batch to reach the hub")
            hub.kill()
            proxy.release()
            pusher.join(30)
            assert failed.is_set()
            # ... and once more while the hub is still reading a slow request body
            hub.start()
            proxy.link(rate_bps=200_000)
            b.enroll(form(400))
            killer = threading.Timer(0.2, hub.kill)
            killer.start()
            with pytest.raises(RetryLaterError):
                push(b, transport=no_keepalive(), batch_size=200)
            killer.join()
            proxy.link(None)
            hub.start()
            drain(b, batch_size=60)

            # 3. a kiosk process is SIGKILLed mid-sync, then synced again
            for n in range(500, 540):
                b.enroll(form(n))
            proxy.held.clear()
            proxy.plan(["hold"])  # config passes, the batch is held after the hub has it
            sync = subprocess.Popen([sys.executable, "-m", "kiosk.cli", "--data-dir",
                                     str(tmp_path / "b"), "sync", "--once"],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                wait_for(proxy.held, "the kiosk's batch")
                sync.send_signal(signal.SIGKILL)
                sync.wait(10)
            finally:
                proxy.release()
            assert b.store.outbox_counts()["pending"] == 40  # the kiosk never saw the receipt
            drain(b, batch_size=60)

            ids, persons = hub_state(hub.db)
            expected = record_ids(a) | record_ids(b)
            assert len(ids) == len(set(ids)) == len(expected)
            assert set(ids) == expected
            assert persons == len({id_number(n) for n in [*range(290), 400, *range(500, 540)]})
            for kiosk in (a, b):
                assert kiosk.store.outbox_counts()["pending"] == 0
                assert kiosk.store.outbox_counts()["quarantined"] == 0
            a.close(), b.close()
    finally:
        hub.stop()
