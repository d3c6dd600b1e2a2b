"""Finding and correcting a member in headless Chromium (Debian's), against a real hub on each
store: staff sign in, find the person by card number and by name, correct the mobile number with
a reason, and see the change in the history. Nothing is fetched from outside 127.0.0.1, and no
name ever appears in a URL the browser asked for."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.support.adminhub import assert_stayed_local, sign_in_page, named_kiosk
from tests.support.kiosks import form, push

pytestmark = pytest.mark.browser


@pytest.fixture
def hub(admin_hub, tmp_path):
    hub = admin_hub
    kiosk = named_kiosk(tmp_path / "east", hub, "东区仪式")
    hub.enrolled = kiosk.enroll(form(7, name="王小明", mobile="13912345678"))
    kiosk.enroll(form(8, name="李四", mobile="13600002222"))
    assert push(kiosk).sent == 2
    kiosk.close()
    yield hub


def test_staff_find_a_member_and_correct_the_mobile(hub, admin_page, tmp_path):
    page, requested = admin_page
    sign_in_page(page, f"{hub.url}/admin/members", "sam")
    expect(page.get_by_role("heading", name="会员查询")).to_be_visible()

    # by card number, as typed at a desk: lower case, no dashes
    card = hub.enrolled.card_number
    page.get_by_label("会员卡号").fill(card.replace("-", "").lower())
    page.get_by_role("button", name="查找").click()
    rows = page.locator("table.members tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("139****5678")
    expect(rows.first).to_contain_text(card)

    # by the beginning of the name
    page.get_by_label("会员卡号").fill("")
    page.get_by_label("姓名").fill("王小")
    page.get_by_role("button", name="查找").click()
    expect(rows).to_have_count(1)
    assert urlsplit(page.url).query == ""  # the name went in the POST body, not the URL
    page.get_by_role("link", name="王小明").click()

    expect(page.get_by_role("heading", name="会员 王小明")).to_be_visible()
    expect(page.locator("table.signups")).to_contain_text("东区仪式")
    page.get_by_role("link", name="更正", exact=True).click()

    expect(page.get_by_role("heading", name="更正登记信息")).to_be_visible()
    mobile = page.get_by_label("手机号", exact=True)
    expect(mobile).to_have_value("13912345678")
    mobile.fill("13987654321")
    page.get_by_label("更正原因（必填）").fill("本人来电更正手机号")
    page.get_by_role("button", name="保存更正").click()

    expect(page.get_by_role("status")).to_contain_text("已更正")
    history = page.locator("table.hub-changes")
    expect(history).to_contain_text("sam")
    expect(history).to_contain_text("本人来电更正手机号")
    expect(history).to_contain_text("139****5678 → 139****4321")
    page.screenshot(path=str(tmp_path / "member.png"), full_page=True)

    assert_stayed_local(requested, "王", "13987654321")
