"""The admin member search on 100,000 members, on SQLite and PostgreSQL.

    .venv/bin/python bench/bench_hub_members.py [--members 100000] [--pg URL]

Fills a fresh hub database with sign-ups (their plain columns as ingest fills them, one person
each), then times ``search_members`` for each kind of search the page offers, and the person
page's ``member_record``: median and worst of 20 after one warm-up. PostgreSQL: `--pg` (or
RUHUI_BENCH_PG), a server where CREATE DATABASE is allowed; otherwise a throwaway local one.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent)]

from kiosk.domain.card_number import format_card_number  # noqa: E402
from sync.hub.storage.open import open_hub_store  # noqa: E402
from sync.hub.storage.records import facts  # noqa: E402
from tests.support.kiosks import id_number  # noqa: E402

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂"
EVENTS = [f"2025年集中入会仪式第{n}场" for n in range(1, 21)]
COLUMNS = ("record_id, device, seq, card_number, id_number, body, body_hash, status, created_at, "
           "receipt_id, received_at, grp, union_org, event, channel, day, area, name, mobile4")


def signups(n: int) -> list[tuple]:
    rng, rows = random.Random(6), []
    for i in range(n):
        name = rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if i % 2 else "")
        mobile, number = f"13{rng.randrange(10**9):09d}", id_number(i)
        card, event = format_card_number("A001", i + 1), EVENTS[i % 20]
        at = "2025-05-01T10:00:00+08:00"
        body = {"name": name, "id_number": number, "mobile": mobile, "group": "courier",
                "union_org": "CN-110105", "channel": "ceremony", "event": event,
                "card_number": card, "created_at": at, "consent": True}
        rows.append((str(uuid.UUID(int=i + 1)), 1, i + 1, card, number,
                     json.dumps(body, ensure_ascii=False), "-", "active", at, "-", at,
                     *facts("courier", "CN-110105", event, "ceremony", at, number, name, mobile)))
    return rows


def fill(store, rows: list[tuple], postgres: bool) -> None:
    with store._tx() as conn:
        if postgres:
            with conn.cursor().copy(f"COPY signups ({COLUMNS}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            link = ("UPDATE signups s SET member_id = p.member_id FROM persons p "
                    "WHERE p.id_number = s.id_number")
        else:
            conn.executemany(f"INSERT INTO signups ({COLUMNS}) VALUES ({','.join('?' * 19)})",
                             rows)
            link = ("UPDATE signups SET member_id = (SELECT member_id FROM persons p "
                    "WHERE p.id_number = signups.id_number)")
        conn.execute("INSERT INTO persons(id_number, canonical_record, canonical_card, "
                     "created_at) SELECT id_number, record_id, card_number, received_at "
                     "FROM signups ORDER BY seq")
        conn.execute(link)
        conn.execute("ANALYZE")


def timed(call, times: int = 20) -> tuple[float, float, object]:
    call()
    spans, out = [], None
    for _ in range(times):
        start = time.perf_counter()
        out = call()
        spans.append((time.perf_counter() - start) * 1000)
    return statistics.median(spans), max(spans), out


def run(db: str, n: int) -> None:
    postgres = db.startswith("postgresql")
    store = open_hub_store(db)
    rows = signups(n)
    fill(store, rows, postgres)
    one = rows[n * 54 // 100]
    name, card, mobile4, event = one[-2], one[3], one[-1], one[13]
    cases = {
        "name, exact": {"name": name},
        "name, first character (~5%)": {"name": name[0]},
        "card number (any card)": {"card_number": card},
        "last 4 of mobile": {"mobile4": mobile4},
        f"event ({n // 20} people), page 1": {"event": event},
        "event, page 100": {"event": event, "offset": 4950},
        "name prefix + event": {"name": name[:2], "event": event},
        "no criteria: newest": {},
        f"no criteria, page {n // 50}": {"offset": n - 50},
    }
    print(f"{'PostgreSQL' if postgres else 'SQLite'}, {n:,} members")
    for label, criteria in cases.items():
        median, worst, out = timed(lambda: store.search_members(**criteria, limit=51))
        print(f"  {label:32s} {median:6.1f} ms median {worst:6.1f} ms worst  ({len(out)} rows)")
    member = store.search_members(card_number=card)[0]["member_id"]
    median, worst, _ = timed(lambda: store.member_record(member))
    print(f"  {'person page (member_record)':32s} {median:6.1f} ms median {worst:6.1f} ms worst")
    store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--pg", default=os.environ.get("RUHUI_BENCH_PG", ""))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        run(str(Path(tmp) / "hub.sqlite3"), args.members)
    from tests.support.hubdb import pg_database
    from tests.support.pgserver import ThrowawayPostgres, find_pg_bindir
    server = None
    if not args.pg:
        server = ThrowawayPostgres(find_pg_bindir())
        args.pg = server.start()
    try:
        with pg_database(args.pg) as url:
            run(url, args.members)
    finally:
        if server is not None:
            server.stop()


if __name__ == "__main__":
    main()
