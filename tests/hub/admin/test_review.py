"""The review queue over real HTTP on each hub store (SQLite, PostgreSQL): what the hub refuses
at ingest and what kiosks report in quarantine becomes one item each; a conflict shows the hub's
record and the kiosk's version field by field (ID numbers and mobiles masked); resolving keeps
who, when, how and the note; accepting the kiosk's version is a correction that keeps the
record's body hash; and only roles allowed to may resolve."""

from __future__ import annotations

import json
import re

import httpx
import pytest

from tests.support import hubdb
from tests.support.adminhub import named_kiosk, send_other_version
from sync.client.report import send_report
from tests.support.kiosks import form, id_number, push, uploader

NOTE = "本人确认设备上的信息正确"


@pytest.fixture
def hub(admin_hub):
    return admin_hub


class Conflict:
    """Wang Xiaoming signed up at the east kiosk and reached the hub; then the kiosk sent
    another version of the same record (other name spelling, mobile and ID number)."""

    def __init__(self, hub, tmp_path):
        self.kiosk = named_kiosk(tmp_path / "east", hub, "东区仪式")
        self.enrolled = self.kiosk.enroll(form(7, name="王小明", mobile="13912345678"))
        self.rows = self.kiosk.store.pending_outbox()
        assert push(self.kiosk).sent == 1
        self.other = {"name": "王晓明", "mobile": "13900001111", "id_number": id_number(70)}
        self.receipt = send_other_version(self.kiosk, self.rows, **self.other)
        self.hub = hub

    def item_id(self, problem: str = "record_conflict") -> int:
        return hubdb.hub_rows(self.hub.db, "SELECT item_id FROM review_items WHERE problem = ?",
                              (problem,))[0][0]

    def signup(self) -> tuple:
        return hubdb.hub_rows(self.hub.db, "SELECT body, body_hash, id_number, name, mobile4 "
                                           "FROM signups WHERE record_id = ?",
                              (self.enrolled.record_id,))[0]


@pytest.fixture
def conflict(hub, tmp_path):
    made = Conflict(hub, tmp_path)
    yield made
    made.kiosk.close()


def resolve(client, csrf, item_id: int, resolution: str, note: str = "") -> httpx.Response:
    return client.post(f"/admin/review/{item_id}/resolve",
                       data={"csrf": csrf, "resolution": resolution, "note": note})


def listed_items(page: str) -> list[int]:
    return [int(n) for n in re.findall(r'<td class="num"><a href="/admin/review/(\d+)">', page)]


# --- what lands on the queue ---------------------------------------------------------------------
def test_a_conflict_at_ingest_is_queued_with_what_the_kiosk_sent(hub, conflict, sign_in):
    assert [r["name"] for r in conflict.receipt["rejected"]] == ["record_conflict"]
    rows = hubdb.hub_rows(hub.db, "SELECT source, seq, record_id, problem, body, resolved_at "
                                  "FROM review_items")
    assert len(rows) == 1
    source, seq, record_id, problem, body, resolved_at = rows[0]
    assert (source, seq, record_id, problem, resolved_at) == (
        "hub", conflict.rows[0]["id"], conflict.enrolled.record_id, "record_conflict", None)
    assert json.loads(body)["name"] == "王晓明"

    client, _ = sign_in(hub.url, "rita")
    page = client.get("/admin/review").text
    assert listed_items(page) == [conflict.item_id()]
    assert "东区仪式" in page and conflict.enrolled.record_id in page and "409.1" in page
    assert "同一记录编号已上传过不同的内容" in page and "(conflict)" in page
    assert "总站拒收" in page and "未处理 (1)" in page
    assert "王晓明" not in page and id_number(70) not in page  # bodies only on the item page


def test_sending_the_same_conflict_again_adds_no_second_item(hub, conflict):
    again = send_other_version(conflict.kiosk, conflict.rows, **conflict.other)
    assert [r["name"] for r in again["rejected"]] == ["record_conflict"]
    assert hubdb.hub_count(hub.db, "SELECT count(*) FROM review_items") == 1


def test_a_record_failing_the_rules_shows_which_fields(hub, conflict, sign_in):
    receipt = send_other_version(conflict.kiosk, conflict.rows, mobile="12345")
    assert [r["name"] for r in receipt["rejected"]] == ["invalid_record"]
    client, _ = sign_in(hub.url, "rita")
    page = client.get("/admin/review").text
    assert "400.3" in page and "手机号: 手机号应为11位，以13–19开头" in page
    assert "12345" not in page


def test_kiosk_reported_quarantine_is_an_item_without_a_comparison(hub, tmp_path, sign_in):
    kiosk = named_kiosk(tmp_path / "west", hub, "西区服务站")
    try:
        kiosk.enroll(form(1))
        row = kiosk.store.pending_outbox()[0]
        kiosk.store.quarantine(row["id"], "413.1", "too_large")
        with uploader(kiosk) as up:
            assert send_report(kiosk, up.client)["review_items"] == 1
    finally:
        kiosk.close()
    client, csrf = sign_in(hub.url, "sam")
    item_id = hubdb.hub_rows(hub.db, "SELECT item_id FROM review_items")[0][0]
    page = client.get(f"/admin/review/{item_id}").text
    assert "设备上报" in page and "413.1" in page and "西区服务站" in page
    assert 'class="diff"' not in page and 'value="kiosk_accepted"' not in page
    assert "总站没有这条记录" in page
    assert resolve(client, csrf, item_id, "nothing_to_do").status_code == 200
    assert hubdb.hub_rows(hub.db, "SELECT resolution, resolved_by FROM review_items") == [
        ("nothing_to_do", "sam")]


# --- the comparison ------------------------------------------------------------------------------
def test_conflict_page_compares_the_versions_field_by_field_masked(hub, conflict, sign_in):
    client, _ = sign_in(hub.url, "ada")  # even an admin sees masked values here
    page = client.get(f"/admin/review/{conflict.item_id()}").text
    diff = re.search(r'<table class="diff">(.*?)</table>', page, re.S).group(1)
    cells = re.findall(r"<tr><td>(.*?)</td><td class=\"mono\">(.*?)</td>"
                       r"<td class=\"mono\">(.*?)</td></tr>", diff)
    old, new = id_number(7), id_number(70)
    assert ("姓名", "王小明", "王晓明") in cells
    assert ("手机号", "139****5678", "139****1111") in cells
    assert ("身份证号", f"{old[:6]}********{old[-4:]}", f"{new[:6]}********{new[-4:]}") in cells
    assert [c[0] for c in cells][:3] == ["姓名", "身份证号", "手机号"]  # the form's order
    assert old not in page and new not in page and "13900001111" not in page
    assert conflict.enrolled.card_number not in diff  # same on both sides: not a difference
    assert 'value="kiosk_accepted"' in page and 'value="hub_kept"' in page


# --- resolving -----------------------------------------------------------------------------------
def test_staff_accept_the_kiosk_version_as_a_correction_keeping_the_body_hash(
        hub, conflict, sign_in):
    body_before, hash_before, *_ = conflict.signup()
    client, csrf = sign_in(hub.url, "sam")
    done = resolve(client, csrf, conflict.item_id(), "kiosk_accepted", NOTE)
    assert done.status_code == 200 and "已处理" in done.text
    body, body_hash, stored_id, name, mobile4 = conflict.signup()
    assert body_hash == hash_before and body != body_before
    assert json.loads(body)["name"] == "王晓明" and json.loads(body)["mobile"] == "13900001111"
    assert (stored_id, name, mobile4) == (id_number(70), "王晓明", "1111")
    assert json.loads(body)["gender"] != json.loads(body_before)["gender"]  # derived anew
    changes = hubdb.hub_rows(hub.db, "SELECT username, kind, reason, before, after FROM "
                                     "member_changes WHERE record_id = ?",
                             (conflict.enrolled.record_id,))
    assert [c[:3] for c in changes] == [("sam", "corrected", NOTE)]
    assert json.loads(changes[0][3])["name"] == "王小明"
    assert json.loads(changes[0][4])["name"] == "王晓明"
    item = hubdb.hub_rows(hub.db, "SELECT resolution, resolved_by, resolved_at, note "
                                  "FROM review_items")[0]
    assert item[:2] == ("kiosk_accepted", "sam") and item[2] and item[3] == NOTE
    assert "采用设备版本：sam" in done.text and NOTE in done.text
    # the kiosk's original, sent again, is still the same record: a duplicate, not a conflict
    original = send_other_version(conflict.kiosk, conflict.rows)
    assert original["duplicate"] == [[conflict.rows[0]["id"], conflict.rows[0]["id"]]]


def test_accepting_needs_a_note_and_changes_nothing_without_one(hub, conflict, sign_in):
    before = conflict.signup()
    client, csrf = sign_in(hub.url, "sam")
    refused = resolve(client, csrf, conflict.item_id(), "kiosk_accepted")
    assert refused.status_code == 400 and "请填写原因" in refused.text
    assert conflict.signup() == before
    assert hubdb.hub_rows(hub.db, "SELECT resolved_at FROM review_items")[0][0] is None


def test_keeping_the_hub_record_resolves_without_touching_it_and_moves_the_item(
        hub, conflict, sign_in):
    invalid = send_other_version(conflict.kiosk, conflict.rows, mobile="12345")
    assert invalid["rejected"]
    before = conflict.signup()
    client, csrf = sign_in(hub.url, "ada")
    kept = conflict.item_id()
    assert resolve(client, csrf, kept, "hub_kept", "总站记录已核实").status_code == 200
    assert conflict.signup() == before
    assert hubdb.hub_count(hub.db, "SELECT count(*) FROM member_changes") == 0
    still_open = conflict.item_id("invalid_record")
    assert listed_items(client.get("/admin/review").text) == [still_open]
    resolved = client.get("/admin/review?state=resolved").text
    assert listed_items(resolved) == [kept] and "保留总站记录" in resolved and "ada" in resolved
    everything = client.get("/admin/review?state=all").text
    assert listed_items(everything) == [still_open, kept]  # open first
    assert "未处理 (1)" in everything and "已处理 (1)" in everything


def test_an_item_is_resolved_once(hub, conflict, sign_in):
    client, csrf = sign_in(hub.url, "sam")
    assert resolve(client, csrf, conflict.item_id(), "nothing_to_do").status_code == 200
    again = resolve(client, csrf, conflict.item_id(), "hub_kept", "再处理一次")
    assert again.status_code == 409 and "已被处理" in again.text
    assert hubdb.hub_rows(hub.db, "SELECT resolution, note FROM review_items") == [
        ("nothing_to_do", "")]
    assert resolve(client, csrf, 10**6, "hub_kept").status_code == 404
    assert client.get("/admin/review/10000000").status_code == 404


def test_read_only_cannot_resolve(hub, conflict, sign_in):
    client, csrf = sign_in(hub.url, "rita")
    page = client.get(f"/admin/review/{conflict.item_id()}")
    assert page.status_code == 200 and 'value="hub_kept"' not in page.text
    for resolution in ("kiosk_accepted", "hub_kept", "nothing_to_do"):
        assert resolve(client, csrf, conflict.item_id(), resolution, NOTE).status_code == 403
    assert hubdb.hub_rows(hub.db, "SELECT resolved_at FROM review_items")[0][0] is None
    assert json.loads(conflict.signup()[0])["name"] == "王小明"
