"""The volunteer flow in a real browser: keyboard only, errors at the field, duplicates, two tabs."""

from __future__ import annotations

import io
import sqlite3

import pytest
import zxingcpp
from PIL import Image
from playwright.sync_api import expect

from kiosk.join.access import join_access
from kiosk.service.settings import IDLE_SETTING

from tests.support.idgen import make_id

from tests.support.flutter import by_id, click_and_type, open_app, read_painted, text_input, type_keys

pytestmark = pytest.mark.browser


def enroll_by_keyboard(page, name: str, id_number: str, mobile: str, preview: str = "") -> None:
    """Name, ID and mobile typed with Enter between them, a group, the consent box, 提交.

    Flutter keeps keyboard focus in a hidden editing <input>, so a text field proves it had
    the focus by receiving what is typed (its semantics <input> shows the value).
    """
    expect(text_input(page, "姓名")).to_be_visible()
    for label, value in (("姓名", name), ("身份证号", id_number), ("手机号", mobile)):
        type_keys(page, label, value)  # the form opens with the cursor in 姓名; Enter moves on
        if label == "身份证号" and preview:  # birth date and gender appear at once
            expect(by_id(page, "enroll-id-preview")).to_contain_text(preview)
        page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="货车司机")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="快递员")).to_be_focused()
    page.keyboard.press("Enter")   # chosen; the cursor moves on to the employer field
    type_keys(page, "单位", "顺丰")
    page.keyboard.press("Tab")     # to the consent box
    expect(page.get_by_role("checkbox")).to_be_focused()
    page.keyboard.press("Space")
    expect(page.get_by_role("checkbox")).to_be_checked()
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="提交")).to_be_focused()
    page.keyboard.press("Enter")


def rows(kiosk_server) -> list[tuple]:
    with sqlite3.connect(kiosk_server.kiosk.paths.database) as db:
        return db.execute("SELECT name, id_number, mobile, [group], employer, card_number, "
                          "volunteer FROM members ORDER BY created_at").fetchall()


def test_keyboard_only_sign_up_shows_card_and_lands_in_sqlite(new_page, kiosk_server):
    page = new_page()
    open_app(page, kiosk_server.url)
    id_number = make_id(seq=211)
    enroll_by_keyboard(page, "张三明", id_number, "13800138000", preview="1990-03-07 · 男")
    expect(by_id(page, "done-card")).to_be_visible()
    expect(page.get_by_role("button", name="下一位")).to_be_visible()
    [(name, stored_id, mobile, group, employer, card_number, _)] = rows(kiosk_server)
    assert (name, stored_id, mobile, group, employer) == ("张三明", id_number, "13800138000",
                                                         "courier", "顺丰")
    expect(page.get_by_text(card_number, exact=False).first).to_be_visible()
    # 下一位 (focused: Enter) clears everything, no personal data stays on screen, and the
    # cursor is back in 姓名 for the next worker.
    expect(page.get_by_role("button", name="下一位")).to_be_focused()
    page.keyboard.press("Enter")
    expect(text_input(page, "姓名")).to_have_value("")
    expect(text_input(page, "姓名")).to_be_focused()
    expect(page.get_by_text("张三明")).to_have_count(0)


def test_wrong_check_digit_shows_error_at_the_field_and_stores_nothing(new_page, kiosk_server):
    page = new_page()
    open_app(page, kiosk_server.url)
    good = make_id(seq=212)
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    enroll_by_keyboard(page, "李思", bad, "13900139000")
    expect(page.get_by_text("校验位不符").first).to_be_visible()
    expect(text_input(page, "身份证号")).to_have_value(bad)  # the form keeps what was typed
    assert rows(kiosk_server) == []


def test_duplicate_id_shows_the_member_and_offers_reprint(new_page, kiosk_server):
    id_number = make_id(seq=213)
    first = kiosk_server.kiosk.enroll({"name": "王五", "id_number": id_number,
                                       "mobile": "13700137000", "group": "courier",
                                       "consent": True}, volunteer="desk")
    page = new_page()
    open_app(page, kiosk_server.url)
    enroll_by_keyboard(page, "王五", id_number, "13700137000")
    expect(page.get_by_text(first.card_number).first).to_be_visible()
    reprint = page.get_by_role("button", name="补打会员卡")
    expect(reprint).to_be_visible()
    reprint.click()
    expect(by_id(page, "done-card")).to_be_visible()
    assert len(rows(kiosk_server)) == 1


def test_two_tabs_enrolling_at_once_both_land(new_page, kiosk_server):
    pages = [new_page(), new_page()]
    for page in pages:
        open_app(page, kiosk_server.url)
    ids = [make_id(seq=214), make_id(seq=215)]
    for page, (name, id_number) in zip(pages, [("赵一", ids[0]), ("钱二", ids[1])]):
        click_and_type(page, "姓名", name)
        click_and_type(page, "身份证号", id_number)
        click_and_type(page, "手机号", "13600136000")
        page.get_by_role("button", name="快递员").click()
        page.get_by_role("checkbox").click()
        expect(page.get_by_role("checkbox")).to_be_checked()
    # Both press 提交 at once (two threads of the browser driver would need two browsers: the
    # clicks go out back to back and the server handles them concurrently).
    for page in pages:
        page.get_by_role("button", name="提交").dispatch_event("click")
    for page in pages:
        expect(by_id(page, "done-card")).to_be_visible()
    assert sorted(r[1] for r in rows(kiosk_server)) == sorted(ids)


def test_big_screen_count_moves_when_another_tab_enrolls(new_page, kiosk_server):
    big = new_page(1280, 800)
    open_app(big, kiosk_server.url + "big")
    total = by_id(big, "big-total")
    expect(total).to_contain_text("0")
    desk = new_page()
    open_app(desk, kiosk_server.url)
    enroll_by_keyboard(desk, "孙六", make_id(seq=216), "13500135000")
    expect(by_id(desk, "done-card")).to_be_visible()
    expect(total).to_contain_text("1", timeout=1_000)  # within a second of the sign-up
    expect(by_id(big, "big-recent")).to_contain_text("孙*")


def decode_qr(png: bytes) -> list[str]:
    return [b.text for b in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))]


def test_big_screen_shows_the_join_qr_code_for_phones(new_page, kiosk_server):
    big = new_page(1280, 800)
    open_app(big, kiosk_server.url + "big")
    qr = by_id(big, "big-join-qr")
    expect(qr).to_be_visible()
    texts = read_painted(qr, decode_qr)
    token = join_access(kiosk_server.kiosk).token
    assert len(texts) == 1 and texts[0].endswith(f"/join/{token}")


def test_a_tablet_remembers_its_volunteer_across_reloads(new_page, kiosk_server):
    page = new_page(800, 1280)
    open_app(page, kiosk_server.url + "tablet")
    click_and_type(page, "志愿者", "刘志")
    page.keyboard.press("Enter")
    expect(text_input(page, "姓名")).to_be_visible()
    open_app(page, kiosk_server.url + "tablet")  # a reload
    expect(text_input(page, "姓名")).to_be_visible()
    expect(text_input(page, "志愿者")).to_have_count(0)
    expect(by_id(page, "nav-volunteer")).to_contain_text("刘志")
    click_and_type(page, "姓名", "周七")
    click_and_type(page, "身份证号", make_id(seq=217))
    click_and_type(page, "手机号", "13400134000")
    page.get_by_role("button", name="保安员").click()
    page.get_by_role("checkbox").click()
    page.get_by_role("button", name="提交").click()
    expect(by_id(page, "done-card")).to_be_visible()
    [(name, *_, volunteer)] = rows(kiosk_server)
    assert (name, volunteer) == ("周七", "刘志")


def test_idle_timeout_clears_the_card_from_the_screen(new_page, kiosk_server):
    kiosk_server.kiosk.store.set_setting(IDLE_SETTING, 1)  # the kiosk checks every few seconds
    page = new_page()
    open_app(page, kiosk_server.url)
    enroll_by_keyboard(page, "吴九", make_id(seq=218), "13300133000")
    expect(by_id(page, "done-card")).to_be_visible()
    expect(text_input(page, "姓名")).to_be_visible(timeout=15_000)
    expect(text_input(page, "姓名")).to_have_value("")
    expect(page.get_by_text("吴九")).to_have_count(0)
    expect(by_id(page, "done-card")).to_have_count(0)
