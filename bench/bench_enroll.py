"""A sign-up end to end, and durable commits per second, against the straightforward baseline.

    .venv/bin/python bench/bench_enroll.py

Per sign-up: validated form -> durable commit (WAL, synchronous=FULL) with its outbox row ->
signed token -> card PNG. The baseline does the same commit and signature but draws the card the
straightforward way (qrcode + Pillow from scratch, PNG defaults: bench_cards.baseline_png).

Durable sign-ups one by one: each in its own BEGIN IMMEDIATE ... COMMIT, fsynced, beside the
straightforward baseline of one durable commit per plain row (one table, WAL + FULL). This VM's
fsync time drifts by a third over minutes, so the two alternate in rounds and each figure is the
median of its rounds. A last round without the fsync (synchronous=OFF) shows what of a sign-up
is this machine's CPU rather than its disk: the one drifts as much as the other here. Everything
runs in this process, on fresh files in a temporary folder.

That CPU figure is why kiosk.storage's sign-up path is written as it is: its transaction is a
small class, where a generator (@contextmanager) cost about 2 µs a sign-up; the card issuer's
check rides on the one PRAGMA data_version its cache reads inside BEGIN IMMEDIATE.
"""

from __future__ import annotations

import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent)]

from bench_cards import baseline_png  # noqa: E402
from tests.support.idgen import make_id  # noqa: E402
from kiosk.config import KioskPaths  # noqa: E402
from kiosk.service import Kiosk  # noqa: E402

SIGN_UPS = 500
COMMITS = 2000  # per round
ROUNDS = 5


def forms(count: int, offset: int = 0) -> list[dict]:
    names = ["张𠮷", "李喆", "王赟堃", "阿不都热依木·买买提", "欧阳娜娜", "赵堃"]
    return [{"name": names[n % len(names)],
             "id_number": make_id(region=f"11{(n + offset) // 1000:04d}", seq=(n + offset) % 1000),
             "mobile": "13800138000", "group": "courier", "union_org": "CN-1", "consent": True}
            for n in range(count)]


def percentiles(times: list[float]) -> tuple[float, float]:
    times = sorted(times)
    return statistics.median(times), times[max(0, int(len(times) * 0.99) - 1)]


def time_sign_ups(kiosk: Kiosk, batch: list[dict], render) -> tuple[float, float]:
    kiosk.card_png(kiosk.enroll(batch[0]).stored)  # warm: fonts and static card layers loaded
    times = []
    for form in batch[1:]:
        start = time.perf_counter()
        stored = kiosk.enroll(form).stored
        render(kiosk, stored)
        times.append((time.perf_counter() - start) * 1e3)
    return percentiles(times)


def main() -> None:
    root = Path(tempfile.mkdtemp(prefix="ruhui-bench-"))
    ours = Kiosk(KioskPaths(root / "ours"))
    base = Kiosk(KioskPaths(root / "baseline"))
    base_med, base_p99 = time_sign_ups(base, forms(SIGN_UPS, 0),
                                       lambda k, s: baseline_png(k.card_face(s)))
    ours_med, ours_p99 = time_sign_ups(ours, forms(SIGN_UPS, 0), lambda k, s: k.card_png(s))
    print(f"sign-up: validated form -> durable commit + signed token + card PNG ({SIGN_UPS} sign-ups)")
    print(f"  baseline (qrcode + naive Pillow):  median {base_med:6.2f} ms   p99 {base_p99:6.2f} ms")
    print(f"  ours:                              median {ours_med:6.2f} ms   p99 {ours_p99:6.2f} ms"
          f"   (targets: <= 8 ms, <= 25 ms)")
    print(f"  ratio baseline/ours: median x{base_med / ours_med:.1f}   p99 x{base_p99 / ours_p99:.1f}")

    kiosk = Kiosk(KioskPaths(root / "commits"))
    members = [kiosk.validate(form) for form in forms(COMMITS * ROUNDS, 100_000)]
    plain = plain_rows(root / "plain.sqlite3")
    ours_rates, plain_rates = [], []
    for round_members in (members[i:i + COMMITS] for i in range(0, len(members), COMMITS)):
        plain_rates.append(rate(plain, [(f"row {n}",) for n in range(COMMITS)]))
        ours_rates.append(rate(kiosk.enroll_member, round_members))  # each fsynced alone
    plain_rate, ours_rate = statistics.median(plain_rates), statistics.median(ours_rates)
    print(f"durable commits one by one ({ROUNDS} alternating rounds of {COMMITS}, medians):")
    print(f"  baseline (one plain row per commit):        {plain_rate:7,.0f}/s   "
          f"rounds {', '.join(f'{r:,.0f}' for r in plain_rates)}")
    print(f"  ours (sign-up: member + outbox rows, token): {ours_rate:7,.0f}/s   "
          f"rounds {', '.join(f'{r:,.0f}' for r in ours_rates)}   (target: >= 3,000/s)")
    print(f"  ratio ours/baseline: {ours_rate / plain_rate:.2f}")
    unsynced = Kiosk(KioskPaths(root / "unsynced"))
    unsynced.store.conn.execute("PRAGMA synchronous = OFF")
    cpu_rate = rate(unsynced.enroll_member,
                    [unsynced.validate(form) for form in forms(COMMITS, 200_000)])
    print(f"  per commit: ours {1e6 / ours_rate:.0f} µs, plain row {1e6 / plain_rate:.0f} µs; "
          f"ours without the fsync (synchronous=OFF) {1e6 / cpu_rate:.0f} µs")
    for k in (ours, base, kiosk, unsynced):
        k.close()


def plain_rows(path: Path):
    """The straightforward durable write: INSERT one row, COMMIT, WAL + synchronous=FULL."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("CREATE TABLE rows (id INTEGER PRIMARY KEY, value TEXT NOT NULL)")

    def insert(values: tuple) -> None:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO rows(value) VALUES (?)", values)
        conn.execute("COMMIT")
    return insert


def rate(commit_one, items: list) -> float:
    start = time.perf_counter()
    for item in items:
        commit_one(item)
    return len(items) / (time.perf_counter() - start)


if __name__ == "__main__":
    main()
