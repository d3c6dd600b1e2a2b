"""Every screen at phone, tablet and laptop sizes (screenshots), and Chinese drawn as glyphs."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.support.idgen import make_id

from tests.ui.browser.conftest import SHOTS
from tests.support.flutter import by_id, click_and_type, open_app, settle_paint, text_input

pytestmark = pytest.mark.browser
SIZES = [(390, 844), (800, 1280), (1280, 800)]


@pytest.mark.parametrize("width,height", SIZES)
def test_screenshots_of_every_screen(new_page, kiosk_server, width, height):
    kiosk = kiosk_server.kiosk
    done = kiosk.enroll({"name": "张三明", "id_number": make_id(seq=301), "mobile": "13800138000",
                         "group": "courier", "consent": True}, volunteer="desk")
    page = new_page(width, height)

    def shot(name: str) -> None:
        settle_paint(page)
        page.screenshot(path=str(SHOTS / f"{name}-{width}x{height}.png"))

    open_app(page, kiosk_server.url + "tablet")
    expect(text_input(page, "志愿者")).to_be_visible()
    shot("volunteer")
    click_and_type(page, "志愿者", "刘志")
    page.get_by_role("button", name="开始").click()
    expect(text_input(page, "姓名")).to_be_visible()
    shot("enroll")
    page.get_by_role("button", name="提交").click()
    expect(page.get_by_text("此项必填").first).to_be_visible()
    shot("enroll-errors")
    by_id(page, "nav-roster").click()
    expect(by_id(page, f"roster-reprint-{done.card_number}")).to_be_visible()
    shot("roster")
    page.get_by_role("button", name="补打").first.click()
    expect(by_id(page, "done-card")).to_be_visible()
    shot("done")
    by_id(page, "nav-big").click()
    expect(by_id(page, "big-total")).to_contain_text("1")
    shot("big")
    by_id(page, "nav-settings").click()
    expect(page.get_by_text("设置管理员密码")).to_be_visible()
    shot("pin")
    click_and_type(page, "新密码", "4829")
    click_and_type(page, "再次输入密码", "4829")
    page.get_by_role("button", name="确定").click()
    expect(by_id(page, "settings-save")).to_be_visible()
    shot("settings")
    by_id(page, "nav-lang").click()  # every string from the one table, in English
    expect(page.get_by_role("button", name="Save", exact=True)).to_be_visible()
    shot("settings-en")
    by_id(page, "nav-lock").click()  # locked again: back to the form, settings need the PIN
    expect(text_input(page, "Name")).to_be_visible()
    expect(by_id(page, "nav-lock")).to_have_count(0)
    by_id(page, "nav-lang").click()
    expect(text_input(page, "姓名")).to_be_visible()


def test_chinese_and_rare_characters_render_as_glyphs(new_page, kiosk_server):
    """A box (tofu) looks the same for any character: two different names must not."""
    page = new_page(1280, 800)
    open_app(page, kiosk_server.url)
    field = by_id(page, "enroll-name")
    settle_paint(page)
    empty = field.screenshot()
    images = {}
    # Boxes look alike: if each pair differs, real glyphs were drawn (䶮 comes from a rare
    # chunk registered on demand, 𠮷 from a local fallback slice).
    for text in ("张明", "李华", "䶮", "㐁", "𠮷", "𠀋"):
        click_and_type(page, "姓名", text)
        previous = None
        for _ in range(40):  # waiting for the font to arrive and the canvas to paint
            settle_paint(page)
            current = field.screenshot()
            if current == previous:
                break
            previous = current
        images[text] = current
    assert all(image != empty for image in images.values())
    assert images["张明"] != images["李华"]
    assert images["䶮"] != images["㐁"]
    assert images["𠮷"] != images["𠀋"]
    (SHOTS / "glyph-rare-4dae.png").write_bytes(images["䶮"])
    (SHOTS / "glyph-rare-20bb7.png").write_bytes(images["𠮷"])
