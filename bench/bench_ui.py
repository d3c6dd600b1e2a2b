"""UI benchmark: first and second load of the kiosk page (bytes, time to first frame), the font
bytes on their own, a volunteer flow from empty form to card shown, memory with 5 tabs.

    .venv/bin/python bench/bench_ui.py [--signups 50]

Real parts: `kiosk run` in its own process on 127.0.0.1 (so its memory is its own), SQLite in a
temp dir, Debian's headless Chromium driven by Playwright.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT)]

from playwright.sync_api import expect, sync_playwright  # noqa: E402

from tests.support.flutter import ARGS, CHROMIUM, by_id, click_and_type, open_app, text_input  # noqa: E402
from tests.support.idgen import make_id  # noqa: E402

WEB_CACHE = ROOT / "var" / "test-web-cache"  # shared with the browser tests: made once


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_kiosk(data_dir: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "KIOSK_CACHE_DIR": str(WEB_CACHE)}
    proc = subprocess.Popen([sys.executable, "-m", "kiosk.cli", "--data-dir", str(data_dir), "run",
                             "--port", str(port)], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(url, timeout=1).read()
            return proc, url
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("kiosk did not start: " + proc.stderr.read().decode()[-2000:])
            time.sleep(0.1)  # polling a process we started, not synchronising a UI


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def transferred(page) -> list[tuple[str, int]]:
    return page.evaluate("""() => performance.getEntriesByType('resource').concat(
        performance.getEntriesByType('navigation')).map(e => [e.name, e.transferSize])""")


def load(context, url):
    page = context.new_page()
    start = time.perf_counter()
    page.goto(url)
    page.wait_for_selector("#loading", state="detached", timeout=30_000)
    first_frame = time.perf_counter() - start
    page.wait_for_timeout(1500)  # let late font requests arrive before counting
    entries = transferred(page)
    page.close()
    return first_frame, entries


def kind(url: str) -> str:
    if "/fonts/" not in url:
        return "client"
    if "MaterialIcons" in url or "roboto" in url:
        return "latin"
    return "cjk"


def sign_up(page, seq: int) -> tuple[float, float]:
    """One worker, empty form to card shown: (whole flow, last input to card) in seconds."""
    name = text_input(page, "姓名")
    expect(name).to_have_value("")
    start = time.perf_counter()
    click_and_type(page, "姓名", "张三明")
    click_and_type(page, "身份证号", make_id(seq=seq))
    click_and_type(page, "手机号", "13800138000")
    page.get_by_role("button", name="快递员").click()
    page.get_by_role("checkbox").click()
    expect(page.get_by_role("checkbox")).to_be_checked()
    submit = page.get_by_role("button", name="提交")
    box = submit.bounding_box()  # the whole form fits the window: no scrolling moves it
    last_key = time.perf_counter()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)  # the last tap
    page.wait_for_selector('[flt-semantics-identifier="done-card"]', timeout=10_000)
    shown = time.perf_counter()
    page.get_by_role("button", name="下一位").click()
    return shown - start, shown - last_key


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, int(round(len(ordered) * 0.95)) - 1)]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--signups", type=int, default=50)
    args = parser.parse_args()
    proc, url = start_kiosk(Path(tempfile.mkdtemp()) / "kiosk")
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            # warm the server-side caches (compression, fonts) once, as any kiosk after its first start
            warm = browser.new_context()
            load(warm, url)
            warm.close()
            context = browser.new_context(viewport={"width": 1280, "height": 800})
            t1, first = load(context, url)
            t2, second = load(context, url)

            def size(entries, which=None):
                return sum(n for u, n in entries if which is None or kind(u) == which)

            print(f"first load : {size(first) / 1e6:.2f} MB transferred (client "
                  f"{size(first, 'client') / 1e6:.2f} MB, icons+Roboto {size(first, 'latin') / 1e6:.2f} MB, "
                  f"CJK fonts {size(first, 'cjk') / 1e6:.2f} MB), first frame {t1:.2f} s")
            print(f"second load: {size(second) / 1e3:.0f} KB transferred, first frame {t2:.2f} s")
            cjk = sorted((n, u.rsplit("/", 1)[-1]) for u, n in first if kind(u) == "cjk")
            ui = [n for n, u in cjk if u.startswith("ruhui-ui")]
            print(f"CJK fonts  : UI font {sum(ui) / 1e3:.0f} KB + {len(cjk) - len(ui)} fallback "
                  f"slices {(sum(n for n, _ in cjk) - sum(ui)) / 1e3:.0f} KB on first paint")

            base = rss_mb(proc.pid)
            page = context.new_page()
            page.set_viewport_size({"width": 1280, "height": 1100})  # a laptop, form unscrolled
            open_app(page, url)
            flows, after_key = [], []
            for i in range(args.signups):
                whole, last = sign_up(page, 100 + i)
                flows.append(whole)
                after_key.append(last)
            ms = lambda v: f"median {statistics.median(v) * 1000:.0f} ms, p95 {p95(v) * 1000:.0f} ms"  # noqa: E731
            print(f"flow       : {args.signups} sign-ups through the UI (Playwright typing), "
                  f"empty form to card shown: {ms(flows)}")
            print(f"             last input (the tap on 提交) to card shown: {ms(after_key)}")
            tabs = [context.new_page() for _ in range(4)]
            for tab in tabs:
                open_app(tab, url)
            expect(by_id(tabs[-1], "enroll-submit")).to_be_visible()
            print(f"memory     : kiosk process RSS {rss_mb(proc.pid):.0f} MB with 5 tabs open "
                  f"({base:.0f} MB before the first tab, {args.signups} sign-ups stored)")
            browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
