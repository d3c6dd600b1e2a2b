"""Sync throughput and wire size, against one POST per record (how ODK Collect uploads).

    .venv/bin/python bench/bench_sync.py [--records 20000]

1. Encodings of one 1,000-record batch: rows vs columns, gzip / zlib / brotli / lzma (bytes per
   record, encode+decode time): the figures behind PROTOCOL.md's choice.
2. Loopback, end to end: kiosk outbox -> sealed batches -> real `kiosk hub` (uvicorn subprocess)
   -> hub SQLite (synchronous=FULL) -> signed receipts -> kiosk marks sent. Beside it, in the same
   run and against the same hub, one POST per record (batch size 1).
3. A 2G-like link (50 kbit/s each way, 300 ms RTT) emulated by tests.support.faultproxy: 1,000
   sign-ups uploaded, time and bytes per record on the wire (both directions, all headers).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import lzma
import os
import random
import sys
import tempfile
import threading
import time
import uuid
import zlib
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent)]

import httpx  # noqa: E402

from kiosk.domain import validate_member  # noqa: E402
from kiosk.domain.card_number import format_card_number  # noqa: E402
from kiosk.domain.record_id import new_record_id  # noqa: E402
from kiosk.storage.store import canonical_body  # noqa: E402
from sync.hub.storage.sqlite import SqliteHubStore  # noqa: E402
from sync.protocol.batch import Batch, Item  # noqa: E402
from tests.support.faultproxy import FaultProxy  # noqa: E402
from tests.support.hubserver import ProcessHub  # noqa: E402
from tests.support.kiosks import CHECK, WEIGHTS, form, provisioned, uploader  # noqa: E402

NAMES = ["张𠮷", "李喆", "王赟堃", "阿不都热依木·买买提", "欧阳娜娜", "赵堃", "刘洋", "陈静"]
REGIONS = ["110105", "310115", "440305", "510107", "650102", "130102", "320102", "420106",
           "540102", "632123"]
GROUPS = ["courier", "food_delivery", "truck_driver", "ride_hailing", "care_worker"]


def fill_outbox(kiosk, count: int, offset: int = 0) -> None:
    """`count` realistic member.created rows straight into the outbox (fast to prepare)."""
    prefix = kiosk.device_prefix
    start = dt.datetime(2026, 5, 1, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    rows = []
    rng = random.Random(offset)  # realistic entropy: random regions, birth dates, mobiles
    for i in range(count):
        n = i + offset
        birth = dt.date(1965, 1, 1) + dt.timedelta(days=rng.randrange(40 * 365))
        body17 = f"{rng.choice(REGIONS)}{birth:%Y%m%d}{rng.randrange(1000):03d}"
        id_number = body17 + CHECK[sum(int(d) * w for d, w in zip(body17, WEIGHTS)) % 11]
        member = validate_member(form(n, name=rng.choice(NAMES), group=rng.choice(GROUPS),
                                      id_number=id_number,
                                      mobile=f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}",
                                      event="E20260501", volunteer="李老师"), dt.date(2026, 5, 1))
        created = (start + dt.timedelta(seconds=n * 11 + rng.randrange(10))).isoformat(timespec="milliseconds")
        rows.append(outbox_row(member, format_card_number(prefix, n + 1), created))
    insert_outbox(kiosk, rows)


def outbox_row(member, card_number: str, created_at: str) -> tuple[str, str, str, str]:
    """A member.created outbox row as the kiosk writes it: (record_id, kind, body, created_at),
    with a record id made at `created_at` and the body's text in the store's own form."""
    made_ns = int(dt.datetime.fromisoformat(created_at).timestamp() * 1e9)
    body = {"record_id": new_record_id(made_ns), "card_number": card_number,
            "created_at": created_at, "consent_version": "v1-0e6b37947b13", **member.to_dict()}
    return body["record_id"], "member.created", canonical_body(body), created_at


def insert_outbox(kiosk, rows: list[tuple[str, str, str, str]]) -> None:
    with kiosk.store.transaction() as conn:
        conn.executemany("INSERT INTO outbox(record_id, kind, body, created_at) "
                         "VALUES (?, ?, ?, ?)", rows)


class CountingTransport(httpx.HTTPTransport):
    """Bytes on the wire as HTTP/1.1 sends them: request line, headers, bodies, both ways."""

    def __init__(self) -> None:
        super().__init__()
        self.up = self.down = self.requests = 0
        self._lock = threading.Lock()  # the uploader has two requests in flight

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = super().handle_request(request)
        response.read()
        up = len(request.method) + len(request.url.raw_path) + 12 + len(request.content) \
            + sum(len(k) + len(v) + 4 for k, v in request.headers.raw) + 2
        down = 17 + len(response.content) + \
            sum(len(k) + len(v) + 4 for k, v in response.headers.raw) + 2
        with self._lock:
            self.requests += 1
            self.up += up
            self.down += down
        return response


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of process `pid` so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def load() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def encodings(kiosk) -> None:
    rows = kiosk.store.pending_outbox(1000)
    items = tuple(Item(r["id"], r["kind"], r["body"]) for r in rows)
    columnar = Batch(1, uuid.uuid4().hex, "2026-05-01T12:00:00+08:00", items).to_json()
    by_rows = json.dumps({"v": 1, "items": [{"seq": i.seq, "kind": i.kind, **i.body}
                                             for i in items]},
                         ensure_ascii=False, separators=(",", ":")).encode()
    codecs = {"gzip-1": (lambda d: zlib.compress(d, 1), zlib.decompress),
              "gzip-6": (lambda d: zlib.compress(d, 6), zlib.decompress),
              "gzip-9": (lambda d: zlib.compress(d, 9), zlib.decompress),
              "lzma": (lzma.compress, lzma.decompress)}
    try:
        import brotli
        codecs["brotli-5"] = (lambda d: brotli.compress(d, quality=5), brotli.decompress)
        codecs["brotli-11"] = (lambda d: brotli.compress(d, quality=11), brotli.decompress)
    except ImportError:
        pass
    n = len(items)
    print(f"1. one batch of {n} records (plain JSON: rows {len(by_rows) / n:.0f} B/record, "
          f"columns {len(columnar) / n:.0f} B/record)")
    print(f"   {'codec':<10} {'rows B/rec':>10} {'cols B/rec':>10} {'enc+dec ms':>11}")
    for name, (enc, dec) in codecs.items():
        t = time.perf_counter()
        packed = enc(columnar)
        dec(packed)
        ms = (time.perf_counter() - t) * 1000
        print(f"   {name:<10} {len(enc(by_rows)) / n:>10.1f} {len(packed) / n:>10.1f} {ms:>11.1f}")


def push_all(kiosk, batch_size: int, hub_pid: int) -> tuple[float, CountingTransport, int, str]:
    """Push everything pending; elapsed seconds, wire counts, records, and the CPU each side
    spent per 1,000 records (process CPU time: what contention with other work cannot inflate)."""
    transport = CountingTransport()
    pending = kiosk.store.outbox_counts()["pending"]
    with uploader(kiosk, batch_size=batch_size, transport=transport) as up:
        hub0, kiosk0 = cpu_seconds(hub_pid), time.process_time()
        t = time.perf_counter()
        up.push()
        elapsed = time.perf_counter() - t
        kiosk_cpu, hub_cpu = time.process_time() - kiosk0, cpu_seconds(hub_pid) - hub0
    assert kiosk.store.outbox_counts()["pending"] == 0
    per = 1e6 / pending
    return elapsed, transport, pending, (f"CPU per 1,000 records: kiosk {kiosk_cpu * per:.0f} ms, "
                                         f"hub {hub_cpu * per:.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=20000)
    parser.add_argument("--baseline", type=int, default=2000)
    args = parser.parse_args()
    print(f"({load()} at the start, {os.cpu_count()} CPUs)")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        hub = ProcessHub(tmp / "hub.sqlite3").start()
        try:
            store = SqliteHubStore(hub.db)
            fast = provisioned(tmp / "fast", store, hub.url)
            slow = provisioned(tmp / "slow", store, hub.url)
            fill_outbox(fast, args.records)
            fill_outbox(slow, args.baseline, offset=args.records)
            encodings(fast)

            elapsed, wire, n, cpu = push_all(fast, 1000, hub.proc.pid)
            rate = n / elapsed
            b_elapsed, b_wire, bn, b_cpu = push_all(slow, 1, hub.proc.pid)
            b_rate = bn / b_elapsed
            held = store.counts()["signups"]
            print(f"\n2. loopback, end to end into the hub's SQLite ({held} sign-ups held)")
            print(f"   batches of 1000:      {n:>6} records in {elapsed:6.2f} s = {rate:>8,.0f} "
                  f"records/s, {wire.up / n:.0f} B/record up, {wire.down / n:.1f} B/record down "
                  f"({wire.requests} requests)")
            print(f"                         {cpu}")
            print(f"   one POST per record:  {bn:>6} records in {b_elapsed:6.2f} s = "
                  f"{b_rate:>8,.0f} records/s, {b_wire.up / bn:.0f} B/record up")
            print(f"                         {b_cpu}")
            print(f"   speed-up: {rate / b_rate:.1f}x")

            with FaultProxy(hub.port) as proxy:
                edge = provisioned(tmp / "edge", store, proxy.url)
                fill_outbox(edge, 1000, offset=args.records + args.baseline)
                proxy.link(rate_bps=50_000, rtt=0.3)
                up0, down0 = proxy.bytes_up, proxy.bytes_down
                t = time.perf_counter()
                with uploader(edge, batch_size=1000, read_timeout=120) as up:
                    up.pull_config()
                    up.push()
                elapsed = time.perf_counter() - t
                assert edge.store.outbox_counts()["pending"] == 0
                up_b, down_b = proxy.bytes_up - up0, proxy.bytes_down - down0
                print("\n3. 2G-like link (50 kbit/s each way, 300 ms RTT, via the fault proxy)")
                print(f"   1000 sign-ups uploaded in {elapsed:.1f} s; on the wire "
                      f"{up_b / 1000:.1f} B/record up, {down_b / 1000:.1f} B/record down, "
                      f"{(up_b + down_b) / 1000:.1f} B/record in all")
            print(f"\n({load()} at the end)")
            store.close()
        finally:
            hub.stop()


if __name__ == "__main__":
    main()
