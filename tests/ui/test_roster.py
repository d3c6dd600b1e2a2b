"""The roster and the big screen in plain Python: masking, search, counts, corrections with reasons."""

from __future__ import annotations

import pytest

from tests.support.idgen import make_id
from kiosk.i18n import t
from kiosk.ui.bigscreen import RECENT, BigScreenState
from kiosk.ui.roster import RosterState


def enroll(kiosk, name, seq, group="courier", mobile="13800138000"):
    return kiosk.enroll({"name": name, "id_number": make_id(seq=seq), "mobile": mobile,
                         "group": group, "consent": True}, volunteer="刘志")


@pytest.fixture
def three(kiosk):
    return [enroll(kiosk, "张三明", 501), enroll(kiosk, "李四", 502, "truck_driver", "13900001234"),
            enroll(kiosk, "欧阳娜娜", 503, "courier", "13700005678")]


def test_roster_lists_newest_first_and_masks_ids_mobiles_and_names(kiosk, three):
    roster = RosterState(kiosk)
    roster.refresh()
    assert [r.card_number for r in roster.rows] == [e.card_number for e in reversed(three)]
    row = roster.rows[-1]
    id_number = make_id(seq=501)
    assert row.id_number == id_number[:6] + "********" + id_number[-4:]
    assert row.mobile == "138****8000" and row.name == "张*明"
    assert row.volunteer == "刘志"


def test_full_data_only_while_unlocked(kiosk, three):
    roster = RosterState(kiosk, full_data=True)
    roster.refresh()
    assert roster.rows[-1].id_number == make_id(seq=501) and roster.rows[-1].name == "张三明"


@pytest.mark.parametrize("query,expected", [("李", ["李四"]), ("5678", ["欧阳娜娜"]), ("", None)])
def test_search_by_name_last_four_of_mobile_or_card_number(kiosk, three, query, expected):
    roster = RosterState(kiosk, full_data=True, query=query)
    roster.refresh()
    names = [r.name for r in roster.rows]
    assert names == (expected or ["欧阳娜娜", "李四", "张三明"])
    roster.query = three[1].card_number.lower()
    roster.refresh()
    assert [r.name for r in roster.rows] == ["李四"]


def test_counts_by_group_and_total(kiosk, three):
    roster = RosterState(kiosk)
    assert roster.total() == 3
    assert roster.counts() == [("货车司机", 1), ("快递员", 2)]


def test_void_needs_a_reason_and_keeps_it_in_the_audit_trail(kiosk, three):
    roster = RosterState(kiosk)
    target = three[0].record_id
    assert not roster.void(target, "  ", "刘志")
    assert roster.message == t("error.reason.required", "zh")
    assert roster.void(target, "重复登记", "刘志")
    assert roster.message == t("ui.roster.voided", "zh")
    assert kiosk.store.get(target).status == "voided"
    [enrolled, voided] = kiosk.store.audit_trail(target)
    assert (voided["action"], voided["actor"], voided["reason"]) == ("void", "刘志", "重复登记")
    assert roster.total() == 2
    assert [r.voided for r in roster.rows if r.record_id == target] == [True]  # still listed
    assert any("重复登记" in line for line in roster.audit(target))


def test_correct_validates_like_a_new_form_and_records_what_changed(kiosk, three):
    roster = RosterState(kiosk)
    target = three[1].record_id
    errors = roster.correct(target, {"mobile": "12345"}, "手机号写错", "刘志")
    assert set(errors) == {"mobile"}
    errors = roster.correct(target, {"mobile": "13900009999"}, "", "刘志")
    assert set(errors) == {"reason"}
    assert roster.correct(target, {"mobile": "13900009999", "group": "courier"}, "手机号写错", "刘志") == {}
    stored = kiosk.store.get(target)
    assert stored.member.mobile == "13900009999" and stored.member.group == "courier"
    assert stored.card_number == three[1].card_number  # the card stays the same
    last = kiosk.store.audit_trail(target)[-1]
    assert last["action"] == "correct" and last["reason"] == "手机号写错"
    assert last["changes"]["mobile"] == ["13900001234", "13900009999"]


def test_big_screen_counts_and_masked_last_joiners(kiosk, three):
    big = BigScreenState(kiosk)
    big.refresh()
    assert big.total == 3
    bars = {b.code: b for b in big.bars}
    assert bars["courier"].count == 2 and bars["courier"].share == 1.0
    assert bars["truck_driver"].share == 0.5 and bars["care_worker"].count == 0
    assert big.recent == ["欧**娜", "李*", "张*明"]
    for seq in range(510, 510 + RECENT):
        enroll(kiosk, "赵钱孙", seq)
    big.refresh()
    assert big.total == 3 + RECENT and len(big.recent) == RECENT
    assert all("*" in name for name in big.recent)


def test_big_screen_leaves_out_voided_sign_ups(kiosk, three):
    RosterState(kiosk).void(three[2].record_id, "填错", "刘志")
    big = BigScreenState(kiosk)
    big.refresh()
    assert big.total == 2 and "欧**娜" not in big.recent
