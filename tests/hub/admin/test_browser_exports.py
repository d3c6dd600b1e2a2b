"""Exporting for the national system in headless Chromium (Debian's), against a real hub on each
store: staff sign in, open Exports, download the XLSX, and the file read back with openpyxl has
the national headers and one row per member. Nothing is fetched from outside 127.0.0.1, and no
URL the browser asked for holds an ID number or a name."""

from __future__ import annotations


import pytest
from playwright.sync_api import expect

from tests.support.adminhub import assert_stayed_local, sign_in_page, named_kiosk, xlsx_rows
from sync.hub.national import HEADERS_ZH
from tests.support.kiosks import form, id_number, push

pytestmark = pytest.mark.browser


@pytest.fixture
def hub(admin_hub, tmp_path):
    hub = admin_hub
    kiosk = named_kiosk(tmp_path / "east", hub, "东区仪式")
    hub.cards = {kiosk.enroll(form(n, name=name)).card_number: name
                 for n, name in ((11, "王小明"), (12, "李四"), (13, "阿依古丽·买买提"))}
    assert push(kiosk).sent == 3
    kiosk.close()
    yield hub


def test_staff_download_the_xlsx_for_the_national_system(hub, admin_page, tmp_path):
    page, requested = admin_page
    sign_in_page(page, f"{hub.url}/admin/exports", "sam")
    heading = page.get_by_role("heading", name="导出会员（全国工会会员实名制管理系统）")
    expect(heading).to_be_visible()
    page.get_by_role("link", name="导出").click()  # the menu leads here too

    expect(page.get_by_label("XLSX（Excel 工作簿）")).to_be_checked()
    page.get_by_label("上次导出之后新增的会员", exact=False).check()
    page.get_by_label("导出完整证件号").check()
    with page.expect_download() as download_info:
        page.get_by_role("button", name="导出并下载").click()
    download = download_info.value
    assert download.suggested_filename == "ruhui-members-1.xlsx"
    path = tmp_path / download.suggested_filename
    download.save_as(path)

    rows = xlsx_rows(path.read_bytes())
    assert rows[0] == HEADERS_ZH
    assert len(rows) == 1 + 3
    by_card = {row[HEADERS_ZH.index("会员卡号")]: dict(zip(HEADERS_ZH, row)) for row in rows[1:]}
    assert {card: row["姓名"] for card, row in by_card.items()} == hub.cards
    assert sorted(row["证件号码"] for row in by_card.values()) == sorted(
        id_number(n) for n in (11, 12, 13))

    page.reload()
    history = page.locator("table.exports tbody tr")
    expect(history).to_have_count(1)
    expect(history.first).to_contain_text("sam · 工作人员")
    expect(history.first).to_contain_text("完整")
    page.screenshot(path=str(tmp_path / "exports.png"), full_page=True)

    assert_stayed_local(requested, "王", *(id_number(n) for n in (11, 12, 13)))
