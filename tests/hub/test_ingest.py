"""The hub's ingest through a real uvicorn on 127.0.0.1: exactly once, conflicts, people, auth.
Every test runs on each store (SQLite, PostgreSQL): the `hub_db` fixture in conftest.py."""

from __future__ import annotations

import csv
import json
import threading
import time
from itertools import count

import httpx
import pytest

from kiosk.primitives.keys import DeviceKey
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sync.client import DeviceRefusedError, Identity, provision
from sync.client.uploader import build_envelope
from sync.hub.provisioning import make_device_code
from sync.protocol.auth import sign_request
from sync.protocol.problems import ProblemError
from sync.protocol.receipt import verify_receipt
from sync.protocol.wire import from_ranges
from tests.support.hubserver import ThreadHub
from tests.support.kiosks import form, id_number, open_kiosk, provisioned, push, uploader


from tests.support import hubdb


@pytest.fixture
def hub(hub_db):
    with ThreadHub(hub_db) as hub:
        yield hub


def hub_rows(hub, sql, params=()):
    return hubdb.hub_rows(hub.db, sql, params)


def post(kiosk, body: bytes, path="/v1/batches", headers=None):
    ident = Identity.of(kiosk)
    if headers is None:
        headers = sign_request(kiosk.device_key, ident.device, "POST", path, body,
                               int(time.time()))
    return httpx.post(ident.hub_url + path, content=body, headers=headers, timeout=10)


def test_resent_batch_is_not_duplicated(hub, tmp_path):
    kiosk = provisioned(tmp_path / "k", hub.store, hub.url)
    for n in range(5):
        kiosk.enroll(form(n))
    rows = kiosk.store.pending_outbox()
    _batch, envelope = build_envelope(kiosk, Identity.of(kiosk), rows)
    first = verify_receipt(post(kiosk, envelope).json(), Identity.of(kiosk).hub_sign_key)
    again = verify_receipt(post(kiosk, envelope).json(), Identity.of(kiosk).hub_sign_key)
    assert len(from_ranges(first.body["accepted"])) == 5
    assert from_ranges(again.body["duplicate"]) == [r["id"] for r in rows]
    assert hub_rows(hub, "SELECT count(*) FROM signups") == [(5,)]
    assert push(kiosk).sent == 5  # the kiosk never saw a receipt: resends, all held
    assert hub_rows(hub, "SELECT count(*) FROM signups") == [(5,)]
    assert kiosk.store.outbox_counts() == {"pending": 0, "sent": 5, "quarantined": 0}


def test_replayed_request_is_refused_and_harmless(hub, tmp_path):
    kiosk = provisioned(tmp_path / "k", hub.store, hub.url)
    kiosk.enroll(form(1))
    _b, envelope = build_envelope(kiosk, Identity.of(kiosk), kiosk.store.pending_outbox())
    ident = Identity.of(kiosk)
    headers = sign_request(kiosk.device_key, ident.device, "POST", "/v1/batches", envelope,
                           int(time.time()))
    assert post(kiosk, envelope, headers=headers).status_code == 200
    replay = post(kiosk, envelope, headers=headers)
    assert (replay.status_code, replay.json()["code"]) == (409, "409.2")
    assert hub_rows(hub, "SELECT count(*) FROM signups") == [(1,)]


def test_same_id_with_different_body_is_a_coded_conflict(hub, tmp_path):
    kiosk = provisioned(tmp_path / "k", hub.store, hub.url)
    enrolled = kiosk.enroll(form(1))
    assert push(kiosk).sent == 1
    # the same record id arrives again with other content (a second store, same id)
    other = provisioned(tmp_path / "k2", hub.store, hub.url)
    row = dict(kiosk.store.pending_outbox() or [])  # nothing pending now
    assert not row
    with kiosk.store.transaction() as conn:  # a buggy kiosk re-queues a changed body
        body = {**kiosk.store.get(enrolled.record_id).body(), "mobile": "13900000000"}
        conn.execute("INSERT INTO outbox(record_id, kind, body, created_at) VALUES (?,?,?,?)",
                     (enrolled.record_id, "member.created", json.dumps(body), body["created_at"]))
    result = push(kiosk)
    assert result.quarantined == 1
    [bad] = kiosk.store.quarantined_outbox()
    assert bad["error_code"] == "409.1" and "record_conflict" in bad["last_error"]
    stored = hub_rows(hub, "SELECT body FROM signups WHERE record_id = ?", (enrolled.record_id,))
    assert json.loads(stored[0][0])["mobile"] == "13800000001"  # never overwritten
    other.close()


def test_same_person_at_two_kiosks_is_one_member_with_an_alias(hub, tmp_path):
    a = provisioned(tmp_path / "a", hub.store, hub.url)
    b = provisioned(tmp_path / "b", hub.store, hub.url)
    first = a.enroll(form(7))
    second = b.enroll(form(7, name="张三"))
    b.enroll(form(8))
    assert push(a).sent == 1
    assert push(b).sent == 2
    assert hub_rows(hub, "SELECT count(*) FROM persons") == [(2,)]
    linked = hub_rows(hub, "SELECT count(DISTINCT member_id), count(*) FROM signups "
                           "WHERE id_number = ?", (id_number(7),))
    assert linked == [(1, 2)]
    canonical = httpx.get(f"{hub.url}/v1/cards/{first.card_number}").json()
    alias = httpx.get(f"{hub.url}/v1/cards/{second.card_number}").json()
    assert canonical["status"] == "canonical"
    assert alias == {"card_number": second.card_number, "status": "alias",
                     "canonical_card_number": first.card_number}
    from kiosk.cli import main
    out = tmp_path / "people.csv"
    assert main(["hub", "export", "--csv", str(out), "--db", hub.db]) == 0
    with out.open(encoding="utf-8-sig") as f:
        people = list(csv.DictReader(f))
    assert len(people) == 2
    [seven] = [p for p in people if p["card_number"] == first.card_number]
    assert seven["aliases"] == second.card_number and seven["signups"] == "2"


def test_unprovisioned_revoked_and_forged_devices_are_refused(hub, tmp_path):
    kiosk = provisioned(tmp_path / "k", hub.store, hub.url)
    kiosk.enroll(form(1))
    _b, envelope = build_envelope(kiosk, Identity.of(kiosk), kiosk.store.pending_outbox())
    # forged: a key the hub never registered signs as this device
    forger = DeviceKey.from_private_key(Ed25519PrivateKey.generate())
    headers = sign_request(forger, Identity.of(kiosk).device, "POST", "/v1/batches",
                           envelope, int(time.time()))
    assert post(kiosk, envelope, headers=headers).json()["code"] == "401.2"
    # unprovisioned: a device number the hub does not know
    headers = sign_request(kiosk.device_key, 9999, "POST", "/v1/batches", envelope,
                           int(time.time()))
    assert post(kiosk, envelope, headers=headers).json()["code"] == "401.4"
    assert post(kiosk, envelope, headers={}).json()["code"] == "401.1"
    # revoked: refused and told so
    hub.store.revoke_device(Identity.of(kiosk).device, "2026-01-01T00:00:00Z")
    with pytest.raises(DeviceRefusedError) as excinfo:
        push(kiosk)
    assert excinfo.value.problem == "403.1"
    assert hub_rows(hub, "SELECT count(*) FROM signups") == [(0,)]
    assert kiosk.store.outbox_counts()["pending"] == 1  # kept for when the matter is settled


def test_record_claimed_by_a_device_that_did_not_sign_it_is_refused(hub, tmp_path):
    a = provisioned(tmp_path / "a", hub.store, hub.url)
    b = provisioned(tmp_path / "b", hub.store, hub.url)
    mine = a.enroll(form(1))
    b.enroll(form(2))
    assert push(a).sent == 1
    with b.store.transaction() as conn:  # b claims a's record, and a record with a's prefix
        body = a.store.get(mine.record_id).body()
        conn.execute("INSERT INTO outbox(record_id, kind, body, created_at) VALUES (?,?,?,?)",
                     (mine.record_id, "member.created", json.dumps(body), body["created_at"]))
        forged = {**body, "record_id": "6d0f6a52-3c39-4d8e-9a53-2a8f0e6a1b11"}
        conn.execute("INSERT INTO outbox(record_id, kind, body, created_at) VALUES (?,?,?,?)",
                     (forged["record_id"], "member.created", json.dumps(forged),
                      body["created_at"]))
    result = push(b)
    assert (result.sent, result.quarantined) == (1, 2)
    assert {r["error_code"] for r in b.store.quarantined_outbox()} == {"403.2"}
    assert hub_rows(hub, "SELECT device, count(*) FROM signups GROUP BY device "
                                "ORDER BY device") == [(1, 1), (2, 1)]


def test_a_device_code_works_once_and_expires(hub, tmp_path):
    code = make_device_code(hub.store)
    provision(open_kiosk(tmp_path / "a"), code, hub.url)
    from sync.client import RequestRefusedError
    with pytest.raises(RequestRefusedError) as excinfo:
        provision(open_kiosk(tmp_path / "b"), code, hub.url)
    assert excinfo.value.problem == "410.1"
    expired = make_device_code(hub.store, ttl=-1)
    with pytest.raises(RequestRefusedError) as excinfo:
        provision(open_kiosk(tmp_path / "c"), expired, hub.url)
    assert excinfo.value.problem == "410.2"


def test_a_device_code_lives_by_the_hub_clock(hub, tmp_path):
    """The admin page makes codes with the hub's clock, which register_device also reads."""
    from sync.hub.keys import load_or_create_hub_keys
    from sync.hub.provisioning import register_device
    from sync.protocol.provisioning import normalise_code, proof_message
    from sync.protocol.wire import b64e
    hub_now = int(time.time()) + 30 * 86400  # a hub clock a month away from the wall clock
    keys = load_or_create_hub_keys(hub.store)

    def request(code: str) -> dict:
        key = open_kiosk(tmp_path / code).device_key
        return {"code": normalise_code(code), "public_key": b64e(key.public_bytes),
                "proof": b64e(key.sign(proof_message(code, key.public_bytes))), "name": ""}
    fresh = make_device_code(hub.store, ttl=3600, now=hub_now)
    assert register_device(hub.store, keys, request(fresh), now=hub_now + 3599)["device"]
    late = make_device_code(hub.store, ttl=3600, now=hub_now)
    with pytest.raises(ProblemError) as refused:
        register_device(hub.store, keys, request(late), now=hub_now + 3601)
    assert refused.value.problem.name == "code_expired"


def test_clock_skew_is_corrected_by_the_client(hub, tmp_path):
    kiosk = provisioned(tmp_path / "k", hub.store, hub.url)
    kiosk.enroll(form(1))
    with uploader(kiosk) as up:
        up.client.clock = lambda: time.time() - 3 * 86400  # a kiosk whose clock is days late
        assert up.push().sent == 1
        assert abs(up.client.clock_offset - 3 * 86400) < 60


def test_quarantined_record_does_not_block_the_rest(hub, tmp_path):
    kiosk = provisioned(tmp_path / "k", hub.store, hub.url)
    for n in range(10):
        kiosk.enroll(form(n))
    with kiosk.store.transaction() as conn:  # one record the hub's rules refuse
        conn.execute("UPDATE outbox SET body = json_set(body, '$.mobile', '12345') WHERE id = 4")
    result = push(kiosk, batch_size=4)
    assert (result.sent, result.quarantined) == (9, 1)
    [bad] = kiosk.store.quarantined_outbox()
    assert bad["error_code"] == "400.3" and "mobile" in bad["last_error"]
    assert id_number(3) not in bad["last_error"]  # codes, not values


class _HoldFirstBatch(httpx.HTTPTransport):
    """Holds the first batch back until batch `release_at` has been answered, or for a second:
    an uploader that sent a change before its sign-up's batch was answered gets it refused."""

    def __init__(self, release_at: int) -> None:
        super().__init__()
        self.release_at, self.numbers, self.released = release_at, count(1), threading.Event()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path != "/v1/batches":
            return super().handle_request(request)
        number = next(self.numbers)  # atomic: the poster threads share it
        if number == 1:
            self.released.wait(timeout=1.0)
        response = super().handle_request(request)
        if number >= self.release_at:
            self.released.set()
        return response


def test_corrections_and_voids_never_overtake_the_sign_ups_they_change(hub, tmp_path):
    import datetime as dt

    from kiosk.domain import validate_member
    kiosk = provisioned(tmp_path / "k", hub.store, hub.url)
    first, second, *_ = [kiosk.enroll(form(n)).stored for n in range(9)]
    kiosk.store.correct(first.record_id, validate_member(form(0, name="王五"), dt.date.today()),
                        actor="志愿者", reason="姓名录错")
    kiosk.store.void(second.record_id, actor="志愿者", reason="重复登记")
    for n in range(9, 12):  # sign-ups after the changes, in the same pass
        kiosk.enroll(form(n))
    # batches of 2: the 5th holds the correction; the 1st, the sign-ups it changes, is held back
    result = push(kiosk, batch_size=2, transport=_HoldFirstBatch(release_at=5))
    assert (result.sent, result.quarantined) == (14, 0)
    assert hub_rows(hub, "SELECT name, status FROM signups WHERE record_id IN (?, ?) "
                         "ORDER BY name", (first.record_id, second.record_id)) == [
        ("张三丰", "voided"), ("王五", "active")]


def test_kiosk_correcting_an_id_number_moves_the_sign_up_to_that_person(hub, tmp_path):
    import datetime as dt

    from kiosk.domain import validate_member
    a, b, c = (provisioned(tmp_path / n, hub.store, hub.url) for n in "abc")
    typo = a.enroll(form(21))  # the volunteer mistyped: this is person 22
    b.enroll(form(22))
    real_21 = c.enroll(form(21))
    assert push(a).sent == 1 and push(b).sent == 1 and push(c).sent == 1
    a.store.correct(typo.record_id, validate_member(form(22), dt.date.today()), actor="志愿者",
                    reason="证件号录错")
    assert push(a).sent == 1
    people = hub_rows(hub, "SELECT p.id_number, count(s.record_id), p.canonical_card FROM persons p "
                           "JOIN signups s USING (member_id) GROUP BY p.member_id, p.id_number, "
                           "p.canonical_card ORDER BY p.id_number")
    # each person keeps a card of their own as canonical: 21 the one c printed, 22 b's (first)
    assert people == [(id_number(21), 1, real_21.card_number),
                      (id_number(22), 2, hub_rows(hub, "SELECT canonical_card FROM persons "
                                                       "WHERE id_number = ?", (id_number(22),))[0][0])]
    assert httpx.get(f"{hub.url}/v1/cards/{real_21.card_number}").json()["status"] == "canonical"
    assert httpx.get(f"{hub.url}/v1/cards/{typo.card_number}").json()["status"] == "alias"
