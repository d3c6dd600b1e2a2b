"""The hub admin pages on 100,000 members: the national export (XLSX and CSV) and the figures
page, on SQLite and on PostgreSQL.

    .venv/bin/python bench/bench_hub_admin.py [--members 100000] [--pg URL]
                                              [--only sqlite|postgresql]

Filling: through the real ingest path. 20 kiosks, provisioned with a real hub, each hold one
event's sign-ups in their outbox (bench_sync's way of making valid records, with the variety the
figures need: 11 occupation groups, 4 channels, 20 events on 20 days, 12 union organisations of
which 8 have a county, 40 birthplace regions); every kiosk also signs up 100 people the previous
kiosk already enrolled, so there are more sign-ups than members. The kiosk's own build_envelope
seals them in 1,000-record batches and sync.hub.ingest.ingest_envelope stores them (decryption,
the member rules, persons merged, receipts), as an upload or a USB bundle would, minus HTTP.
About 1% of the sign-ups are then voided at the hub.

Measuring: a real `kiosk hub` process (uvicorn) on the filled database, signed in as staff:
- export over HTTP, as the Exports page posts it: all members as XLSX ("new since the last
  export", the first time: everyone), then CSV (a date range covering everyone); the time from
  the POST to the last byte of the download, and the file checked (openpyxl reads the XLSX back:
  headers and row count).
- GET /admin/figures: 20 requests after one warm-up, median and p95; and with a date range and
  a group filter.
PostgreSQL: `--pg` (or RUHUI_BENCH_PG), a server where CREATE DATABASE is allowed; otherwise a
throwaway local server (tests.support.pgserver) with its default durability.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent)]

import httpx  # noqa: E402

from tests.support.adminhub import PASSWORD, add_users, csrf_of  # noqa: E402
from bench_sync import insert_outbox, outbox_row  # noqa: E402
from tests.support.hubdb import pg_database  # noqa: E402
from kiosk.domain import validate_member  # noqa: E402
from kiosk.domain.card_number import format_card_number  # noqa: E402
from sync.client import Identity  # noqa: E402
from sync.client.uploader import build_envelope  # noqa: E402
from sync.hub.ingest import ingest_envelope  # noqa: E402
from sync.hub.keys import load_or_create_hub_keys  # noqa: E402
from sync.hub.national import HEADERS_ZH  # noqa: E402
from tests.support.hubserver import ProcessHub, ThreadHub  # noqa: E402
from tests.support.kiosks import CHECK, WEIGHTS, form, provisioned  # noqa: E402

KIOSKS = 20
REPEATS = 100  # people each kiosk signs up who were already enrolled at the previous one
BATCH = 1000
GROUPS = ["truck_driver", "courier", "care_worker", "domestic_worker", "mall_staff",
          "food_delivery", "estate_agent", "security_guard", "ride_hailing", "other_new_form",
          "not_eight_groups"]
REGIONS = ["110105", "110108", "120101", "130102", "130104", "140105", "150102", "210102",
           "220102", "230102", "310101", "310104", "310115", "320102", "320506", "330106",
           "340102", "350102", "360102", "370102", "410105", "420106", "430102", "440106",
           "440305", "450102", "460105", "500103", "510107", "520102", "530102", "540102",
           "610102", "620102", "630102", "640104", "650102", "632123", "330782", "441900"]
ORGS = [(f"CN-3101{n:02d}", f"上海市第{n}区总工会", f"3101{n:02d}" if n <= 8 else "")
        for n in range(1, 13)]
NAMES = ["张𠮷", "李喆", "王赟堃", "阿不都热依木·买买提", "欧阳娜娜", "赵堃", "刘洋", "陈静"]
TZ = dt.timezone(dt.timedelta(hours=8))


def kiosk_plan(k: int) -> dict:
    """What kiosk `k` is used for: its channel, event and day."""
    channel = (["ceremony"] * 14 + ["self_service"] * 2 + ["home_visit"] * 2
               + ["collective"] * 2)[k]
    event = {"ceremony": f"2026年5月新就业形态劳动者集中入会仪式第{k + 1}场",
             "self_service": "扫码自助入会", "home_visit": "货车司机上门登记",
             "collective": "顺丰速运集体入会"}[channel]
    return {"channel": channel, "event": event, "day": dt.date(2026, 5, 1) + dt.timedelta(k)}


def bench_id_number(n: int) -> str:
    """A valid resident ID number, different for every n < 1,000,000."""
    birth = dt.date(1966, 1, 1) + dt.timedelta(days=(n // 1000) * 97 % 12000)
    body = f"{REGIONS[n * 31 % len(REGIONS)]}{birth:%Y%m%d}{n % 1000:03d}"
    return body + CHECK[sum(int(d) * w for d, w in zip(body, WEIGHTS)) % 11]


def fill_kiosk(kiosk, k: int, people: list[int]) -> None:
    """Sign-ups of persons `people` into kiosk `k`'s outbox (member rules applied)."""
    plan, prefix = kiosk_plan(k), kiosk.device_prefix
    start = dt.datetime.combine(plan["day"], dt.time(9), TZ)
    rows = []
    for i, n in enumerate(people):
        member = validate_member(form(
            n, name=NAMES[n % len(NAMES)], id_number=bench_id_number(n),
            mobile=f"1{'3456789'[n % 7]}{n * 7919 % 10**9:09d}", group=GROUPS[n * 7 % 11],
            union_org=ORGS[(n // 7 + k) % len(ORGS)][0], channel=plan["channel"],
            event=plan["event"], volunteer="李老师", ethnicity="01", education="21",
            political_status="13", hukou="rural" if n % 3 else "urban",
            employer="顺丰速运"), plan["day"])
        created = (start + dt.timedelta(seconds=i * 6)).isoformat(timespec="milliseconds")
        rows.append(outbox_row(member, format_card_number(prefix, i + 1), created))
    insert_outbox(kiosk, rows)


def fill_hub(db: str, tmp: Path, members: int) -> tuple[int, float]:
    """`members` people (and REPEATS more sign-ups per kiosk) ingested into the hub at `db`;
    returns (sign-ups stored, seconds spent ingesting)."""
    per = members // KIOSKS
    envelopes = []
    with ThreadHub(db) as hub:  # provisioning is an HTTP exchange with a running hub
        keys = load_or_create_hub_keys(hub.store)
        hub.store.set_orgs([{"code": c, "name": n, "county": county} for c, n, county in ORGS])
        add_users(hub.store)
        for k in range(KIOSKS):
            kiosk = provisioned(tmp / f"k{k}", hub.store, hub.url)
            people = list(range(k * per, (k + 1) * per))
            if k:
                people += list(range(k * per - REPEATS, k * per))
            fill_kiosk(kiosk, k, people)
            rows = kiosk.store.pending_outbox(len(people))
            ident = Identity.of(kiosk)
            for i in range(0, len(rows), BATCH):
                envelopes.append((ident.device, build_envelope(kiosk, ident,
                                                               rows[i:i + BATCH])[1]))
            kiosk.close()
        t = time.perf_counter()
        for device, envelope in envelopes:
            ingest_envelope(hub.store, keys, envelope, auth_device=device)
        ingest = time.perf_counter() - t
        # about 1% voided at the hub (by a member's record id, as the members page does)
        held = hub.store.counts()
        for member_id in range(1, held["persons"] + 1, 97):
            record = hub.store.member_record(member_id)
            if record and record["signups"]:
                hub.store.void_signup(record["signups"][0]["record_id"], "bench",
                                      "2026-06-01T00:00:00+00:00", "bench")
    return held["signups"], ingest


def signed_in(url: str) -> tuple[httpx.Client, str]:
    client = httpx.Client(base_url=url, timeout=300, follow_redirects=True)
    page = client.post("/admin/login", data={"username": "sam", "password": PASSWORD,
                                             "next": "/admin/exports"})
    assert page.status_code == 200, page.status_code
    return client, csrf_of(page.text)


def timed_export(client: httpx.Client, csrf: str, fields: dict, out: Path) -> float:
    t = time.perf_counter()
    with client.stream("POST", "/admin/exports", data={"csrf": csrf, **fields}) as response:
        assert response.status_code == 200, response.status_code
        assert "attachment" in response.headers["content-disposition"]
        with open(out, "wb") as f:
            for chunk in response.iter_bytes(1 << 16):
                f.write(chunk)
    return time.perf_counter() - t


def check_xlsx(path: Path) -> int:
    import openpyxl
    book = openpyxl.load_workbook(path, read_only=True)
    rows = book.worksheets[0].iter_rows(values_only=True)
    assert tuple(next(rows)) == HEADERS_ZH
    n = sum(1 for _ in rows)
    book.close()
    return n


def check_csv(path: Path) -> int:
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    reader = csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""))
    assert tuple(next(reader)) == HEADERS_ZH
    return sum(1 for _ in reader)


def timed_gets(client: httpx.Client, path: str, times: int = 20) -> tuple[float, float, int]:
    assert client.get(path).status_code == 200  # warm-up
    spans = []
    for _ in range(times):
        t = time.perf_counter()
        response = client.get(path)
        spans.append((time.perf_counter() - t) * 1000)
        assert response.status_code == 200
    spans.sort()
    return statistics.median(spans), spans[int(len(spans) * 0.95) - 1], len(response.content)


def figures_timings(client: httpx.Client) -> None:
    for what, query in (("figures page, everything", ""),
                        ("figures page, 10 days", "?since=2026-05-05&until=2026-05-14"),
                        ("figures page, one group", "?group=courier")):
        median, p95, size = timed_gets(client, "/admin/figures" + query)
        print(f"  {what:<28} {median:6.1f} ms median {p95:6.1f} ms p95 "
              f"({size / 1000:.0f} KB; target <= 300 ms)")


def run(db: str, tmp: Path, members: int, label: str) -> None:
    print(f"{label}, {members:,} members")
    signups, ingest = fill_hub(db, tmp, members)
    print(f"  filled through ingest_envelope: {signups:,} sign-ups in {ingest:.1f} s "
          f"({signups / ingest:,.0f}/s)")
    hub = ProcessHub(db).start()
    try:
        client, csrf = signed_in(hub.url)
        page = client.get("/admin/figures").text
        total = int(re.search(r'data-members="(\d+)"', page).group(1))
        xlsx = tmp / f"{label}.xlsx"
        seconds = timed_export(client, csrf, {"format": "xlsx", "scope": "new"}, xlsx)
        rows = check_xlsx(xlsx)
        assert rows == total, (rows, total)
        print(f"  export XLSX, new since the last export: {rows:,} rows in {seconds:5.1f} s "
              f"({xlsx.stat().st_size / 1e6:.1f} MB; target <= 20 s)")
        path = tmp / f"{label}.csv"
        seconds = timed_export(client, csrf, {"format": "csv", "scope": "range",
                                              "since": "2026-01-01", "until": "2030-12-31"},
                               path)
        rows = check_csv(path)
        print(f"  export CSV, date range:                 {rows:,} rows in {seconds:5.1f} s "
              f"({path.stat().st_size / 1e6:.1f} MB)")
        figures_timings(client)
        client.close()
    finally:
        hub.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--pg", default=os.environ.get("RUHUI_BENCH_PG", ""))
    parser.add_argument("--only", choices=("sqlite", "postgresql"))
    args = parser.parse_args()
    print(f"({os.cpu_count()} cores; load average "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())} at the start)")
    if args.only != "postgresql":
        with tempfile.TemporaryDirectory() as tmp:
            run(str(Path(tmp) / "hub.sqlite3"), Path(tmp), args.members, "SQLite")
    if args.only == "sqlite":
        return
    from tests.support.pgserver import ThrowawayPostgres, find_pg_bindir
    server = None
    if not args.pg:
        server = ThrowawayPostgres(find_pg_bindir())
        args.pg = server.start()
    try:
        with pg_database(args.pg) as url, tempfile.TemporaryDirectory() as tmp:
            run(url, Path(tmp), args.members, "PostgreSQL")
    finally:
        if server is not None:
            server.stop()


if __name__ == "__main__":
    main()
