"""Exports for the national real-name system over real HTTP, on each hub store: the files (XLSX
read back with openpyxl, CSV with its BOM), the columns in the national order, "new since the
last export", a date range, ID numbers masked or full by role (a read-only user's forged request
for full IDs refused with 403), and the export log."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest

from tests.support.adminhub import export_file, named_kiosk, xlsx_rows
from tests.support.hubdb import hub_rows
from sync.hub.national import HEADERS_ZH
from tests.support.kiosks import form, id_number, push

ID_COLUMN = HEADERS_ZH.index("证件号码")
CARD_COLUMN = HEADERS_ZH.index("会员卡号")


@pytest.fixture
def hub(admin_hub, tmp_path):
    hub = admin_hub
    hub.store.set_orgs([{"code": "CN-110105", "name": "朝阳区总工会"}])
    hub.kiosk = named_kiosk(tmp_path / "east", hub, "东区")
    yield hub
    hub.kiosk.close()


def enrol(hub, numbers: range, **fields) -> dict[str, str]:
    """Sign up persons `numbers` at the hub's kiosk and upload them; card number -> ID."""
    cards = {hub.kiosk.enroll(form(n, **fields)).card_number: id_number(n) for n in numbers}
    assert push(hub.kiosk).sent == len(cards)
    return cards


def csv_rows(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))


def test_xlsx_has_the_national_headers_in_order_and_one_row_per_member(hub, sign_in):
    cards = enrol(hub, range(1, 4), employer="顺丰速运", ethnicity="01", hukou="rural",
                  education="21", political_status="13", event="五一集中入会仪式")
    client, csrf = sign_in(hub.url, "sam")
    response = export_file(client, csrf, format="xlsx", scope="new")
    assert response.status_code == 200
    assert response.headers["content-disposition"].startswith("attachment;")
    assert response.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    rows = xlsx_rows(response.content)
    assert rows[0] == HEADERS_ZH
    assert len(rows) == 1 + 3
    by_card = {row[CARD_COLUMN]: dict(zip(HEADERS_ZH, row)) for row in rows[1:]}
    assert set(by_card) == set(cards)
    card, number = next(iter(cards.items()))
    row = by_card[card]
    # catalogue codes as their Chinese labels, dates as YYYY-MM-DD, masked ID by default
    assert row["证件类型"] == "居民身份证" and row["民族"] == "汉族" and row["户籍类型"] == "农村"
    assert row["学历"] == "大学本科" and row["政治面貌"] == "群众"
    assert row["职业(新就业形态群体)"] == "快递员" and row["入会方式"] == "集中仪式"
    assert row["所在工会"] == "朝阳区总工会" and row["工作单位"] == "顺丰速运"
    assert row["出生日期"] == f"{number[6:10]}-{number[10:12]}-{number[12:14]}"
    assert row["性别"] in ("男", "女")
    assert row["入会日期"] == dt.date.today().isoformat()
    assert row["证件号码"] == number[:6] + "********" + number[-4:]


def test_csv_starts_with_the_bom_and_parses_with_the_same_headers(hub, sign_in):
    cards = enrol(hub, range(1, 3))
    client, csrf = sign_in(hub.url, "ada")
    response = export_file(client, csrf, format="csv", scope="new", full_ids="1")
    assert response.status_code == 200 and "attachment" in response.headers["content-disposition"]
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = csv_rows(response.content)
    assert tuple(rows[0]) == HEADERS_ZH
    assert {row[CARD_COLUMN]: row[ID_COLUMN] for row in rows[1:]} == cards  # full IDs


def test_new_since_last_export_takes_only_those_who_arrived_since(hub, sign_in):
    first = enrol(hub, range(1, 4))
    client, csrf = sign_in(hub.url, "sam")
    got = xlsx_rows(export_file(client, csrf, format="xlsx", scope="new").content)
    assert {row[CARD_COLUMN] for row in got[1:]} == set(first)

    # a date-range export in between takes nobody away from "new"
    today = dt.date.today().isoformat()
    export_file(client, csrf, format="csv", scope="range", since=today, until=today)
    second = enrol(hub, range(4, 6))
    got = csv_rows(export_file(client, csrf, format="csv", scope="new").content)
    assert {row[CARD_COLUMN] for row in got[1:]} == set(second)
    assert csv_rows(export_file(client, csrf, format="csv", scope="new").content) \
        == [list(HEADERS_ZH)]


def test_a_member_missed_by_an_export_is_taken_by_the_next_new_one(hub, sign_in, tmp_path):
    """By exact id sets, not "above the last export's highest id": a person with a low member
    id who was no member at the first export (their only sign-up voided) and signs up again
    later is taken by the next "new" export."""
    enrol(hub, range(1, 4))
    low = min(m["member_id"] for m in hub.store.search_members(limit=10))
    person = hub.store.member_record(low)
    assert hub.store.void_signup(person["signups"][0]["record_id"], "ada",
                                 "2026-05-01T00:00:00+00:00", "test")
    client, csrf = sign_in(hub.url, "sam")
    assert len(csv_rows(export_file(client, csrf, format="csv", scope="new").content)) == 1 + 2

    other = named_kiosk(tmp_path / "west", hub, "西区")
    try:
        other.enroll(form(next(n for n in range(1, 4) if id_number(n) == person["id_number"])))
        assert push(other).sent == 1
    finally:
        other.close()
    got = csv_rows(export_file(client, csrf, format="csv", scope="new").content)
    number = person["id_number"]
    assert [row[ID_COLUMN] for row in got[1:]] == [number[:6] + "********" + number[-4:]]


def test_a_date_range_takes_members_by_the_day_they_reached_the_hub(hub, sign_in):
    enrol(hub, range(1, 3))
    client, csrf = sign_in(hub.url, "sam")
    today = dt.date.today()
    for since, until, expected in ((today, today, 2), (today - dt.timedelta(3), today, 2),
                                   (today - dt.timedelta(3), today - dt.timedelta(1), 0),
                                   (today + dt.timedelta(1), today + dt.timedelta(9), 0)):
        response = export_file(client, csrf, format="csv", scope="range",
                               since=since.isoformat(), until=until.isoformat())
        assert len(csv_rows(response.content)) == 1 + expected, (since, until)
    wrong = export_file(client, csrf, format="csv", scope="range", since=today.isoformat(),
                        until=(today - dt.timedelta(1)).isoformat())
    assert wrong.status_code == 400 and "起始日期不能晚于截止日期" in wrong.text
    missing = export_file(client, csrf, format="xlsx", scope="range", since="")
    assert missing.status_code == 400 and "请填写起始和截止日期" in missing.text


def test_readonly_gets_masked_ids_and_a_forced_request_for_full_ids_is_refused(hub, sign_in):
    cards = enrol(hub, range(1, 3))
    client, csrf = sign_in(hub.url, "rita")
    page = client.get("/admin/exports")
    assert page.status_code == 200 and 'name="full_ids"' not in page.text
    masked = csv_rows(export_file(client, csrf, format="csv", scope="new").content)
    assert sorted(row[ID_COLUMN] for row in masked[1:]) == sorted(
        number[:6] + "********" + number[-4:] for number in cards.values())

    logged = len(hub_rows(hub.db, "SELECT export_id FROM export_log"))
    for fields in ({"format": "xlsx", "scope": "range", "since": "2020-01-01",
                    "until": "2030-01-01", "full_ids": "1"},
                   {"format": "csv", "scope": "new", "full_ids": "on"}):
        refused = export_file(client, csrf, **fields)
        assert refused.status_code == 403 and "attachment" not in refused.headers.get(
            "content-disposition", "")
        assert not any(number in refused.text for number in cards.values())
    again = client.post("/admin/exports/1/again", data={"csrf": csrf, "full_ids": "1"})
    assert again.status_code == 403
    assert len(hub_rows(hub.db, "SELECT export_id FROM export_log")) == logged  # nothing sent

    staff, staff_csrf = sign_in(hub.url, "sam")
    full = csv_rows(export_file(staff, staff_csrf, format="csv", scope="range",
                                since="2020-01-01", until="2030-01-01", full_ids="1").content)
    assert sorted(row[ID_COLUMN] for row in full[1:]) == sorted(cards.values())


def test_every_export_is_logged_with_its_members_and_listed(hub, sign_in):
    enrol(hub, range(1, 4))
    client, csrf = sign_in(hub.url, "sam")
    export_file(client, csrf, format="xlsx", scope="new", full_ids="1")
    reader, reader_csrf = sign_in(hub.url, "rita")
    export_file(reader, reader_csrf, format="csv", scope="range", since="2020-01-02",
                until="2030-12-31")
    again = reader.post("/admin/exports/1/again", data={"csrf": reader_csrf, "format": "csv"})
    assert again.status_code == 200 and len(csv_rows(again.content)) == 1 + 3

    members = sorted(m for (m,) in hub_rows(hub.db, "SELECT member_id FROM persons"))
    log = hub_rows(hub.db, "SELECT export_id, username, role, format, scope, since, until, "
                           "full_ids, row_count, member_ranges, at FROM export_log "
                           "ORDER BY export_id")
    assert [row[:9] for row in log] == [
        (1, "sam", "staff", "xlsx", "new", None, None, True, 3),
        (2, "rita", "readonly", "csv", "range", "2020-01-02", "2030-12-31", False, 3),
        (3, "rita", "readonly", "csv", "again", None, None, False, 3)]
    for row in log:
        ids = [m for first, last in json.loads(row[9]) for m in range(first, last + 1)]
        assert ids == members
        assert dt.datetime.fromisoformat(row[10]).tzinfo is not None

    page = client.get("/admin/exports").text
    assert page.count('action="/admin/exports/') == 3
    assert "2020-01-02 至 2030-12-31" in page and "rita · 只读" in page and "sam · 工作人员" in page


def test_exports_need_a_signed_in_user_and_the_csrf_token(hub, sign_in):
    enrol(hub, range(1, 2))
    client, csrf = sign_in(hub.url, "sam")
    forged = client.post("/admin/exports", data={"csrf": "forged", "format": "csv",
                                                 "scope": "new"})
    assert forged.status_code == 403
    client.cookies.clear()
    anonymous = client.post("/admin/exports", data={"csrf": csrf, "format": "csv",
                                                    "scope": "new"}, follow_redirects=False)
    assert anonymous.status_code == 303
    assert hub_rows(hub.db, "SELECT count(*) FROM export_log") == [(0,)]


def test_the_command_line_writes_the_national_layout_and_logs_it(hub, tmp_path):
    import subprocess
    import sys

    cards = enrol(hub, range(1, 3))

    def kiosk_hub(*args: str) -> None:
        subprocess.run([sys.executable, "-m", "kiosk.cli", "hub", "export", "--db", hub.db,
                        *args], check=True, capture_output=True, timeout=120)

    kiosk_hub("--xlsx", str(tmp_path / "new.xlsx"), "--new", "--full-id")
    rows = xlsx_rows((tmp_path / "new.xlsx").read_bytes())
    assert rows[0] == HEADERS_ZH
    assert {row[CARD_COLUMN]: row[ID_COLUMN] for row in rows[1:]} == cards
    kiosk_hub("--csv", str(tmp_path / "new.csv"), "--national", "--new")
    assert csv_rows((tmp_path / "new.csv").read_bytes()) == [list(HEADERS_ZH)]  # all taken
    kiosk_hub("--csv", str(tmp_path / "all.csv"))  # the hub's own columns, as before
    plain = csv_rows((tmp_path / "all.csv").read_bytes())
    assert plain[0][:3] == ["member_id", "card_number", "aliases"] and len(plain) == 3
    log = hub_rows(hub.db, "SELECT role, format, scope, full_ids, row_count FROM export_log "
                           "ORDER BY export_id")
    # the hub's own columns hold full ID numbers: logged too, as every person (scope 'all')
    assert [(r, f, s, bool(full), n) for r, f, s, full, n in log] == [
        ("cli", "xlsx", "new", True, 2), ("cli", "csv", "new", False, 0),
        ("cli", "csv", "all", True, 2)]


def test_xlsx_cells_stay_text_in_their_columns_whatever_they_hold(tmp_path):
    from sync.hub.export_files import write_xlsx

    tricky = ["a&b<c>\x01d", "", " 两端空格 ", "=HYPERLINK(\"x\")", "11010519491231002X"]
    row = tricky + [str(i) for i in range(len(HEADERS_ZH) - len(tricky))]
    path = tmp_path / "t.xlsx"
    assert write_xlsx([row, row[::-1]], path) == 2
    got = xlsx_rows(path.read_bytes())
    assert got[0] == HEADERS_ZH
    expected = [v.replace("\x01", "") for v in row]
    assert got[1] == tuple(expected) and got[2] == tuple(expected[::-1])
    import openpyxl
    book = openpyxl.load_workbook(path)
    assert book.active.cell(2, 4).data_type == "s"  # text, never a formula
    book.close()
