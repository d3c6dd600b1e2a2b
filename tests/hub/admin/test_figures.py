"""The figures page over real HTTP, on each hub store: its numbers equal counts made here, in the
test, from what was enrolled (several groups, channels and events, two days, a voided sign-up
that does not count, a person signed up at two kiosks counted once, by their first sign-up);
filters; the charts are inline SVG with a title and description; each breakdown as CSV."""

from __future__ import annotations

import csv
import html
import io
import re
from collections import Counter

import pytest

from tests.support.adminhub import named_kiosk, sign_up_on
from tests.support.kiosks import id_number, push

# ORG-B has no county: its members count where their ID number says
ORGS = [{"code": "ORG-A", "name": "朝阳区总工会", "county": "110105"},
        {"code": "ORG-B", "name": "海淀区总工会"}, {"code": "110105", "name": "朝阳区"}]
COUNTIES = {o["code"]: o["county"] for o in ORGS if o.get("county")}
# (person, kiosk, day, group, union, channel, event, region of the ID number); in upload order,
# east first, so a person's first sign-up to reach the hub is the one listed first.
SIGNUPS = [
    (1, "east", "2026-05-01", "courier", "ORG-A", "ceremony", "五一入会仪式", "310115"),
    (2, "east", "2026-05-01", "courier", "ORG-A", "ceremony", "五一入会仪式", "110105"),
    (3, "east", "2026-05-01", "food_delivery", "ORG-B", "ceremony", "五一入会仪式", "110105"),
    (4, "east", "2026-05-01", "truck_driver", "ORG-B", "ceremony", "五一入会仪式", "310115"),
    (5, "east", "2026-05-01", "food_delivery", "ORG-B", "ceremony", "五一入会仪式", "440305"),
    (6, "west", "2026-05-02", "care_worker", "ORG-B", "home_visit", "护工上门登记", "110105"),
    (7, "west", "2026-05-02", "courier", "ORG-A", "self_service", "扫码自助", "440305"),
    (8, "west", "2026-05-02", "security_guard", "ORG-B", "ceremony", "保安员入会仪式", "310115"),
    (1, "west", "2026-05-02", "ride_hailing", "ORG-B", "home_visit", "护工上门登记", "310115"),
    (9, "west", "2026-05-02", "courier", "ORG-A", "ceremony", "保安员入会仪式", "110105"),
]
VOIDED = {9}  # person 9's only sign-up is voided at the kiosk


@pytest.fixture
def hub(admin_hub, tmp_path):
    hub = admin_hub
    hub.store.set_orgs(ORGS)
    for name in ("east", "west"):
        kiosk = named_kiosk(tmp_path / name, hub, name)
        for n, where, day, group, union, channel, event, region in SIGNUPS:
            if where == name:
                enrolled = sign_up_on(kiosk, day, n, id_number=id_number(n, region),
                                      group=group, union_org=union, channel=channel,
                                      event=event)
                if n in VOIDED:
                    kiosk.store.void(enrolled.record_id, actor="李老师", reason="填错")
        push(kiosk)
        assert kiosk.store.outbox_counts()["pending"] == 0
        kiosk.close()
    yield hub


def expected(since: str = "", until: str = "", group: str = "", county: str = "") -> dict:
    """The figures, counted here from SIGNUPS: members by their first sign-up."""
    first = {}
    for row in SIGNUPS:
        first.setdefault(row[0], row)
    members = []
    for n, where, day, grp, union, channel, event, region in first.values():
        home = COUNTIES.get(union, region)
        if n in VOIDED or (since and day < since) or (until and day > until) \
                or (group and grp != group) or (county and home != county):
            continue
        members.append({"group": grp, "county": home, "event": event, "channel": channel,
                        "day": day, "union": union, "kiosk": where})
    by = {name: Counter(m[name] for m in members)
          for name in ("group", "county", "event", "channel", "day")}
    return {"members": len(members),
            "ceremonies": len({m["event"] for m in members if m["channel"] == "ceremony"}),
            "unions": len({m["union"] for m in members}),
            "kiosks": len({m["kiosk"] for m in members}), "by": by}


def shown(page: str) -> dict:
    """The numbers on the page: the headline tiles and each breakdown's table."""
    numbers = {name: int(value) for name, value in
               re.findall(r'data-(members|ceremonies|unions|kiosks)="(\d+)"', page)}
    by = {name: Counter() for name in ("group", "county", "event", "channel", "day")}
    for name, body in re.findall(r'<table class="figure-table" data-breakdown="(\w+)">(.*?)'
                                 r'</table>', page, re.S):
        by[name] = Counter({html.unescape(key): int(n) for key, n in re.findall(
            r'<tr data-key="([^"]*)"><td>[^<]*</td><td class="num">(\d+)</td></tr>', body)})
    return {**numbers, "by": by}


def test_figures_equal_what_was_enrolled(hub, sign_in):
    client, _ = sign_in(hub.url, "rita")  # read-only may see figures
    page = client.get("/admin/figures")
    assert page.status_code == 200
    got, want = shown(page.text), expected()
    assert want["members"] == 8 and want["ceremonies"] == 2 and want["kiosks"] == 2
    assert got == want
    # the county of a union with one is named from the orgs list; ORG-B's members by their ID
    assert '<tr data-key="110105"><td>朝阳区</td>' in page.text
    assert '<tr data-key="440305"><td>440305</td>' in page.text
    # labels are the catalogue's words
    assert "<td>快递员</td>" in page.text and "<td>上门登记</td>" in page.text


@pytest.mark.parametrize("filters", [{"since": "2026-05-02", "until": "2026-05-02"},
                                     {"since": "2026-05-01", "until": "2026-05-01"},
                                     {"group": "courier"}, {"county": "110105"},
                                     {"county": "310115", "until": "2026-05-01"},
                                     {"since": "2027-01-01"}])
def test_figures_filtered_by_dates_group_and_county(hub, sign_in, filters):
    client, _ = sign_in(hub.url, "sam")
    page = client.get("/admin/figures", params=filters)
    assert page.status_code == 200
    want = expected(**filters)
    assert shown(page.text) == want
    if not want["members"]:
        assert page.text.count("没有符合条件的会员") == 5


def test_charts_are_inline_svg_with_a_title_and_description(hub, sign_in):
    client, _ = sign_in(hub.url, "sam")
    page = client.get("/admin/figures").text
    charts = re.findall(r"<svg .*?</svg>", page, re.S)
    assert len(charts) == 5
    for chart in charts:
        assert 'role="img"' in chart and "<title id=" in chart and "<desc id=" in chart
        assert "<script" not in chart and "style=" not in chart and "href" not in chart
    assert "按职业群体" in charts[0] and "快递员" in charts[0]
    assert "<script" not in page and "@font-face" not in page


def test_each_breakdown_downloads_as_csv_with_a_bom(hub, sign_in):
    client, _ = sign_in(hub.url, "rita")
    want = expected(since="2026-05-01", until="2026-05-02")
    for name in ("group", "county", "event", "channel", "day"):
        response = client.get("/admin/figures.csv", params={"breakdown": name,
                                                            "since": "2026-05-01",
                                                            "until": "2026-05-02"})
        assert response.status_code == 200
        assert response.headers["content-disposition"].startswith("attachment;")
        assert response.content.startswith(b"\xef\xbb\xbf")
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        assert rows[0] == ["代码(key)", "名称(label)", "人数(members)"]
        assert Counter({key: int(n) for key, _label, n in rows[1:]}) == want["by"][name]


def test_a_bad_date_is_said_and_ignored(hub, sign_in):
    client, _ = sign_in(hub.url, "sam")
    page = client.get("/admin/figures", params={"since": "2026-13-01"})
    assert page.status_code == 400 and "日期格式应为" in page.text
    assert shown(page.text) == expected()


def test_a_formula_typed_as_an_event_or_an_org_name_is_neutralised_in_the_csv(admin_hub, sign_in,
                                                                             tmp_path):
    hub = admin_hub
    hub.store.set_orgs([{"code": "ORG-X", "name": "+1+1", "county": "110105"},
                        {"code": "110105", "name": "=1+1"}])
    kiosk = named_kiosk(tmp_path / "k", hub, "k")
    sign_up_on(kiosk, "2026-05-01", 1, union_org="ORG-X", event="=1+1")
    sign_up_on(kiosk, "2026-05-01", 2, union_org="ORG-X", event="@SUM(A1)")
    push(kiosk)
    kiosk.close()
    client, _ = sign_in(hub.url, "rita")
    for name in ("event", "county"):
        response = client.get("/admin/figures.csv", params={"breakdown": name})
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        cells = [cell for row in rows[1:] for cell in row]
        assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in cells)
        if name == "event":
            assert {"'=1+1", "'@SUM(A1)"} <= set(cells)
        else:
            assert "'=1+1" in cells
