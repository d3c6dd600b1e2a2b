"""The members admin pages over real HTTP on each hub store (SQLite, PostgreSQL): search, the
person's page, corrections, voids, the logged showing of a full ID number, and roles."""

from __future__ import annotations

import datetime as dt
import json
import re
import time

import httpx
import pytest

from tests.support import hubdb
from tests.support.adminhub import csrf_of, links_of, named_kiosk
from sync.client import Identity
from sync.client.uploader import build_envelope
from sync.protocol.auth import sign_request
from sync.protocol.receipt import verify_receipt
from sync.protocol.wire import from_ranges
from tests.support.kiosks import form, id_number, push

BEIJING = dt.timezone(dt.timedelta(hours=8))

EVENT = "五一集中入会仪式"


@pytest.fixture
def hub(admin_hub):
    return admin_hub


class People:
    """Wang Xiaoming signed up at two kiosks (one person: two cards, the second an alias),
    Wang Xiaohong and Li Si at one each."""

    def __init__(self, hub, tmp_path):
        self.east = named_kiosk(tmp_path / "east", hub, "东区仪式")
        self.west = named_kiosk(tmp_path / "west", hub, "西区服务站")
        self.ming = self.east.enroll(form(7, name="王小明", mobile="13912345678", event=EVENT))
        self.east_rows = self.east.store.pending_outbox()
        self.envelope = build_envelope(self.east, Identity.of(self.east),
                                       self.east_rows)[1]
        assert push(self.east).sent == 1
        self.ming_again = self.west.enroll(form(7, name="王小明", mobile="13912345678"))
        self.hong = self.west.enroll(form(8, name="王小红", mobile="13700001111", event=EVENT))
        self.li = self.west.enroll(form(9, name="李四", mobile="13600002222"))
        assert push(self.west).sent == 3
        self.hub = hub

    def member(self, enrolled) -> int:
        return hub_value(self.hub, "SELECT member_id FROM signups WHERE record_id = ?",
                         (enrolled.record_id,))

    def close(self):
        self.east.close()
        self.west.close()


@pytest.fixture
def people(hub, tmp_path):
    made = People(hub, tmp_path)
    yield made
    made.close()


def hub_value(hub, sql, params=()):
    return hubdb.hub_rows(hub.db, sql, params)[0][0]


def search(client, csrf, **criteria) -> httpx.Response:
    return client.post("/admin/members", data={"csrf": csrf, **criteria})


def names_in(page: str) -> list[str]:
    return [n for n in ("王小明", "王小红", "李四") if f">{n}</a>" in page]


def resend(kiosk, envelope: bytes):
    """The kiosk's original batch again (freshly signed, as a kiosk that lost the receipt)."""
    ident = Identity.of(kiosk)
    headers = sign_request(kiosk.device_key, ident.device, "POST", "/v1/batches", envelope,
                           int(time.time()))
    answer = httpx.post(ident.hub_url + "/v1/batches", content=envelope, headers=headers,
                        timeout=10)
    assert answer.status_code == 200, answer.text
    return verify_receipt(answer.json(), ident.hub_sign_key)


# --- search ------------------------------------------------------------------------------------
def test_search_by_name_exact_or_prefix(hub, people, sign_in):
    client, csrf = sign_in(hub.url, "rita")
    assert names_in(search(client, csrf, name="王小").text) == ["王小明", "王小红"]
    assert names_in(search(client, csrf, name="王小明").text) == ["王小明"]
    assert names_in(search(client, csrf, name="小明").text) == []  # a prefix, not a substring
    assert "没有符合条件的会员" in search(client, csrf, name="赵").text


def test_search_by_any_card_as_people_type_it(hub, people, sign_in):
    client, csrf = sign_in(hub.url, "rita")
    alias = people.ming_again.card_number
    typed = alias.replace("-", "").lower()  # lower case, no dashes
    page = search(client, csrf, card_number=typed).text
    assert names_in(page) == ["王小明"]
    assert people.ming.card_number in page  # the row shows the canonical card
    assert ">2</td>" in page  # two sign-ups


def test_search_by_last_four_of_mobile_and_refuses_other_input(hub, people, sign_in):
    client, csrf = sign_in(hub.url, "rita")
    assert names_in(search(client, csrf, mobile4="1111").text) == ["王小红"]
    bad = search(client, csrf, mobile4="11a1")
    assert bad.status_code == 400 and "请填写手机号的最后4位数字" in bad.text
    assert "Enter the last 4 digits" not in bad.text  # Chinese page; English with the switch


def test_search_by_event_in_a_get_link_and_combined_criteria(hub, people, sign_in):
    client, csrf = sign_in(hub.url, "rita")
    by_link = client.get("/admin/members", params={"event": EVENT})
    assert by_link.status_code == 200 and names_in(by_link.text) == ["王小明", "王小红"]
    assert names_in(search(client, csrf, event=EVENT, name="王小红").text) == ["王小红"]
    assert names_in(search(client, csrf, event=EVENT, mobile4="2222").text) == []
    everyone = client.get("/admin/members").text  # no criteria: the newest first
    assert names_in(everyone) == ["王小明", "王小红", "李四"]
    assert everyone.index("李四") < everyone.index("王小红") < everyone.index("王小明")


def test_rows_show_masked_id_and_mobile_group_union_and_status(hub, people, sign_in):
    client, csrf = sign_in(hub.url, "ada")  # even an admin sees masked values in lists
    page = search(client, csrf, name="王小明").text
    number = id_number(7)
    assert number not in page and f"{number[:6]}********{number[-4:]}" in page
    assert "13912345678" not in page and "139****5678" in page
    assert "快递员" in page and "CN-110105" in page and "有效" in page


def test_results_come_fifty_a_page_with_the_criteria_posted_again(hub, tmp_path, sign_in):
    kiosk = named_kiosk(tmp_path / "big", hub, "大型仪式")
    for n in range(55):
        kiosk.enroll(form(100 + n, name="张伟"))
    assert push(kiosk).sent == 55
    kiosk.close()
    client, csrf = sign_in(hub.url, "rita")
    first = search(client, csrf, name="张伟")
    assert first.text.count(">张伟</a>") == 50 and "第 1 页" in first.text
    assert 'name="page" value="2"' in first.text and 'value="张伟"' in first.text
    second = search(client, csrf, name="张伟", page="2")
    assert second.text.count(">张伟</a>") == 5 and "下一页" not in second.text
    assert 'name="page" value="1"' in second.text  # previous page


def test_names_mobiles_and_id_numbers_stay_out_of_urls(hub, people, sign_in):
    client, csrf = sign_in(hub.url, "sam")
    form_page = client.get("/admin/members").text
    assert '<form method="post" action="/admin/members" class="row" role="search"' in form_page
    result = search(client, csrf, name="王小明", mobile4="5678")
    assert str(result.url) == f"{hub.url}/admin/members" and not result.history
    member_id = people.member(people.ming)
    pages = [form_page, result.text, client.get(f"/admin/members/{member_id}").text,
             client.get(f"/admin/signups/{people.ming.record_id}/correct").text,
             client.post(f"/admin/members/{member_id}/full-id", data={"csrf": csrf}).text]
    secrets = ("王小明", "%E7%8E%8B", "5678", id_number(7), id_number(7)[-8:])
    for page in pages:
        for url in links_of(page):
            assert not any(s in url for s in secrets), url
    # page titles go into the browser's history too
    for page in pages:
        title = page.split("<title>")[1].split("</title>")[0]
        assert "王小明" not in title and id_number(7) not in title, title
    # a GET with a name in the query is not a way in either: it is simply ignored
    ignored = client.get("/admin/members", params={"name": "王小明"})
    assert names_in(ignored.text) == ["王小明", "王小红", "李四"]


# --- the person ----------------------------------------------------------------------------------
def test_person_page_shows_both_kiosks_cards_and_aliases(hub, people, sign_in):
    client, _ = sign_in(hub.url, "rita")
    page = client.get(f"/admin/members/{people.member(people.ming)}").text
    assert people.member(people.ming) == people.member(people.ming_again)
    east, west = (Identity.of(k).device for k in (people.east, people.west))
    assert f"{east} · 东区仪式" in page and f"{west} · 西区服务站" in page
    canonical_row = page.split(people.ming.card_number + "</td>")[1].split("</tr>")[0]
    alias_row = page.split(people.ming_again.card_number + "</td>")[1].split("</tr>")[0]
    assert "主卡" in canonical_row and EVENT in canonical_row and "集中仪式" in canonical_row
    assert "副卡" in alias_row
    aliases = page.split("其他卡号（副卡）")[1].split("</dd>")[0]
    assert people.ming_again.card_number in aliases and people.ming.card_number not in aliases
    assert id_number(7) not in page and "139****5678" in page and "13912345678" not in page
    # a read-only user is offered neither corrections, voids nor the full ID
    assert "/correct" not in page and "/void" not in page and "/full-id" not in page


def test_unknown_person_is_a_404_page(hub, people, sign_in):
    client, _ = sign_in(hub.url, "rita")
    assert client.get("/admin/members/999999").status_code == 404
    assert client.get("/admin/members/99999999999999999999").status_code in (404, 422)


def test_full_id_is_shown_once_after_a_post_and_logged(hub, people, sign_in):
    client, csrf = sign_in(hub.url, "sam")
    member_id = people.member(people.ming)
    shown = client.post(f"/admin/members/{member_id}/full-id", data={"csrf": csrf})
    assert shown.status_code == 200 and id_number(7) in shown.text
    assert "本次查看已记录" in shown.text
    rows = hubdb.hub_rows(hub.db, "SELECT username, kind, member_id, at FROM member_changes")
    assert [(u, k, m) for u, k, m, _ in rows] == [("sam", "viewed_id", member_id)]
    again = client.get(f"/admin/members/{member_id}").text
    assert id_number(7) not in again and "查看完整证件号" in again  # in the history, masked


def test_readonly_is_refused_every_change_and_the_full_id(hub, people, sign_in):
    client, csrf = sign_in(hub.url, "rita")
    member_id, record = people.member(people.ming), people.ming.record_id
    posts = {f"/admin/members/{member_id}/full-id": {},
             f"/admin/signups/{record}/correct": {"name": "王大明", "reason": "x"},
             f"/admin/signups/{record}/void": {"reason": "x"}}
    for path, data in posts.items():
        refused = client.post(path, data={"csrf": csrf, **data})
        assert refused.status_code == 403 and id_number(7) not in refused.text, path
    assert client.get(f"/admin/signups/{record}/correct").status_code == 403
    assert hub_value(hub, "SELECT count(*) FROM member_changes") == 0
    assert hub_value(hub, "SELECT name FROM signups WHERE record_id = ?", (record,)) == "王小明"


def test_a_post_without_the_csrf_token_changes_nothing(hub, people, sign_in):
    client, _ = sign_in(hub.url, "sam")
    record = people.ming.record_id
    assert client.post(f"/admin/signups/{record}/void",
                       data={"csrf": "forged", "reason": "x"}).status_code == 403
    assert hub_value(hub, "SELECT status FROM signups WHERE record_id = ?", (record,)) == "active"


# --- corrections -------------------------------------------------------------------------------
def correction(client, record_id: str, **changes) -> httpx.Response:
    page = client.get(f"/admin/signups/{record_id}/correct")
    assert page.status_code == 200
    filled = dict(_prefilled(page.text))
    filled.update(changes)
    return client.post(f"/admin/signups/{record_id}/correct",
                       data={"csrf": csrf_of(page.text), **filled})


def _prefilled(html: str):
    for name, value in re.findall(r'<input id="f-\w+" name="(\w+)" value="([^"]*)"', html):
        yield name, value
    for name, body in re.findall(r'<select id="f-\w+" name="(\w+)"[^>]*>(.*?)</select>', html,
                                 re.DOTALL):
        chosen = re.search(r'<option value="([^"]*)" selected>', body)
        yield name, chosen.group(1) if chosen else ""


def test_correction_form_is_prefilled_and_its_id_showing_logged(hub, people, sign_in):
    client, _ = sign_in(hub.url, "sam")
    page = client.get(f"/admin/signups/{people.ming.record_id}/correct").text
    values = dict(_prefilled(page))
    assert values["name"] == "王小明" and values["mobile"] == "13912345678"
    assert values["id_number"] == id_number(7) and values["group"] == "courier"
    assert values["event"] == EVENT and values["channel"] == "ceremony"
    assert hubdb.hub_rows(hub.db, "SELECT username, kind, reason FROM member_changes") == \
        [("sam", "viewed_id", "correction_form")]


def test_bad_values_show_each_field_error_and_change_nothing(hub, people, sign_in):
    client, _ = sign_in(hub.url, "sam")
    record = people.ming.record_id
    before = hubdb.hub_rows(hub.db, "SELECT body, body_hash, mobile4, name FROM signups "
                                    "WHERE record_id = ?", (record,))
    bad = correction(client, record, mobile="12345", group="astronaut", reason="")
    assert bad.status_code == 400
    mobile_error = bad.text.split('id="err-mobile"')[1].split("</p>")[0]
    assert "手机号应为11位" in mobile_error and "A mobile number has 11 digits" in mobile_error
    assert "请从列表中选择" in bad.text.split('id="err-group"')[1].split("</p>")[0]
    assert "请填写原因" in bad.text.split('id="err-reason"')[1].split("</p>")[0]
    assert 'value="12345"' in bad.text  # what was typed is kept for mending
    assert hubdb.hub_rows(hub.db, "SELECT body, body_hash, mobile4, name FROM signups "
                                  "WHERE record_id = ?", (record,)) == before
    assert hub_value(hub, "SELECT count(*) FROM member_changes WHERE kind = 'corrected'") == 0
    mistyped = id_number(7)[:-1] + ("1" if id_number(7)[-1] != "1" else "2")
    bad_id = correction(client, record, id_number=mistyped, reason="typo")
    assert bad_id.status_code == 400 and "校验位不符" in bad_id.text
    assert not any(mistyped in url for url in links_of(bad_id.text))


def test_good_correction_is_stored_with_history_and_a_resend_stays_a_duplicate(
        hub, people, sign_in):
    client, _ = sign_in(hub.url, "sam")
    record, member_id = people.ming.record_id, people.member(people.ming)
    body_hash = hub_value(hub, "SELECT body_hash FROM signups WHERE record_id = ?", (record,))
    done = correction(client, record, mobile="139 8765 4321", employer="顺丰",
                      reason="本人来电更正手机号")
    assert done.status_code == 200 and str(done.url).endswith(f"/admin/members/{member_id}"
                                                              "?done=corrected")
    assert "已更正" in done.text
    body, mobile4, stored_hash = hubdb.hub_rows(
        hub.db, "SELECT body, mobile4, body_hash FROM signups WHERE record_id = ?", (record,))[0]
    assert json.loads(body)["mobile"] == "13987654321" and json.loads(body)["employer"] == "顺丰"
    assert mobile4 == "4321" and stored_hash == body_hash
    [(who, at, reason, before, after)] = hubdb.hub_rows(
        hub.db, "SELECT username, at, reason, before, after FROM member_changes "
                "WHERE kind = 'corrected'")
    assert (who, reason) == ("sam", "本人来电更正手机号")
    assert json.loads(before) == {"mobile": "13912345678", "employer": ""}
    assert json.loads(after) == {"mobile": "13987654321", "employer": "顺丰"}
    history = done.text.split("总站的更正、作废与查看记录")[1]
    # the hub stores UTC; its pages show Beijing time (a day later from 16:00 UTC)
    shown_at = dt.datetime.fromisoformat(at).astimezone(BEIJING).strftime("%Y-%m-%d %H:%M:%S")
    assert "sam" in history and shown_at in history and "本人来电更正手机号" in history
    assert "139****5678 → 139****4321" in history and "13987654321" not in done.text
    assert "顺丰" in history
    # the kiosk never saw its receipt and sends the original batch again: still a duplicate
    receipt = resend(people.east, people.envelope)
    assert from_ranges(receipt.body["duplicate"]) == [r["id"] for r in people.east_rows]
    assert not receipt.body.get("rejected")
    assert json.loads(hub_value(hub, "SELECT body FROM signups WHERE record_id = ?",
                                (record,)))["mobile"] == "13987654321"
    # the search finds the person by the new digits, and lists the corrected canonical fields
    client2, csrf = sign_in(hub.url, "rita")
    found = search(client2, csrf, mobile4="4321").text
    assert names_in(found) == ["王小明"] and "139****4321" in found


def test_a_new_id_number_moves_the_signup_to_that_person(hub, people, sign_in):
    client, _ = sign_in(hub.url, "ada")
    old_member = people.member(people.ming)
    new_number = id_number(500)
    done = correction(client, people.ming.record_id, id_number=new_number,
                      reason="证件号录入错误")
    new_member = people.member(people.ming)
    assert new_member != old_member
    assert str(done.url).endswith(f"/admin/members/{new_member}?done=corrected")
    assert new_number not in done.text and f"{new_number[:6]}********{new_number[-4:]}" in done.text
    assert hub_value(hub, "SELECT id_number FROM persons WHERE member_id = ?",
                     (new_member,)) == new_number
    # the old person keeps their other card, which is now their canonical one
    old = client.get(f"/admin/members/{old_member}").text
    assert f'<dd class="mono">{people.ming_again.card_number}</dd>' in old
    assert "证件号录入错误" in old  # the history of the sign-up that left them
    assert hub_value(hub, "SELECT canonical_card FROM persons WHERE member_id = ?",
                     (old_member,)) == people.ming_again.card_number
    # joining an existing person makes the card an alias there
    correction(client, people.ming.record_id, id_number=id_number(8), reason="与王小红合并")
    assert people.member(people.ming) == people.member(people.hong)
    assert hub.store.card_status(people.ming.card_number)["status"] == "alias"


def test_store_correction_keeps_the_hash_and_refuses_uncorrectable_fields(hub, people):
    store, record = hub.store, people.li.record_id
    assert store.apply_member_correction(record, {"name": "李斯"}, "review", "2026-01-01T00:00:00",
                                         "queue") is True
    assert store.apply_member_correction("00000000-0000-0000-0000-000000000000",
                                         {"name": "李斯"}, "review", "x", "y") is False
    with pytest.raises(ValueError):
        store.apply_member_correction(record, {"card_number": "X"}, "review", "x", "y")
    assert hub_value(hub, "SELECT name FROM signups WHERE record_id = ?", (record,)) == "李斯"
    assert hub_value(hub, "SELECT count(*) FROM member_changes") == 1


# --- voids -------------------------------------------------------------------------------------
def test_void_needs_a_reason_then_the_person_is_voided_when_every_signup_is(hub, people,
                                                                           sign_in):
    client, csrf = sign_in(hub.url, "sam")
    member_id = people.member(people.ming)
    page = client.get(f"/admin/members/{member_id}").text
    refused = client.post(f"/admin/signups/{people.ming.record_id}/void",
                          data={"csrf": csrf, "reason": " "})
    assert refused.status_code == 400 and "请填写原因" in refused.text
    assert "/void" in page
    voided = client.post(f"/admin/signups/{people.ming_again.record_id}/void",
                         data={"csrf": csrf, "reason": "重复登记"})
    assert voided.status_code == 200 and "已作废" in voided.text
    assert member_id in [p["member_id"] for p in hub.store.export_people()]  # one still active
    client.post(f"/admin/signups/{people.ming.record_id}/void",
                data={"csrf": csrf, "reason": "本人退会"})
    page = client.get(f"/admin/members/{member_id}").text
    assert '<span class="status-voided">已作废</span>' in page
    assert "重复登记" in page and "本人退会" in page and page.count("有效 → 已作废") == 2
    assert member_id not in [p["member_id"] for p in hub.store.export_people()]
    assert hub_value(hub, "SELECT count(*) FROM signups WHERE member_id = ?", (member_id,)) == 2
    again = client.post(f"/admin/signups/{people.ming.record_id}/void",
                        data={"csrf": csrf, "reason": "again"})
    assert again.status_code == 409
    listed = search(client, csrf, name="王小明").text
    assert "已作废" in listed.split(">王小明</a>")[1].split("</tr>")[0]
    assert client.get(f"/admin/signups/{people.ming.record_id}/correct").status_code == 409


def test_the_pages_speak_english_after_the_switch(hub, people, sign_in):
    client, csrf = sign_in(hub.url, "sam")
    client.get("/admin/lang/en")
    record, member_id = people.ming.record_id, people.member(people.ming)
    assert "Find members" in search(client, csrf, name="王").text
    person = client.get(f"/admin/members/{member_id}").text
    assert "Sign-ups at each kiosk" in person and "Courier" in person and "canonical" in person
    bad = correction(client, record, mobile="1", reason="")
    assert "A mobile number has 11 digits" in bad.text and "Reason for the correction" in bad.text
    shown = client.get(f"/admin/members/{member_id}").text
    assert "viewed the full ID number" in shown and "opening the correction form" in shown


def test_migration_3_is_taken_by_a_hub_made_before_it_and_twice_is_harmless(hub_db):
    from sync.hub.storage.open import is_postgres_url, open_hub_store

    open_hub_store(hub_db).close()
    undo = ["DROP INDEX member_changes_member", "DROP INDEX changes_record"]
    if is_postgres_url(hub_db):
        import psycopg
        with psycopg.connect(hub_db, autocommit=True) as conn:
            for sql in undo + ["DELETE FROM schema_migrations WHERE version = 3"]:
                conn.execute(sql)
    else:
        import sqlite3
        conn = sqlite3.connect(hub_db, isolation_level=None)
        for sql in undo + ["PRAGMA user_version = 2"]:
            conn.execute(sql)
        conn.close()
    for _ in range(2):
        open_hub_store(hub_db).close()
    if is_postgres_url(hub_db):
        indexes = dict(hubdb.hub_rows(hub_db, "SELECT indexname, indexdef FROM pg_indexes"))
        assert 'COLLATE "C"' in indexes["signups_name"]  # prefixes are one range
    else:
        indexes = dict(hubdb.hub_rows(hub_db, "SELECT name, sql FROM sqlite_master "
                                              "WHERE type = 'index'"))
    assert "member_changes_member" in indexes and "changes_record" in indexes
