"""Hub ingest into PostgreSQL, with one hub process and with two on the same database.

    .venv/bin/python bench/bench_hub_pg.py [--records 40000] [--clients 4] [--pg URL]

The batch path is bench/bench_sync.py's: realistic sign-ups in kiosk outboxes (its fill_outbox),
sealed into 1,000-record batches by the kiosk's own build_envelope, POSTed with signed requests to
real `kiosk hub --db postgresql://...` processes (uvicorn), which decrypt, check every record
with the member rules, store them and sign receipts. The envelopes are sealed before the clock
starts, so the figure is the hub's rate (kiosks seal in parallel in the field, each its own
machine). `--clients` threads keep that many batches in flight, spread over the hub processes.

PostgreSQL: `--pg` (or RUHUI_BENCH_PG), a URL to a server where CREATE DATABASE is allowed;
otherwise a throwaway local server with PostgreSQL's default durability (fsync on,
synchronous_commit on). Each run gets a fresh database.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent)]

import httpx  # noqa: E402

from bench_sync import fill_outbox  # noqa: E402
from tests.support.hubdb import hub_rows, pg_database  # noqa: E402
from sync.client import Identity  # noqa: E402
from sync.client.uploader import build_envelope  # noqa: E402
from sync.hub.storage.postgres import PgHubStore  # noqa: E402
from sync.protocol.auth import sign_request  # noqa: E402
from tests.support.hubserver import ProcessHub  # noqa: E402
from tests.support.kiosks import provisioned  # noqa: E402
from tests.support.pgserver import ThrowawayPostgres, find_pg_bindir  # noqa: E402

BATCH = 1000


def sealed_batches(tmp: Path, url: str, hub_url: str, records: int, kiosks: int):
    """(kiosk, envelope) pairs: `records` sign-ups over `kiosks` provisioned kiosks."""
    store = PgHubStore(url)
    out = []
    per = records // kiosks
    for k in range(kiosks):
        kiosk = provisioned(tmp / f"k{k}", store, hub_url)
        fill_outbox(kiosk, per, offset=k * per)
        rows = kiosk.store.pending_outbox(per)
        ident = Identity.of(kiosk)
        for i in range(0, per, BATCH):
            out.append((kiosk, ident, build_envelope(kiosk, ident, rows[i:i + BATCH])[1]))
    store.close()
    return out


def run(server_url: str, tmp: Path, processes: int, records: int, clients: int) -> float:
    with pg_database(server_url) as url:
        hubs = [ProcessHub(url).start() for _ in range(processes)]
        try:
            batches = sealed_batches(tmp / f"p{processes}", url, hubs[0].url, records,
                                     kiosks=max(2, clients))
            http = httpx.Client(timeout=120, limits=httpx.Limits(max_connections=clients * 2))

            def post(job) -> int:
                n, (kiosk, ident, envelope) = job
                hub = hubs[n % len(hubs)]
                headers = sign_request(kiosk.device_key, ident.device, "POST", "/v1/batches",
                                       envelope, int(time.time()))
                response = http.post(hub.url + "/v1/batches", content=envelope, headers=headers)
                assert response.status_code == 200, response.text
                return response.status_code

            t = time.perf_counter()
            with ThreadPoolExecutor(clients) as pool:
                list(pool.map(post, enumerate(batches)))
            elapsed = time.perf_counter() - t
            http.close()
            held = hub_rows(url, "SELECT count(*) FROM signups")[0][0]
            assert held == len(batches) * BATCH, held
            for kiosk in {id(k): k for k, _i, _e in batches}.values():
                kiosk.close()
            rate = held / elapsed
            print(f"   {processes} hub process{'es' if processes > 1 else ''}: {held:>6} records "
                  f"in {elapsed:6.2f} s = {rate:>8,.0f} records/s ({clients} batches in flight)")
            return rate
        finally:
            for hub in hubs:
                hub.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=40000)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--pg", default=os.environ.get("RUHUI_BENCH_PG"))
    args = parser.parse_args()
    server = None
    url = args.pg
    if not url:
        bindir = find_pg_bindir()
        if bindir is None:
            sys.exit("PostgreSQL not found: apt-get install postgresql, or pass --pg URL")
        server = ThrowawayPostgres(bindir)  # default durability: fsync, synchronous_commit on
        url = server.start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            print(f"hub ingest into PostgreSQL, batches of {BATCH}, {os.cpu_count()} cores "
                  f"(PostgreSQL, hubs and clients share them)")
            one = run(url, Path(tmp), 1, args.records, args.clients)
            two = run(url, Path(tmp), 2, args.records, args.clients)
            print(f"   scaling, two processes / one: {two / one:.2f}x")
    finally:
        if server:
            server.stop()


if __name__ == "__main__":
    main()
