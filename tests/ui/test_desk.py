"""The desk's screen logic in plain Python: enroll, done, duplicates, idle timeout, languages."""

from __future__ import annotations

import ast
import re
from pathlib import Path


from tests.support.idgen import make_id
from kiosk.i18n import has_text, t
from kiosk.service.settings import IDLE_SETTING
from kiosk.ui.desk import DeskSession
from kiosk.ui.enroll import GROUP_PLATFORMS

UI_DIR = Path(__file__).resolve().parents[2] / "kiosk" / "ui"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def fill(desk: DeskSession, name="张三明", id_number=None, mobile="138 0013 8000",
         group="courier", consent=True) -> None:
    for field, value in (("name", name), ("id_number", id_number or make_id(seq=401)),
                         ("mobile", mobile)):
        desk.form.set(field, value)
    desk.form.choose_group(group)
    desk.form.set_consent(consent)


def test_a_fresh_kiosk_opens_on_enroll_and_a_tablet_asks_for_its_volunteer(kiosk):
    assert DeskSession(kiosk, ask_volunteer=False).screen == "enroll"
    tablet = DeskSession(kiosk, ask_volunteer=True)
    assert tablet.screen == "volunteer"
    assert tablet.go("roster") == "volunteer"  # nothing else until a name is given
    assert not tablet.start("  ") and not tablet.start("<b>")
    assert tablet.start("  刘  志 ") and tablet.volunteer == "刘 志" and tablet.screen == "enroll"


def test_every_sign_up_records_the_volunteer_who_took_it(kiosk):
    desk = DeskSession(kiosk, ask_volunteer=True)
    desk.start("刘志")
    fill(desk)
    assert desk.submit()
    assert kiosk.store.get(desk.done.stored.record_id).member.volunteer == "刘志"


def test_id_number_fills_birth_date_and_gender_as_soon_as_complete(kiosk):
    desk = DeskSession(kiosk, ask_volunteer=False)
    id_number = make_id(seq=413)  # 17th digit odd: male; born 1990-03-07
    desk.form.set("id_number", id_number[:17])
    assert desk.form.id_preview() == ""
    desk.form.set("id_number", id_number)
    assert desk.form.id_preview() == "1990-03-07 · 男"
    desk.set_lang("en")
    assert desk.form.id_preview() == "1990-03-07 · Male"


def test_all_errors_show_at_once_in_chinese_and_nothing_is_stored(kiosk):
    desk = DeskSession(kiosk, ask_volunteer=False)
    good = make_id(seq=403)
    fill(desk, name="", id_number=good[:17] + ("0" if good[17] != "0" else "1"), mobile="123",
         consent=False)
    assert not desk.submit()
    errors = desk.form.errors
    assert {"name", "id_number", "mobile", "consent"} <= set(errors)
    assert errors["name"] == t("error.required", "zh")
    assert errors["id_number"] == t("error.id_number.checksum", "zh")
    assert desk.screen == "enroll" and desk.form.values["name"] == ""  # the form keeps what was typed
    assert kiosk.store.search() == []
    desk.form.set("name", "张三")  # typing in a field clears its error only
    assert "name" not in desk.form.errors and "mobile" in desk.form.errors


def test_consent_box_starts_unticked_and_is_required(kiosk):
    desk = DeskSession(kiosk, ask_volunteer=False)
    assert desk.form.consent is False
    fill(desk, consent=False)
    assert not desk.submit() and set(desk.form.errors) == {"consent"}


def test_a_duplicate_id_shows_the_existing_member_and_offers_a_reprint(kiosk):
    id_number = make_id(seq=404)
    first = kiosk.enroll({"name": "王五", "id_number": id_number, "mobile": "13700137000",
                          "group": "courier", "consent": True}, volunteer="desk")
    desk = DeskSession(kiosk, ask_volunteer=False)
    fill(desk, name="王五", id_number=id_number)
    assert not desk.submit()
    assert desk.form.duplicate.record_id == first.record_id
    summary = desk.form.duplicate_summary()
    assert first.card_number in summary and "王五" in summary
    assert id_number not in summary and id_number[:6] in summary  # the ID masked
    desk.reprint_duplicate()
    assert desk.screen == "done" and desk.done.reprint and desk.done.stored.record_id == first.record_id
    assert not desk.form.holds_personal_data
    assert len(kiosk.store.search()) == 1


def test_pressing_submit_twice_saves_one_sign_up(kiosk):
    desk = DeskSession(kiosk, ask_volunteer=False)
    fill(desk)
    record_id = desk.form.record_id
    first = desk.form.submit()
    again = desk.form.submit()
    assert first.record_id == again.record_id == record_id and not again.created
    assert len(kiosk.store.search()) == 1


def test_done_screen_shows_the_card_and_next_worker_clears_everything(kiosk):
    desk = DeskSession(kiosk, ask_volunteer=False)
    fill(desk)
    assert desk.submit()
    assert desk.screen == "done"
    assert desk.done.card_png().startswith(b"\x89PNG")
    assert not desk.form.holds_personal_data  # already empty behind the card
    message = desk.done.queue_card()
    assert message == t("ui.done.queued", "zh", n=1)
    assert [s.record_id for s in kiosk.store.print_queue()] == [desk.done.stored.record_id]
    old_form_id = desk.form.record_id
    desk.next_worker()
    assert desk.screen == "enroll" and desk.done is None
    assert desk.form.values == {"group": ""} and desk.form.consent is False
    assert desk.form.record_id != old_form_id


def test_idle_timeout_clears_any_screen_holding_personal_data(kiosk):
    clock = Clock()
    kiosk.store.set_setting(IDLE_SETTING, 60)
    desk = DeskSession(kiosk, ask_volunteer=False, clock=clock)
    desk.touch()
    fill(desk)
    clock.now += 59
    assert not desk.expire_if_idle() and desk.form.holds_personal_data
    clock.now += 2
    assert desk.expire_if_idle()
    assert not desk.form.holds_personal_data and desk.screen == "enroll"
    # a card on screen goes too
    fill(desk, id_number=make_id(seq=405))
    assert desk.submit() and desk.screen == "done"
    clock.now += 61
    assert desk.expire_if_idle()
    assert desk.screen == "enroll" and desk.done is None
    # an empty form is left alone (nothing to clear), and so is the big screen
    clock.now += 600
    assert not desk.expire_if_idle()


def test_idle_timeout_locks_an_unlocked_tab_and_masks_the_roster(kiosk):
    clock = Clock()
    desk = DeskSession(kiosk, ask_volunteer=False, clock=clock)
    desk.lock.set_pin("4829", "4829")
    desk.go("roster")
    assert desk.roster.full_data
    clock.now += desk.idle_seconds + 1
    assert desk.expire_if_idle()
    assert not desk.lock.unlocked and not desk.roster.full_data


def test_language_switch_changes_screens_and_errors_from_the_one_table(kiosk):
    desk = DeskSession(kiosk, ask_volunteer=False)
    desk.set_lang("en")
    fill(desk, name="")
    assert not desk.submit()
    assert desk.form.errors["name"] == t("error.required", "en")
    assert desk.roster.lang == desk.big.lang == "en"


def ui_text_keys() -> set[str]:
    keys = set()
    for path in UI_DIR.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", ""))
                    in ("T", "t") and node.args and isinstance(node.args[0], ast.Constant)):
                keys.add(node.args[0].value)
    return keys


def test_every_text_the_screens_ask_for_is_in_the_table_in_both_languages():
    keys = ui_text_keys()
    assert len(keys) > 50
    missing = sorted(k for k in keys if not has_text(k))
    assert missing == []
    assert all(t(k, "zh") and t(k, "en") for k in keys)


def test_no_chinese_text_is_written_into_the_screens_outside_the_table():
    """Platform names are data, and the language button names its language in that language."""
    allowed = {p for platforms in GROUP_PLATFORMS.values() for p in platforms} | {"中文", "入会 Ruhui"}
    found = []
    for path in UI_DIR.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = {id(n.body[0].value) for n in ast.walk(tree)
                      if isinstance(n, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
                      and n.body and isinstance(n.body[0], ast.Expr)}
        for node in ast.walk(tree):
            if (isinstance(node, ast.Constant) and isinstance(node.value, str)
                    and id(node) not in docstrings and re.search(r"[\u3400-\u9fff]", node.value)
                    and node.value not in allowed):
                found.append(f"{path.name}: {node.value}")
    assert found == []
