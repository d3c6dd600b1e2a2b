"""Batches arriving at the hub together (kiosks pipeline their uploads): one batch is checked
while another commits, and nothing is mixed up, lost or held up. Every test runs on each store.
"""

from __future__ import annotations

import threading
import uuid
from typing import Any, Callable

import pytest

from sync.client import Identity
from sync.client.uploader import build_envelope
from sync.hub.ingest import ingest_envelope
from sync.hub.keys import load_or_create_hub_keys
from sync.hub.storage.records import RequestNonce
from sync.protocol.problems import ProblemError
from sync.protocol.wire import from_ranges
from tests.support.hubserver import ThreadHub
from tests.support.kiosks import form, provisioned

WAIT = 30  # seconds; a call still running after this is stuck behind a lock


@pytest.fixture
def hub(hub_db):
    with ThreadHub(hub_db) as hub:
        yield hub


def returns(call: Callable[[], Any]) -> Any:
    """call()'s result, run on a thread; fails the test if it does not return within WAIT."""
    result: list[Any] = []
    thread = threading.Thread(target=lambda: result.append(call()), daemon=True)
    thread.start()
    thread.join(WAIT)
    assert not thread.is_alive(), "still waiting: a lock was not given back"
    assert result, "raised (see the thread's traceback above)"
    return result[0]


def envelopes(kiosk, first: int, batches: int, size: int) -> list[bytes]:
    """`batches` sealed batches of `size` new sign-ups each, numbered from `first`."""
    for n in range(first, first + batches * size):
        kiosk.enroll(form(n))
    rows = kiosk.store.pending_outbox(batches * size)
    identity = Identity.of(kiosk)
    return [build_envelope(kiosk, identity, rows[i:i + size])[1]
            for i in range(0, len(rows), size)]


def test_batches_ingested_at_once_from_several_kiosks_are_each_held_once(hub, tmp_path):
    keys = load_or_create_hub_keys(hub.store)
    kiosks = [provisioned(tmp_path / f"k{k}", hub.store, hub.url) for k in range(4)]
    work = [(kiosk, envelopes(kiosk, 1000 * k, batches=3, size=40))
            for k, kiosk in enumerate(kiosks)]
    receipts: list[Any] = []
    errors: list[BaseException] = []

    def upload(kiosk, sealed: list[bytes]) -> None:
        device = Identity.of(kiosk).device
        try:
            for envelope in sealed:
                receipts.append(ingest_envelope(hub.store, keys, envelope, auth_device=device))
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=upload, args=w) for w in work]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(WAIT)
    assert not any(thread.is_alive() for thread in threads) and not errors
    assert sorted(len(from_ranges(r.body["accepted"])) for r in receipts) == [40] * 12
    assert hub.store.counts() == {"signups": 480, "persons": 480, "devices": 4}


def test_a_batch_refused_whole_or_replayed_does_not_hold_up_the_next(hub, tmp_path):
    keys = load_or_create_hub_keys(hub.store)
    kiosk = provisioned(tmp_path / "k", hub.store, hub.url)
    device = Identity.of(kiosk).device
    first, second = envelopes(kiosk, 0, batches=2, size=5)
    nonce = RequestNonce(uuid.uuid4().hex, 1_800_000_000, 300)

    with pytest.raises(ProblemError) as refused:  # one byte changed
        ingest_envelope(hub.store, keys, first[:-1] + bytes([first[-1] ^ 1]), auth_device=device)
    assert refused.value.problem.name == "bundle_tampered"
    returns(lambda: ingest_envelope(hub.store, keys, first, auth_device=device, nonce=nonce))
    with pytest.raises(ProblemError) as replayed:  # the same signed request again
        ingest_envelope(hub.store, keys, first, auth_device=device, nonce=nonce)
    assert replayed.value.problem.name == "replayed_request"
    assert hub.store.nonce_seen(device, nonce.value)  # what the hub checks before any work
    assert not hub.store.nonce_seen(device, uuid.uuid4().hex)
    other = nonce._replace(value=uuid.uuid4().hex)
    receipt = returns(lambda: ingest_envelope(hub.store, keys, second, auth_device=device,
                                              nonce=other))
    assert len(from_ranges(receipt.body["accepted"])) == 5
    assert hub.store.counts()["signups"] == 10


def test_a_request_is_authenticated_while_a_batch_is_being_stored(hub, tmp_path):
    kiosk = provisioned(tmp_path / "k", hub.store, hub.url)
    device = Identity.of(kiosk).device
    inside, done = threading.Event(), threading.Event()

    def store_a_batch() -> None:
        with hub.store.begin_batch(device, uuid.uuid4().hex,
                                   "2026-05-01T00:00:00.000+00:00") as stored:
            stored.stage([])
            stored.write([])
            inside.set()  # inside the batch's transaction, where ingest signs its receipt
            assert done.wait(WAIT)
            stored.keep_receipt(batch_id=uuid.uuid4().hex, digest="0" * 64, source="online",
                                body="{}", signature="signature")

    batch = threading.Thread(target=store_a_batch)
    batch.start()
    try:
        assert inside.wait(WAIT)
        assert returns(lambda: hub.store.device(device)).device == device
    finally:
        done.set()
        batch.join(WAIT)
