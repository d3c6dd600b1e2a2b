"""The hub against a hostile client, on each hub store: bodies past their cap with or without a
Content-Length, a sealed batch nested 100,000 levels deep, forged derived fields and unknown
keys, a revoked device re-presenting its code, and a certificate issued on 29 February."""

from __future__ import annotations

import csv
import datetime as dt
import json
import socket
import threading
import time
import uuid

import httpx
import pytest

from kiosk.domain import parse_id_number
from sync.client import Identity
from sync.client.uploader import build_envelope
from sync.hub.keys import load_or_create_hub_keys
from sync.hub.provisioning import make_device_code, register_device, years_later
from sync.protocol.auth import sign_request
from sync.protocol.envelope import seal_batch
from sync.protocol.problems import ProblemError
from sync.protocol.provisioning import normalise_code, proof_message
from sync.protocol.receipt import verify_receipt
from sync.protocol.wire import b64e, from_ranges
from tests.support import hubdb
from tests.support.hubserver import ProcessHub, ThreadHub
from tests.support.kiosks import form, id_number, open_kiosk, provisioned

MB = 1024 * 1024


@pytest.fixture
def hub(hub_db):
    with ThreadHub(hub_db) as hub:
        yield hub


def _high_water_kb(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmHWM:"))


def _chunked_post(port: int, path: str, total: int, chunk: int = 256 * 1024) -> bytes:
    """POST `total` bytes to `path` with Transfer-Encoding: chunked (no Content-Length), sent
    from a thread while this one reads the answer: the hub answers before the body ends."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    sock.sendall(f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                 "Transfer-Encoding: chunked\r\n\r\n".encode())
    block = b"%x\r\n" % chunk + b"[" * chunk + b"\r\n"

    def send() -> None:
        try:
            for _ in range(total // chunk):
                sock.sendall(block)
            sock.sendall(b"0\r\n\r\n")
        except OSError:  # the hub stopped reading and closed: what we want
            pass

    sender = threading.Thread(target=send, daemon=True)
    sender.start()
    answer = b""
    try:
        while b"\r\n\r\n" not in answer or not answer.rstrip().endswith(b"}"):
            data = sock.recv(65536)
            if not data:
                break
            answer += data
    finally:
        sock.close()
        sender.join(30)
    return answer


def test_chunked_bodies_past_the_cap_are_refused_without_being_held(hub_db):
    hub = ProcessHub(hub_db).start()
    try:
        for path in ("/v1/batches", "/v1/reports", "/v1/devices"):
            before = _high_water_kb(hub.proc.pid)
            answer = _chunked_post(hub.port, path, 50 * MB)
            grown = _high_water_kb(hub.proc.pid) - before
            head, _, body = answer.partition(b"\r\n\r\n")
            assert head.startswith(b"HTTP/1.1 413"), (path, head[:80])
            assert json.loads(body)["code"] == "413.1"
            assert grown < 30 * 1024, (path, grown)  # KB: the 50 MB were never held
        # a declared Content-Length past the cap is refused before the body is read
        answer = httpx.post(f"{hub.url}/v1/devices", content=b"{" * (64 * 1024), timeout=10)
        assert (answer.status_code, answer.json()["code"]) == (413, "413.1")
        assert httpx.get(f"{hub.url}/v1/health", timeout=5).status_code == 200
    finally:
        hub.stop()


class _RawBatch:
    """What seal_batch needs of a batch, with JSON bytes written by hand."""

    def __init__(self, device: int, doc: bytes) -> None:
        self.device, self.batch_id, self.doc = device, uuid.uuid4().hex, doc

    def to_json(self) -> bytes:
        return self.doc.replace(b"BATCH", self.batch_id.encode())


def _post(kiosk, body: bytes):
    ident = Identity.of(kiosk)
    headers = sign_request(kiosk.device_key, ident.device, "POST", "/v1/batches", body,
                           int(time.time()))
    return httpx.post(ident.hub_url + "/v1/batches", content=body, headers=headers, timeout=30)


@pytest.mark.parametrize("depth", [100_000, 900, 1])
def test_a_deeply_nested_sealed_batch_is_malformed_not_a_crash(hub, tmp_path, depth):
    kiosk = provisioned(tmp_path / "k", hub.store, hub.url)
    ident = Identity.of(kiosk)
    doc = (b'{"v":1,"device":%d,"batch":"BATCH","made_at":"2026-01-01T00:00:00+08:00",'
           b'"groups":[{"kind":"member.created","seq":[1],"cols":{"name":[%s%s]}}]}'
           % (ident.device, b"[" * depth, b"]" * depth))
    envelope = seal_batch(_RawBatch(ident.device, doc), kiosk.device_key, ident.hub_box_key)
    answer = _post(kiosk, envelope)
    assert (answer.status_code, answer.json()["code"]) == (400, "400.1")
    assert answer.json()["details"]["reason"] in ("depth", "nested value")
    assert hubdb.hub_rows(hub.db, "SELECT count(*) FROM signups") == [(0,)]


def test_forged_gender_birth_date_and_unknown_keys_never_reach_the_export(hub, tmp_path):
    kiosk = provisioned(tmp_path / "k", hub.store, hub.url)
    for n in range(3):
        kiosk.enroll(form(n))
    rows = kiosk.store.pending_outbox()
    for row in rows:  # a male ID shown as 女, a birth date the ID does not hold, markup
        row["body"] = {**row["body"], "gender": "F", "birth_date": "1999-09-09",
                       "x": "<script>alert(1)</script>"}
    _batch, envelope = build_envelope(kiosk, Identity.of(kiosk), rows)
    receipt = verify_receipt(_post(kiosk, envelope).json(), Identity.of(kiosk).hub_sign_key)
    assert len(from_ranges(receipt.body["accepted"])) == 3
    today = dt.date.today()
    for (body,) in hubdb.hub_rows(hub.db, "SELECT body FROM signups"):
        stored = json.loads(body)
        parsed = parse_id_number(stored["id_number"], today)
        assert "x" not in stored and "<script>" not in body
        assert (stored["gender"], stored["birth_date"]) == (parsed.gender,
                                                            parsed.birth_date.isoformat())
    from kiosk.cli import main
    out = tmp_path / "national.csv"
    assert main(["hub", "export", "--csv", str(out), "--national", "--full-id",
                 "--db", hub.db]) == 0
    text = out.read_text(encoding="utf-8-sig")
    assert "<script>" not in text and "1999" not in text
    people = list(csv.DictReader(text.splitlines()))
    assert len(people) == 3
    for person in people:
        number = next(v for v in person.values() if v in {id_number(n) for n in range(3)})
        parsed = parse_id_number(number, today)
        assert ("男" if parsed.gender == "M" else "女") in person.values()
        assert parsed.birth_date.isoformat() in person.values()


def _request(kiosk, code: str) -> dict:
    key = kiosk.device_key
    return {"code": normalise_code(code), "public_key": b64e(key.public_bytes),
            "proof": b64e(key.sign(proof_message(code, key.public_bytes))), "name": ""}


def test_a_revoked_device_can_never_register_again(hub, tmp_path):
    keys = load_or_create_hub_keys(hub.store)
    kiosk = open_kiosk(tmp_path / "k")
    code = make_device_code(hub.store)
    first = register_device(hub.store, keys, _request(kiosk, code))
    again = register_device(hub.store, keys, _request(kiosk, code))  # its answer was lost
    assert again["device"] == first["device"]
    hub.store.revoke_device(first["device"], "2026-01-01T00:00:00Z")
    with pytest.raises(ProblemError) as refused:
        register_device(hub.store, keys, _request(kiosk, code))
    assert refused.value.problem.name == "device_revoked"
    answer = httpx.post(f"{hub.url}/v1/devices", json=_request(kiosk, code), timeout=10)
    assert (answer.status_code, answer.json()["code"]) == (403, "403.1")
    assert "certificate" not in answer.json()


def test_a_device_registered_on_29_february_gets_its_certificate(hub, tmp_path):
    keys = load_or_create_hub_keys(hub.store)
    leap = int(dt.datetime(2028, 2, 29, 10, tzinfo=dt.timezone.utc).timestamp())
    code = make_device_code(hub.store, now=leap)
    answer = register_device(hub.store, keys, _request(open_kiosk(tmp_path / "k"), code),
                             now=leap)
    assert answer["not_after"] == "2033-02-28"
    assert years_later(dt.date(2028, 2, 29), 4) == dt.date(2032, 2, 29)
    assert years_later(dt.date(2026, 3, 1), 5) == dt.date(2031, 3, 1)
