"""The kiosk's background uploader: starts, uploads as sign-ups come, shows its status, stops."""

from __future__ import annotations

import time

import httpx

from sync.client import BackgroundSync, SyncConfig
from sync.client.background import Backoff
from tests.support.hubserver import ThreadHub
from tests.support.kiosks import form, open_kiosk, provisioned


def wait_until(predicate, deadline: float = 15.0) -> None:
    end = time.monotonic() + deadline
    while not predicate():
        assert time.monotonic() < end, "condition not reached"
        time.sleep(0.02)


def test_background_sync_uploads_new_signups_and_reports_status(tmp_path, hub_db):
    with ThreadHub(hub_db) as hub:
        kiosk = provisioned(tmp_path / "k", hub.store, hub.url)
        seen = []
        sync = BackgroundSync(kiosk, config=SyncConfig(idle_interval=30, batch_size=7))
        sync.on_status.append(seen.append)
        sync.start()
        try:
            for n in range(20):
                kiosk.enroll(form(n))  # each sign-up wakes the thread; the screen never waits
            wait_until(lambda: sync.status.sent == 20 and sync.status.state == "idle")
            assert sync.status.pending == 0 and sync.status.last_success
            assert any(s.state == "uploading" and s.progress_total for s in seen)
        finally:
            sync.stop()
        assert sync.status.state == "stopped"
        assert hub.store.counts()["signups"] == 20


def test_background_sync_waits_and_retries_when_the_hub_is_away(tmp_path, hub_db):
    with ThreadHub(hub_db) as hub:
        kiosk = provisioned(tmp_path / "k", hub.store, hub.url)
        calls = {"n": 0}
        real = httpx.HTTPTransport()

        def flaky(request: httpx.Request) -> httpx.Response:  # fault injection only
            calls["n"] += 1
            if calls["n"] <= 3:
                raise httpx.ConnectError("hub away", request=request)
            response = real.handle_request(request)
            response.read()
            return response

        kiosk.enroll(form(1))
        sync = BackgroundSync(kiosk, config=SyncConfig(backoff_base=0.01, backoff_max=0.05),
                              transport=httpx.MockTransport(flaky))
        states = []
        sync.on_status.append(lambda s: states.append(s.state))
        sync.start()
        try:
            wait_until(lambda: sync.status.sent == 1)
        finally:
            sync.stop()
            real.close()
        assert "waiting" in states and sync.status.last_error == ""


def test_unprovisioned_kiosk_says_so(tmp_path):
    kiosk = open_kiosk(tmp_path / "k")
    sync = BackgroundSync(kiosk, config=SyncConfig(idle_interval=30))
    sync.start()
    try:
        wait_until(lambda: sync.status.state == "unprovisioned")
    finally:
        sync.stop()


def test_backoff_is_jittered_and_capped():
    import random
    backoff = Backoff(1.0, 8.0, random.Random(1))
    delays = [backoff.next() for _ in range(10)]
    assert all(0 <= d <= 8.0 for d in delays) and len(set(delays)) == 10
    backoff.reset()
    assert backoff.next() <= 1.0
