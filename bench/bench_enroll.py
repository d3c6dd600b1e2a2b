"""A sign-up end to end, and durable commits per second, against the straightforward baseline.

    .venv/bin/python bench/bench_enroll.py

Per sign-up: validated form -> durable commit (WAL, synchronous=FULL) with its outbox and audit
rows -> signed token -> card PNG. The baseline does the same commit and signature but draws the
card the straightforward way (qrcode + Pillow from scratch, PNG defaults: bench_cards.baseline_png).
Both run in this process, one after the other, on fresh stores in a temporary folder.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE), str(HERE.parent / "tests")]

from bench_cards import baseline_png  # noqa: E402
from idgen import make_id  # noqa: E402
from kiosk.config import KioskPaths  # noqa: E402
from kiosk.service import Kiosk  # noqa: E402

SIGN_UPS = 500
COMMITS = 5000


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
    members = [kiosk.validate(form) for form in forms(COMMITS, 100_000)]
    start = time.perf_counter()
    for member in members:
        kiosk.enroll_member(member)  # one BEGIN IMMEDIATE ... COMMIT each, fsynced
    seconds = time.perf_counter() - start
    print(f"durable sign-ups committed one by one (member + outbox + audit, signed token): "
          f"{COMMITS / seconds:,.0f}/s over {COMMITS} (target: >= 3,000/s)")
    for k in (ours, base, kiosk):
        k.close()


if __name__ == "__main__":
    main()
