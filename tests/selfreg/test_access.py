"""Join tokens, nonces, addresses, the QR code, the poster, the rate limiter and the commands."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pypdfium2
import zxingcpp
from PIL import Image

from kiosk.join import close_join, join_access, join_qr_png, join_url, rotate_join
from kiosk.selfreg import Budget, RateLimits
from kiosk.join.access import access_keys, record_id_for
from kiosk.join.address import base_url, pick_lan_address
from kiosk.service.settings import PUBLIC_URL_SETTING
from kiosk.selfreg.limits import RateLimiter
from kiosk.join.poster import poster_pdf
from kiosk.service import Kiosk

ROOT = Path(__file__).resolve().parents[2]


def test_token_is_stable_until_closed_or_rotated(kiosk):
    first = join_access(kiosk)
    assert first.open and join_access(kiosk) == first and len(first.token) >= 22
    closed = close_join(kiosk)
    assert not closed.open and closed.token == first.token
    assert join_access(kiosk) == closed  # closed stays closed
    rotated = rotate_join(kiosk)
    assert rotated.open and rotated.token != first.token


def test_a_new_event_gets_a_new_open_token(kiosk):
    from kiosk.domain.event import Event

    first = join_access(kiosk)
    kiosk.save_event(Event(id="E-next", name="第二场", date="2026-12-01"))
    second = join_access(kiosk)
    assert second.event == "E-next" and second.open and second.token != first.token


def test_nonce_is_bound_to_token_and_session(kiosk):
    keys = access_keys(kiosk)
    signed = keys.sign_nonce("TOKEN", "session-a", "n1")
    assert keys.open_nonce("TOKEN", "session-a", signed) == "n1"
    assert keys.open_nonce("TOKEN", "session-b", signed) is None
    assert keys.open_nonce("OTHER", "session-a", signed) is None
    assert keys.open_nonce("TOKEN", "session-a", "n2." + signed.split(".")[1]) is None
    assert keys.open_nonce("TOKEN", "session-a", "garbage") is None
    assert record_id_for("n1") == record_id_for("n1") != record_id_for("n2")
    # The secret survives a restart: forms opened before it still submit after.
    kiosk2 = Kiosk.open(str(kiosk.paths.data_dir))
    try:
        assert access_keys(kiosk2).open_nonce("TOKEN", "session-a", signed) == "n1"
    finally:
        kiosk2.close()


def test_lan_address_prefers_the_event_wifi():
    assert pick_lan_address(["127.0.0.1", "172.17.0.1", "192.168.1.23"]) == "192.168.1.23"
    assert pick_lan_address(["127.0.0.1", "10.0.0.5", "203.0.113.9"]) == "10.0.0.5"
    assert pick_lan_address(["127.0.0.1", "169.254.3.3"]) == "127.0.0.1"
    assert pick_lan_address(["::1", "fe80::1"]) == "127.0.0.1"


def test_public_url_overrides_detection(kiosk, monkeypatch):
    detected = base_url(kiosk, port=9000)
    assert detected.startswith("http://") and detected.endswith(":9000")
    assert base_url(kiosk, host="192.168.8.2", port=8550) == "http://192.168.8.2:8550"
    kiosk.store.set_setting(PUBLIC_URL_SETTING, "https://join.example.org/")
    assert base_url(kiosk) == "https://join.example.org"
    monkeypatch.setenv("KIOSK_PUBLIC_URL", "https://tunnel.example.net")
    token = join_access(kiosk).token
    assert join_url(kiosk) == f"https://tunnel.example.net/join/{token}"
    assert join_url(kiosk, "http://10.1.1.1:8550") == f"http://10.1.1.1:8550/join/{token}"


def test_join_qr_png_reads_back_as_the_url(kiosk):
    url = join_url(kiosk, "http://192.168.1.23:8550")
    image = Image.open(io.BytesIO(join_qr_png(url)))
    assert [r.text for r in zxingcpp.read_barcodes(image)] == [url]


def test_poster_is_a4_with_a_readable_qr_and_the_event_name(kiosk):
    url = join_url(kiosk, "http://192.168.1.23:8550")
    event = kiosk.current_event().name
    pdf = pypdfium2.PdfDocument(poster_pdf(url, event))
    try:
        assert len(pdf) == 1
        page = pdf[0]
        width, height = page.get_size()
        assert (round(width / 72 * 25.4), round(height / 72 * 25.4)) == (210, 297)
        text = page.get_textpage().get_text_range()
        for expected in ("扫码入会", event, "1. 连接现场 Wi-Fi", "2. 按提示填写", "3. 提交后保存电子会员卡", url):
            assert expected in text
        image = page.render(scale=150 / 72).to_pil()
    finally:
        pdf.close()
    assert [r.text for r in zxingcpp.read_barcodes(image)] == [url]


def test_rate_limiter_refills_and_keeps_addresses_apart():
    now = [0.0]
    limiter = RateLimiter(RateLimits(view=Budget(3, 60), submit=Budget(2, 60)), clock=lambda: now[0])
    assert [limiter.allow("submit", "10.0.0.1") for _ in range(3)] == [True, True, False]
    assert limiter.allow("submit", "10.0.0.2")  # another router
    assert limiter.allow("view", "10.0.0.1")  # page views have their own budget
    now[0] += 1.0  # one second refills one submit at 60/min
    assert limiter.allow("submit", "10.0.0.1") and not limiter.allow("submit", "10.0.0.1")


def kiosk_cli(*args: str, data_dir: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "KIOSK_DATA_DIR": str(data_dir)}
    return subprocess.run([sys.executable, "-m", "kiosk.cli.__main__", *args], capture_output=True,
                          text=True, env=env, cwd=ROOT, timeout=120)


def test_join_commands(tmp_path):
    data = tmp_path / "cli-kiosk"
    url = kiosk_cli("join-url", "--base-url", "http://192.168.1.23:8550", data_dir=data)
    assert url.returncode == 0 and url.stdout.startswith("http://192.168.1.23:8550/join/")
    again = kiosk_cli("join-url", "--base-url", "http://192.168.1.23:8550", data_dir=data)
    assert again.stdout == url.stdout
    detected = kiosk_cli("join-url", "--port", "9001", data_dir=data)
    assert detected.returncode == 0 and ":9001/join/" in detected.stdout

    closed = kiosk_cli("join-close", data_dir=data)
    assert closed.returncode == 0 and "已关闭" in closed.stdout
    refused = kiosk_cli("join-url", data_dir=data)
    assert refused.returncode == 1 and refused.stdout == "" and "kiosk join-rotate" in refused.stderr

    rotated = kiosk_cli("join-rotate", "--base-url", "http://192.168.1.23:8550", data_dir=data)
    assert rotated.returncode == 0 and rotated.stdout != url.stdout
    poster = tmp_path / "out" / "poster.pdf"
    made = kiosk_cli("poster", "--pdf", str(poster), "--base-url", "http://192.168.1.23:8550",
                     data_dir=data)
    assert made.returncode == 0, made.stderr
    pdf = pypdfium2.PdfDocument(poster.read_bytes())
    try:
        image = pdf[0].render(scale=150 / 72).to_pil()
    finally:
        pdf.close()
    assert [r.text for r in zxingcpp.read_barcodes(image)] == [rotated.stdout.strip()]
