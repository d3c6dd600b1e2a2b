"""The phone page in headless Chromium at 390x844, served by a real uvicorn."""

from __future__ import annotations

import io
import sqlite3
from urllib.parse import urljoin, urlsplit

import pytest
from PIL import Image
from playwright.sync_api import expect

from tests.support import chromium
from tests.support.idgen import make_id
from kiosk.join import join_access
from kiosk.selfreg.devserver import selfreg_app, serve_in_thread

pytestmark = pytest.mark.browser

WECHAT_UA = ("Mozilla/5.0 (Linux; Android 12; V2118A) AppleWebKit/537.36 (KHTML, like Gecko) "
             "Version/4.0 Chrome/107.0.5304.141 Mobile Safari/537.36 XWEB/5235 MMWEBSDK/20230701 "
             "MMWEBID/1234 MicroMessenger/8.0.40.2420(0x28002851) WeChat/arm64 Weixin NetType/WIFI "
             "Language/zh_CN ABI/arm64")


@pytest.fixture
def phone(kiosk, playwright_driver):
    """A phone-sized page; yields (page, form URL, every URL the page asked for)."""
    with serve_in_thread(selfreg_app(kiosk)) as base:
        browser = playwright_driver.chromium.launch(executable_path=chromium.EXECUTABLE,
                                                    args=chromium.ARGS)
        context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True,
                                      has_touch=True, device_scale_factor=2, user_agent=WECHAT_UA,
                                      java_script_enabled=False)
        page = context.new_page()
        requested: list[str] = []
        page.on("request", lambda request: requested.append(request.url))
        yield page, f"{base}/join/{join_access(kiosk).token}", requested
        browser.close()


def test_phone_signs_up_sees_errors_then_the_e_card(kiosk, phone, tmp_path):
    page, url, requested = phone
    page.goto(url)
    expect(page.get_by_role("heading", name="工会入会登记")).to_be_visible()
    id_number = make_id(seq=501)
    wrong = id_number[:-1] + ("0" if id_number[-1] != "0" else "1")
    page.get_by_role("textbox", name="姓名", exact=True).fill("𠮷䶮·阿依古丽")
    page.get_by_role("textbox", name="身份证号", exact=True).fill(wrong)
    page.get_by_role("textbox", name="手机号", exact=True).fill("+86 139-1234-5678")
    page.get_by_label("从事职业").select_option(label="快递员")
    page.get_by_label("工作单位或平台").fill("顺丰")
    page.get_by_label("民族").select_option(label="维吾尔族")
    page.get_by_role("button", name="提交").click()

    # Errors next to their fields, read out with them; everything typed is still there.
    expect(page.get_by_role("alert")).to_contain_text("有 2 处需要修改")
    expect(page.locator("#e-id_number")).to_have_text("证件号码校验位不符，请逐位核对")
    expect(page.locator("#e-consent")).to_contain_text("需要本人勾选同意")
    expect(page.get_by_role("textbox", name="身份证号", exact=True)).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_role("textbox", name="姓名", exact=True)).to_have_value("𠮷䶮·阿依古丽")
    expect(page.get_by_role("textbox", name="手机号", exact=True)).to_have_value("+86 139-1234-5678")
    expect(page.get_by_label("从事职业")).to_have_value("courier")
    expect(page.get_by_label("民族")).to_have_value("05")
    expect(page.get_by_label("工作单位或平台")).to_have_value("顺丰")
    page.screenshot(path=str(tmp_path / "errors.png"), full_page=True)
    assert kiosk.store.count_active() == 0

    page.get_by_role("textbox", name="身份证号", exact=True).fill(id_number)
    consent = page.get_by_role("checkbox", name="本人同意工会为办理入会处理我的身份证号等个人信息")
    expect(consent).not_to_be_checked()
    consent.check()
    page.get_by_role("button", name="提交").click()

    expect(page.get_by_role("status")).to_contain_text("入会成功")
    card = page.get_by_role("img", name="电子会员卡：𠮷䶮·阿依古丽", exact=False)
    expect(card).to_be_visible()
    page.wait_for_load_state("load")  # the load event waits for the image
    assert card.evaluate("img => img.complete && img.naturalWidth") == 1011
    expect(page.get_by_text("请到服务台领取纸质会员卡。")).to_be_visible()
    page.screenshot(path=str(tmp_path / "card.png"), full_page=True)

    with sqlite3.connect(kiosk.paths.database) as conn:
        rows = conn.execute("SELECT m.record_id, m.card_number, m.name, m.mobile, m.channel, "
                            "q.printed_at FROM members m JOIN print_queue q USING (record_id)").fetchall()
    assert len(rows) == 1
    record_id, card_number, name, mobile, channel, printed_at = rows[0]
    assert (name, mobile, channel, printed_at) == ("𠮷䶮·阿依古丽", "13912345678", "self_service", None)
    expect(page.locator(".num")).to_have_text(card_number)
    assert page.url.endswith(f"/join/card/{record_id}/")

    # The same phone opens the e-card again later, with the same image.
    png = page.request.get(urljoin(page.url, card.get_attribute("src")))
    assert Image.open(io.BytesIO(png.body())).size == (1011, 638)
    page.goto(page.url)
    expect(page.locator(".num")).to_have_text(card_number)

    # Every request went to the kiosk's own address; nothing carried the ID number.
    kiosk_host = urlsplit(url).netloc
    assert requested and {urlsplit(u).netloc for u in requested} == {kiosk_host}
    assert not any(id_number in u or wrong in u for u in requested)


def test_page_switches_to_english(phone):
    page, url, _ = phone
    page.goto(url)
    page.get_by_role("link", name="English").click()
    expect(page.get_by_role("heading", name="Join the trade union")).to_be_visible()
    expect(page.get_by_role("textbox", name="ID number", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Submit")).to_be_visible()
    page.get_by_role("button", name="Submit").click()
    expect(page.locator("#e-name")).to_have_text("This field is required")
    expect(page.get_by_role("link", name="中文")).to_be_visible()


def test_closed_token_shows_a_friendly_page_in_the_browser(kiosk, phone):
    from kiosk.join import close_join

    page, url, _ = phone
    close_join(kiosk)
    response = page.goto(url)
    assert response.status == 404
    expect(page.get_by_role("alert")).to_contain_text("登记暂未开放")
    expect(page.locator("form")).to_have_count(0)
