"""Provisioning a device from the admin pages in headless Chromium (Debian's), against a real hub
on each store: staff sign in, make a device code, the QR code drawn on the page (read back from
a screenshot with zxing-cpp) holds exactly the code shown, a real kiosk provisions with it, and
the device is listed after a reload. Nothing is fetched from outside 127.0.0.1, and the code
never appears in a URL the browser asked for."""

from __future__ import annotations

import io

import pytest
import zxingcpp
from PIL import Image
from playwright.sync_api import expect

from tests.support.adminhub import assert_stayed_local, sign_in_page
from sync.client.provision import provision
from tests.support.kiosks import open_kiosk

pytestmark = pytest.mark.browser


@pytest.fixture
def hub(admin_hub):
    return admin_hub


def test_staff_make_a_device_code_whose_qr_a_kiosk_provisions_with(hub, admin_page, tmp_path):
    page, requested = admin_page
    sign_in_page(page, f"{hub.url}/admin/devices", "sam")
    expect(page.get_by_role("heading", name="设备", exact=True)).to_be_visible()
    expect(page.get_by_text("还没有注册任何设备")).to_be_visible()

    page.get_by_label("设备名称").fill("南区仪式1号机")
    expect(page.get_by_label("有效小时数")).to_have_value("24")
    page.get_by_role("button", name="生成注册码").click()
    expect(page.get_by_role("heading", name="新设备注册码")).to_be_visible()
    code = page.locator("#device-code").inner_text().strip()
    assert code.endswith(f"@{hub.url}")
    expect(page.locator("#device-command")).to_have_text(f"kiosk provision {code}")

    shot = page.screenshot(path=str(tmp_path / "device-code.png"), full_page=True)
    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(shot)))
    assert [b.text for b in found if b.format == zxingcpp.BarcodeFormat.QRCode] == [code]

    kiosk = open_kiosk(tmp_path / "south")
    try:
        answer = provision(kiosk, code)  # what `kiosk provision CODE` does
    finally:
        kiosk.close()
    page.get_by_role("link", name="返回设备列表").click()
    row = page.locator("table.devices tbody tr")
    expect(row).to_have_count(1)
    expect(row.first).to_contain_text("南区仪式1号机")
    expect(row.first).to_contain_text(answer["prefix"])
    expect(row.first).to_contain_text("使用中")
    page.reload()
    expect(row.first).to_contain_text("南区仪式1号机")

    secret = code.split("@")[0]
    assert_stayed_local(requested, secret, secret.replace("-", ""))
