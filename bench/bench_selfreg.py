"""Benchmark of the phone self-registration page (issue 4).

    .venv/bin/python bench/bench_selfreg.py [--phones 200] [--rounds 3] [--no-flet]

1. Weight of the form page on first load, as a phone pays it: headless Chromium at 390x844
   counts every byte on the wire (headers included) and every request; the same form built with
   Flet and loaded through the Flet web client is measured the same way, side by side.
2. Load: the kiosk (real uvicorn, its own process, a fresh data folder) and N phones (httpx, one
   client and connection each, another process) on loopback. Every phone opens the form, then all
   submit at once; each round uses new ID numbers. Reported: p50/p95/max per submit, sign-ups per
   second, lost and duplicated sign-ups (read back from the SQLite file), the kiosk's memory.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kiosk.domain.id_number import check_character  # noqa: E402
from kiosk.selfreg.devserver import listening_socket  # noqa: E402

NONCE = re.compile(r'name="nonce" value="([^"]+)"')
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PHONE_VIEWPORT = {"width": 390, "height": 844}


# --- servers, each in its own process ------------------------------------------------------------
def start(argv: list[str]) -> tuple[subprocess.Popen, str]:
    sock = listening_socket()
    proc = subprocess.Popen([sys.executable, *argv, "--fd", str(sock.fileno())],
                            pass_fds=[sock.fileno()], cwd=ROOT, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{sock.getsockname()[1]}"
    sock.close()  # the child holds its copy; connections queue until it accepts
    return proc, base


def memory_kb(pid: int) -> dict[str, int]:
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0])
    return values


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def serve_flet_form(fd: int) -> None:
    """The same form as the phone page, as a Flet app (what a phone would otherwise load)."""
    import socket

    import flet as ft
    import flet.fastapi as flet_fastapi
    import uvicorn

    from kiosk.domain.catalog import (EDUCATION_LEVELS, ETHNICITIES, GROUPS, HUKOU_TYPES,
                                      POLITICAL_STATUSES)
    from kiosk.i18n import t

    def main(page: ft.Page) -> None:
        def dropdown(label: str, table) -> ft.Dropdown:
            return ft.Dropdown(label=label, options=[ft.DropdownOption(key=c, text=zh)
                                                     for c, zh, _ in table])
        page.title = t("join.title")
        page.scroll = ft.ScrollMode.AUTO
        page.add(ft.Text(t("join.title"), size=20),
                 ft.TextField(label=t("join.label.name")), ft.TextField(label=t("join.label.id_number")),
                 ft.TextField(label=t("join.label.mobile")), dropdown(t("join.label.group"), GROUPS),
                 ft.TextField(label=t("join.label.employer")),
                 dropdown(t("join.label.ethnicity"), ETHNICITIES),
                 dropdown(t("join.label.education"), EDUCATION_LEVELS),
                 dropdown(t("join.label.political_status"), POLITICAL_STATUSES),
                 dropdown(t("join.label.hukou"), HUKOU_TYPES),
                 ft.Text(t("consent.notice"), size=13), ft.Checkbox(label=t("consent.label")),
                 ft.Button(t("join.submit")))

    app = flet_fastapi.app(main, no_cdn=True)
    uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False)).run(
        sockets=[socket.socket(fileno=fd)])


# --- page weight in a real browser ---------------------------------------------------------------
async def load_in_browser(url: str, flet: bool) -> dict:
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        context = await browser.new_context(viewport=PHONE_VIEWPORT, is_mobile=True,
                                            has_touch=True, device_scale_factor=3)
        page = await context.new_page()
        cdp = await context.new_cdp_session(page)
        await cdp.send("Network.enable")
        wire = {"bytes": 0, "requests": 0}

        def finished(event: dict) -> None:
            wire["bytes"] += int(event["encodedDataLength"])
            wire["requests"] += 1
        cdp.on("Network.loadingFinished", finished)
        host = url.split("/")[2]
        outside: list[str] = []

        async def only_kiosk(route) -> None:
            if route.request.url.split("/")[2] == host or route.request.url.startswith("data:"):
                await route.continue_()
            else:
                outside.append(route.request.url)
                await route.abort()
        await page.route("**/*", only_kiosk)
        started = time.perf_counter()
        await page.goto(url, wait_until="load")
        if flet:
            await page.wait_for_selector("#loading", state="detached", timeout=60_000)
        ready = time.perf_counter() - started
        await page.wait_for_load_state("networkidle")
        await browser.close()
    return {"bytes": wire["bytes"], "requests": wire["requests"], "ready_s": ready,
            "outside": outside}


# --- the crowd ---------------------------------------------------------------------------------
def crowd_address(round_index: int) -> str:
    """Each round is another crowd behind another router: its own loopback source address
    (127.0.0.0/8 is all loopback), so the per-address budgets apply per round as at an event."""
    return f"127.0.{1 + round_index // 250}.{1 + round_index % 250}"


def id_number(n: int) -> str:
    birth = f"{1960 + n % 40}{1 + n % 12:02d}{1 + n % 28:02d}"
    body = f"{310101 + (n // 1000) % 100:06d}{birth}{n % 1000:03d}"
    return body + check_character(body)


async def crowd(base: str, path: str, phones: int, first_id: int, pid: int) -> dict:
    source = crowd_address(first_id // phones)
    clients = [httpx.AsyncClient(base_url=base, timeout=120,
                                 transport=httpx.AsyncHTTPTransport(local_address=source))
               for _ in range(phones)]
    peak = {"rss": 0}
    done = asyncio.Event()

    async def watch_memory() -> None:
        while not done.is_set():
            peak["rss"] = max(peak["rss"], memory_kb(pid)["VmRSS"])
            try:
                await asyncio.wait_for(done.wait(), 0.01)
            except asyncio.TimeoutError:
                pass

    async def open_form(client: httpx.AsyncClient) -> tuple[str, float]:
        t0 = time.perf_counter()
        page = await client.get(path)
        return NONCE.search(page.text).group(1), time.perf_counter() - t0

    async def submit(client: httpx.AsyncClient, nonce: str, n: int) -> tuple[int, str, float]:
        data = {"nonce": nonce, "lang": "zh", "name": "工人" + "一二三四五六七八九十"[n % 10],
                "id_number": id_number(n), "mobile": f"139{n:08d}", "group": "courier",
                "employer": "顺丰", "consent": "1"}
        t0 = time.perf_counter()
        response = await client.post(path, data=data)
        return response.status_code, response.headers.get("location", ""), time.perf_counter() - t0

    watcher = asyncio.create_task(watch_memory())
    try:
        cpu0 = cpu_seconds(pid)
        t0 = time.perf_counter()
        forms = await asyncio.gather(*(open_form(c) for c in clients))
        t1 = time.perf_counter()
        cpu1 = cpu_seconds(pid)
        own1 = time.process_time()
        results = await asyncio.gather(*(submit(c, nonce, first_id + i)
                                         for i, (c, (nonce, _)) in enumerate(zip(clients, forms))))
        t2 = time.perf_counter()
        cpu2 = cpu_seconds(pid)
        own2 = time.process_time()
    finally:
        done.set()
        await watcher
        await asyncio.gather(*(c.aclose() for c in clients))
    submits = sorted(r[2] for r in results)
    gets = sorted(f[1] for f in forms)
    return {"ok": sum(1 for r in results if r[0] == 303), "statuses": sorted({r[0] for r in results}),
            "locations": [r[1] for r in results], "submit": submits, "get": gets,
            "get_wall": t1 - t0, "get_cpu": cpu1 - cpu0, "submit_cpu": cpu2 - cpu1,
            "client_submit_cpu": own2 - own1, "submit_wall": t2 - t1, "wall": t2 - t0,
            "peak_rss": peak["rss"]}


class RawPhone:
    """One phone on its own keep-alive connection, speaking plain HTTP/1.1 over asyncio streams.

    httpx spends ~1.5 ms of CPU per request; with 200 of them on the same 2 cores as the kiosk
    the load generator, not the kiosk, sets the latency. This client costs a few tens of µs a
    request, so the figures measure the kiosk. (The test suite and the httpx line use httpx.)
    """

    def __init__(self, host: str, port: int, source: str) -> None:
        self.host, self.port, self.source = host, port, source
        self.cookies: dict[str, str] = {}

    async def connect(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port,
                                                                 local_addr=(self.source, 0))

    async def request(self, method: str, path: str, body: bytes = b"") -> tuple[int, dict, bytes]:
        head = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}",
                "Accept-Encoding: gzip", "User-Agent: bench-phone"]
        if self.cookies:
            head.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        if method == "POST":
            head += ["Content-Type: application/x-www-form-urlencoded", f"Content-Length: {len(body)}"]
        self.writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + body)
        raw = await self.reader.readuntil(b"\r\n\r\n")
        lines = raw.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers: dict[str, str] = {}
        for line in lines[1:]:
            if ":" in line:
                name, _, value = line.partition(":")
                name, value = name.strip().lower(), value.strip()
                if name == "set-cookie":
                    key, _, rest = value.partition("=")
                    self.cookies[key] = rest.split(";")[0]
                headers[name] = value
        content = await self.reader.readexactly(int(headers.get("content-length", 0)))
        if headers.get("content-encoding") == "gzip":
            import gzip
            content = gzip.decompress(content)
        return status, headers, content

    def close(self) -> None:
        self.writer.close()


async def raw_crowd(base: str, path: str, phones: int, first_id: int, pid: int) -> dict:
    from urllib.parse import urlencode

    host, port = base.split("//")[1].split(":")
    crowd_ = [RawPhone(host, int(port), crowd_address(first_id // phones)) for _ in range(phones)]
    peak = {"rss": 0}

    async def open_form(phone: RawPhone) -> tuple[str, float]:
        t0 = time.perf_counter()
        await phone.connect()
        _, _, body = await phone.request("GET", path)
        return NONCE.search(body.decode()).group(1), time.perf_counter() - t0

    async def submit(phone: RawPhone, body: bytes, go: asyncio.Event) -> tuple[int, str, float]:
        await go.wait()
        t0 = time.perf_counter()
        status, headers, _ = await phone.request("POST", path, body)
        elapsed = time.perf_counter() - t0
        peak["rss"] = max(peak["rss"], memory_kb(pid)["VmRSS"])
        return status, headers.get("location", ""), elapsed

    cpu0 = cpu_seconds(pid)
    t0 = time.perf_counter()
    forms = await asyncio.gather(*(open_form(p) for p in crowd_))
    t1 = time.perf_counter()
    cpu1 = cpu_seconds(pid)
    go = asyncio.Event()
    bodies = [urlencode({"nonce": nonce, "lang": "zh", "name": "工人" + "一二三四五六七八九十"[n % 10],
                         "id_number": id_number(first_id + n), "mobile": f"139{first_id + n:08d}",
                         "group": "courier", "employer": "顺丰", "consent": "1"}).encode()
              for n, (nonce, _) in enumerate(forms)]
    tasks = [asyncio.create_task(submit(p, b, go)) for p, b in zip(crowd_, bodies)]
    await asyncio.sleep(0)  # let every phone reach the start line
    t1 = time.perf_counter()
    go.set()
    results = await asyncio.gather(*tasks)
    t2 = time.perf_counter()
    cpu2 = cpu_seconds(pid)
    for p in crowd_:
        p.close()
    return {"ok": sum(1 for r in results if r[0] == 303), "locations": [r[1] for r in results],
            "submit": sorted(r[2] for r in results), "get": sorted(f[1] for f in forms),
            "get_cpu": cpu1 - cpu0, "submit_cpu": cpu2 - cpu1, "client_submit_cpu": 0.0,
            "submit_wall": t2 - t1, "wall": t2 - t0, "peak_rss": peak["rss"]}


def pct(values: list[float], q: float) -> float:
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))] * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description="phone self-registration benchmark")
    parser.add_argument("--phones", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-flet", action="store_true", help="skip the Flet comparison")
    parser.add_argument("--serve-flet", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--fd", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_flet:
        serve_flet_form(args.fd)
        return 0

    print(f"# bench_selfreg: {os.cpu_count()} CPUs (load average {os.getloadavg()[0]:.1f} at start), "
          f"Python {sys.version.split()[0]}, {args.phones} phones x {args.rounds} rounds + 1 "
          "with httpx, loopback")
    data_dir = Path(tempfile.mkdtemp(prefix="bench-selfreg-"))
    from kiosk.join import join_access
    from kiosk.service import Kiosk

    kiosk = Kiosk.open(str(data_dir))
    path = f"/join/{join_access(kiosk).token}"
    kiosk.close()
    proc, base = start(["-m", "kiosk.selfreg.devserver", "--data-dir", str(data_dir)])
    flet_proc = None
    try:
        first = httpx.get(base + path, headers={"accept-encoding": "gzip"}, timeout=60)
        html_raw = len(first.content)
        html_wire = first.num_bytes_downloaded
        print(f"\n## form page (GET {path[:6]}…)")
        print(f"HTML {html_raw} B, {html_wire} B gzipped on the wire; inline CSS, no JS, no images, "
              "no fonts")
        phone = asyncio.run(load_in_browser(base + path, flet=False))
        print(f"Chromium 390x844 first load: {phone['bytes']} B in {phone['requests']} request(s) "
              f"incl. headers, ready in {phone['ready_s'] * 1000:.0f} ms, outside requests: "
              f"{len(phone['outside'])}  (target <= 30720 B)")
        if not args.no_flet:
            flet_proc, flet_base = start([str(Path(__file__).resolve()), "--serve-flet"])
            flet = asyncio.run(load_in_browser(flet_base + "/", flet=True))
            print(f"same form via Flet web client: {flet['bytes']} B in {flet['requests']} requests, "
                  f"first frame in {flet['ready_s'] * 1000:.0f} ms, outside requests blocked: "
                  f"{len(flet['outside'])} ({', '.join(sorted({u.split('/')[2] for u in flet['outside']}))})")
            print(f"  -> the plain page is {flet['bytes'] / phone['bytes']:.0f}x lighter and "
                  f"{flet['ready_s'] / phone['ready_s']:.0f}x faster to show on loopback "
                  "(the Flet figure excludes the CJK font a real Flet page also needs)")

        idle = memory_kb(proc.pid)
        print(f"\n## {args.phones} concurrent phones, each on its own connection: all open the form, "
              "then all submit at the same instant")
        print(f"kiosk process idle: RSS {idle['VmRSS'] / 1024:.1f} MiB")
        print("round  client  ok/N  lost dup  submit p50 / p95 / max ms  sign-ups/s  GET p95 ms"
              "  peak RSS MiB  kiosk CPU ms per GET, per submit")
        all_locations: list[str] = []
        all_submits: list[float] = []
        total_ok, total_wall = 0, 0.0
        plan = [("raw", raw_crowd)] * args.rounds + [("httpx", crowd)]
        for r, (client, run) in enumerate(plan):
            result = asyncio.run(run(base, path, args.phones, r * args.phones, proc.pid))
            all_locations += result["locations"]
            if client == "raw":
                all_submits += result["submit"]
                total_ok += result["ok"]
                total_wall += result["submit_wall"]
            with sqlite3.connect(data_dir / "kiosk.sqlite3") as conn:
                stored = conn.execute("SELECT count(*), count(DISTINCT id_number) FROM members").fetchone()
            lost = (r + 1) * args.phones - stored[1]
            dup = stored[0] - stored[1]
            extra = (f" (httpx itself: {result['client_submit_cpu'] / args.phones * 1000:.2f} ms CPU "
                     "per request)" if client == "httpx" else "")
            print(f"{r + 1:>5}  {client:>6}  {result['ok']}/{args.phones}  {lost:>4} {dup:>3}  "
                  f"{pct(result['submit'], .5):>9.0f} / {pct(result['submit'], .95):>3.0f} / "
                  f"{pct(result['submit'], 1):>4.0f}  {args.phones / result['submit_wall']:>10.0f}"
                  f"  {pct(result['get'], .95):>10.0f}  {result['peak_rss'] / 1024:>12.1f}"
                  f"  {result['get_cpu'] / args.phones * 1000:.2f}, "
                  f"{result['submit_cpu'] / args.phones * 1000:.2f}{extra}")
        with sqlite3.connect(data_dir / "kiosk.sqlite3") as conn:
            members, distinct_ids, distinct_cards, queued = conn.execute(
                "SELECT count(*), count(DISTINCT id_number), count(DISTINCT card_number), "
                "(SELECT count(*) FROM print_queue WHERE printed_at IS NULL) FROM members").fetchone()
        n = args.phones * len(plan)
        all_submits.sort()
        print(f"\nall rounds: {members} members stored for {n} phones, {n - distinct_ids} lost, "
              f"{members - distinct_ids} duplicated, {distinct_cards} distinct card numbers, "
              f"{queued} in the print queue, {len(set(all_locations))} distinct e-card URLs")
        print(f"raw-client rounds: submit p50 {pct(all_submits, .5):.0f} ms, "
              f"p95 {pct(all_submits, .95):.0f} ms (target <= 250), max {pct(all_submits, 1):.0f} ms; "
              f"{total_ok / total_wall:.0f} sign-ups/s while submitting")
        final = memory_kb(proc.pid)
        print(f"kiosk memory: idle {idle['VmRSS'] / 1024:.1f} MiB, after load RSS "
              f"{final['VmRSS'] / 1024:.1f} MiB, peak (VmHWM) {final['VmHWM'] / 1024:.1f} MiB")
    finally:
        for p in (proc, flet_proc):
            if p is not None:
                p.terminate()
                p.wait(timeout=30)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
