"""The Devices admin page and the kiosks' status reports, over real HTTP on each hub store
(SQLite, PostgreSQL): the list with last sync and last report, a one-time device code that a
real kiosk then provisions with, revoking with a confirm step, who may do which, and
POST /v1/reports from real kiosks (including that a failed report never fails a sync)."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import time

import httpx
import pytest

from tests.support import hubdb
from tests.support.adminhub import named_kiosk, signed_post, sync_round
from sync.client import DeviceRefusedError
from sync.client.provision import provision
from sync.client.report import build_report, report_after_sync, send_report
from sync.hub.admin.web import shown_time
from tests.support.kiosks import form, open_kiosk, push, uploader


def beijing(stored: str) -> str:
    """A time the hub stored (UTC), as staff read it on the pages."""
    moment = dt.datetime.fromisoformat(stored).astimezone(dt.timezone(dt.timedelta(hours=8)))
    return moment.strftime("%Y-%m-%d %H:%M:%S")


@pytest.mark.parametrize("stored, shown", [
    ("2026-05-01T01:30:00.123+00:00", "2026-05-01 09:30:00"),  # the hub's own (UTC)
    ("2026-05-01T09:30:00.000+08:00", "2026-05-01 09:30:00"),  # a kiosk's sign-up
    ("2026-05-01T07:30:00+06:00", "2026-05-01 09:30:00"),  # a kiosk on Xinjiang's own time
    ("2026-04-30T23:30:00", "2026-05-01 07:30:00"),  # no offset: UTC, the day after in Beijing
    (0, "1970-01-01 08:00:00"), (None, ""), ("", ""), ("not a time", "not a time")])
def test_pages_show_times_in_beijing_time(stored, shown):
    assert shown_time(stored) == shown


CODE = re.compile(r'id="device-code">([^<]+)<')


@pytest.fixture
def hub(admin_hub):
    return admin_hub


@pytest.fixture
def kiosk(hub, tmp_path):
    k = named_kiosk(tmp_path / "east", hub, "东区仪式")
    yield k
    k.close()


def device_row(page: str, device: int) -> str:
    """The <tr> of `device` in the devices table."""
    match = re.search(rf'<tr[^>]*>\s*<td class="num">{device}</td>(.*?)</tr>', page, re.S)
    assert match, f"device {device} not listed"
    return match.group(1)


def device_of(kiosk) -> int:
    return kiosk.store.sync_device()["device"]


# --- the list ------------------------------------------------------------------------------------
def test_list_shows_each_device_with_last_sync_and_its_last_report(hub, kiosk, sign_in):
    client, _ = sign_in(hub.url, "rita")  # read-only may look
    before = device_row(client.get("/admin/devices").text, device_of(kiosk))
    assert "东区仪式" in before and "从未" in before and "尚未报告" in before
    assert kiosk.store.sync_device()["prefix"] in before and "使用中" in before

    for n in range(3):
        kiosk.enroll(form(n))
    sync_round(kiosk)  # pushes, then reports
    page = client.get("/admin/devices")
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    row = device_row(page.text, device_of(kiosk))
    synced = hubdb.hub_rows(hub.db, "SELECT last_sync_at, last_report_at FROM devices "
                                    "WHERE device = ?", (device_of(kiosk),))[0]
    assert synced[0] and synced[1]
    assert beijing(synced[0]) in row and "从未" not in row
    assert "待上传 0 · 已隔离 0" in row and "版本 0.1.0" in row
    # the form to make codes is not offered to a role that may not
    assert "/admin/devices/code" not in page.text and "/revoke" not in page.text


def test_report_holds_the_outbox_counts_last_signup_and_quarantined_records(hub, kiosk):
    for n in range(4):
        kiosk.enroll(form(n))
    assert push(kiosk).sent == 4
    kiosk.enroll(form(10))
    newest = kiosk.enroll(form(11))
    pending = kiosk.store.pending_outbox()
    kiosk.store.quarantine(pending[0]["id"], "400.1", "malformed")  # set aside by a bisect
    with uploader(kiosk) as up:
        answer = send_report(kiosk, up.client)
    assert answer["ok"] is True and answer["review_items"] == 1
    device = device_of(kiosk)
    last_report_at, report = hubdb.hub_rows(
        hub.db, "SELECT last_report_at, report FROM devices WHERE device = ?", (device,))[0]
    assert last_report_at
    report = json.loads(report)
    assert report["pending"] == 1 and report["sent"] == 4 and report["quarantined"] == 1
    assert report["last_signup_at"] == kiosk.store.get(newest.record_id).created_at
    rows = hubdb.hub_rows(hub.db, "SELECT source, device, seq, record_id, problem, body "
                                  "FROM review_items")
    assert rows == [("kiosk", device, pending[0]["id"], pending[0]["record_id"], "malformed",
                     "{}")]
    # reported again: the same item is not added twice
    with uploader(kiosk) as up:
        assert send_report(kiosk, up.client)["review_items"] == 0
    assert hubdb.hub_count(hub.db, "SELECT count(*) FROM review_items") == 1


def test_report_is_signed_bounded_and_validated(hub, kiosk):
    body = json.dumps(build_report(kiosk)).encode()
    unsigned = httpx.post(hub.url + "/v1/reports", content=body,
                          headers={"content-type": "application/json"})
    assert unsigned.status_code == 401 and unsigned.json()["code"] == "401.1"
    bad = signed_post(kiosk, "/v1/reports", b'{"outbox": {"pending": -1}}', "application/json")
    assert bad.status_code == 400 and bad.json()["code"] == "400.1"
    too_many = {**build_report(kiosk), "quarantined": [
        {"seq": n, "record_id": "x", "code": "400.1", "name": "malformed"} for n in range(501)]}
    refused = signed_post(kiosk, "/v1/reports", json.dumps(too_many).encode(),
                          "application/json")
    assert refused.status_code == 400 and "quarantined" in refused.json()["details"]["fields"]
    huge = signed_post(kiosk, "/v1/reports", b" " * (300 * 1024), "application/json")
    assert huge.status_code == 413
    assert hubdb.hub_count(hub.db, "SELECT count(*) FROM review_items") == 0
    assert hubdb.hub_rows(hub.db, "SELECT last_report_at FROM devices")[0][0] is None


def test_a_report_that_fails_never_fails_the_sync(hub, kiosk):
    real = httpx.HTTPTransport()
    seen = []

    def reports_fail(request: httpx.Request) -> httpx.Response:  # fault injection only
        seen.append(request.url.path)
        if request.url.path == "/v1/reports":
            raise httpx.ConnectError("hub away for reports", request=request)
        response = real.handle_request(request)
        response.read()
        return response

    kiosk.enroll(form(1))
    try:
        with uploader(kiosk, transport=httpx.MockTransport(reports_fail)) as up:
            from sync.client import sync_once
            sync_once(kiosk, up, lambda **_: None)  # no exception
            assert report_after_sync(kiosk, up.client) is False
    finally:
        real.close()
    assert "/v1/reports" in seen and kiosk.store.outbox_counts()["sent"] == 1
    assert hubdb.hub_rows(hub.db, "SELECT last_sync_at IS NOT NULL, last_report_at "
                                  "FROM devices")[0] == (True, None)


# --- device codes --------------------------------------------------------------------------------
def make_code(client, csrf, **fields) -> httpx.Response:
    return client.post("/admin/devices/code", data={"csrf": csrf, **fields})


def test_staff_make_a_code_shown_once_as_text_qr_and_command_and_a_kiosk_uses_it(
        hub, sign_in, tmp_path):
    client, csrf = sign_in(hub.url, "sam")
    answer = make_code(client, csrf, name="西区服务站2号", hours="48")
    assert answer.status_code == 200 and answer.url.path == "/admin/devices/code"
    assert answer.headers["cache-control"] == "no-store"
    code = CODE.search(answer.text).group(1)
    assert re.fullmatch(rf"[0-9A-Z]{{4}}-[0-9A-Z]{{4}}-[0-9A-Z]{{4}}@{re.escape(hub.url)}", code)
    assert f"kiosk provision {code}" in answer.text and "<svg" in answer.text
    assert "<img" not in answer.text and "<script" not in answer.text
    assert code.split("@")[0] not in str(answer.url) and not answer.history
    # only a hash is stored, valid for the hours asked
    expires = hubdb.hub_rows(hub.db, "SELECT expires_at FROM device_codes")[0][0]
    assert abs(expires - (time.time() + 48 * 3600)) < 60

    kiosk = open_kiosk(tmp_path / "west")
    try:
        answered = provision(kiosk, code)  # the URL inside the code finds the hub
        row = device_row(client.get("/admin/devices").text, answered["device"])
        assert "西区服务站2号" in row and answered["prefix"] in row
        again = open_kiosk(tmp_path / "other")
        with pytest.raises(Exception) as refused:
            provision(again, code)
        assert getattr(refused.value, "problem", "") == "410.1"  # used once only
        again.close()
    finally:
        kiosk.close()


def test_code_form_checks_hours_and_name(hub, sign_in):
    client, csrf = sign_in(hub.url, "ada")
    for hours in ("0", "abc", "1000", "²", "9" * 5000):
        refused = make_code(client, csrf, name="x", hours=hours)
        assert refused.status_code == 400 and "有效时间应为 1 至 336 小时的整数" in refused.text
        assert 'id="device-code"' not in refused.text
    long_name = make_code(client, csrf, name="名" * 61, hours="24")
    assert long_name.status_code == 400 and "最多 60 个字" in long_name.text
    assert hubdb.hub_count(hub.db, "SELECT count(*) FROM device_codes") == 0
    default = make_code(client, csrf, name="", hours="")
    assert default.status_code == 200 and CODE.search(default.text)


def test_read_only_cannot_make_a_code(hub, sign_in):
    client, csrf = sign_in(hub.url, "rita")
    refused = make_code(client, csrf, name="x", hours="24")
    assert refused.status_code == 403 and "device-code" not in refused.text
    assert hubdb.hub_count(hub.db, "SELECT count(*) FROM device_codes") == 0


# --- revoking ------------------------------------------------------------------------------------
def revoke(client, csrf, device: int, **fields) -> httpx.Response:
    return client.post(f"/admin/devices/{device}/revoke", data={"csrf": csrf, **fields})


def test_admin_revokes_after_confirming_and_the_kiosk_is_refused(hub, kiosk, sign_in):
    device = device_of(kiosk)
    client, csrf = sign_in(hub.url, "ada")
    listed = client.get("/admin/devices").text
    assert f'href="/admin/devices/{device}/revoke"' in listed
    confirm = client.get(f"/admin/devices/{device}/revoke")
    assert confirm.status_code == 200 and "确认停用" in confirm.text
    unconfirmed = revoke(client, csrf, device)  # the confirm page again, nothing done
    assert unconfirmed.status_code == 200 and "确认停用" in unconfirmed.text
    assert hub.store.device(device).revoked_at is None

    done = revoke(client, csrf, device, confirm="yes")
    assert done.status_code == 200 and done.url.path == "/admin/devices"
    assert f"设备 {device} 已停用" in done.text
    revoked_at = hub.store.device(device).revoked_at
    assert revoked_at and f"已停用（{beijing(revoked_at)}）" in \
        device_row(done.text, device)
    kiosk.enroll(form(1))
    with pytest.raises(DeviceRefusedError):
        push(kiosk)
    assert "此前已停用" in revoke(client, csrf, device, confirm="yes").text
    assert revoke(client, csrf, 999, confirm="yes").status_code == 404


@pytest.mark.parametrize("username", ["sam", "rita"])
def test_staff_and_read_only_get_403_from_revoke_and_the_device_stays(hub, kiosk, sign_in,
                                                                       username):
    device = device_of(kiosk)
    client, csrf = sign_in(hub.url, username)
    assert revoke(client, csrf, device, confirm="yes").status_code == 403
    assert revoke(client, csrf, device).status_code == 403
    assert client.get(f"/admin/devices/{device}/revoke").status_code == 403
    assert hub.store.device(device).revoked_at is None
    assert hubdb.hub_rows(hub.db, "SELECT revoked_at FROM devices")[0][0] is None
    kiosk.enroll(form(1))
    assert push(kiosk).sent == 1  # still active


def test_revoke_without_the_form_token_is_refused(hub, kiosk, sign_in):
    client, _ = sign_in(hub.url, "ada")
    refused = client.post(f"/admin/devices/{device_of(kiosk)}/revoke", data={"confirm": "yes"})
    assert refused.status_code == 403
    assert hub.store.device(device_of(kiosk)).revoked_at is None


# --- a cloned kiosk: what the hub refuses lands on the review queue ----------------------------
def test_card_numbers_taken_by_a_cloned_kiosk_are_queued_for_review_once(hub, kiosk, tmp_path):
    kiosk.enroll(form(1))
    assert push(kiosk).sent == 1
    path = tmp_path / "east"
    kiosk.close()
    shutil.copytree(path, tmp_path / "clone")  # someone copied the kiosk's card
    original, clone = open_kiosk(path), open_kiosk(tmp_path / "clone")
    try:
        mine = original.enroll(form(2))
        theirs = clone.enroll(form(3))
        assert mine.card_number == theirs.card_number
        assert push(original).sent == 1
        result = push(clone)
        assert result.sent == 0 and result.quarantined == 1
        rows = hubdb.hub_rows(hub.db, "SELECT source, problem, record_id, body FROM review_items")
        assert [r[:3] for r in rows] == [("hub", "card_number_taken", theirs.record_id)]
        assert json.loads(rows[0][3])["card_number"] == theirs.card_number
        sync_round(clone)  # its report names the same record: still one item
        assert hubdb.hub_count(hub.db, "SELECT count(*) FROM review_items") == 1
        report = json.loads(hubdb.hub_rows(hub.db, "SELECT report FROM devices")[0][0])
        assert report["quarantined"] == 1
    finally:
        original.close()
        clone.close()
