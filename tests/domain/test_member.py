import datetime as dt
import subprocess
import sys

import pytest
from hypothesis import given, settings, strategies as st

from tests.support.idgen import make_id, valid_form
from kiosk.domain import FormError, validate_member
from kiosk.domain.card_number import (ALPHABET, format_card_number, is_valid_card_number,
                                      normalise_card_number)
from kiosk.domain.text_fields import mask_name

TODAY = dt.date(2026, 11, 25)


def errors_of(form) -> dict[str, str]:
    with pytest.raises(FormError) as info:
        validate_member(form, TODAY)
    return {e.field: e.code for e in info.value.errors}


def test_a_valid_form_is_normalised_and_derived_fields_filled():
    member = validate_member(valid_form(name=" 阿依古丽 · 买买提 ", mobile="+86 138-0013-8000",
                                        id_number=make_id(seq=124).lower()), TODAY)
    assert member.name == "阿依古丽·买买提"
    assert member.mobile == "13800138000"
    assert member.gender == "F" and member.birth_date == "1990-03-07"
    assert member.id_type == "resident"


@pytest.mark.parametrize("name", ["𠮷野家", "王䶮", "张堃", "李喆", "赵赟", "帕尔哈提·艾则孜",
                                  "爱新觉罗·溥仪", "JOHN SMITH", "王〇"])
def test_names_as_on_id_cards_are_accepted(name):
    assert validate_member(valid_form(name=name), TODAY).name == name


@pytest.mark.parametrize("variant", ["•", "・", "‧", "．"])
def test_middle_dot_variants_become_the_middle_dot(variant):
    assert validate_member(valid_form(name=f"阿依古丽{variant}买买提"), TODAY).name == "阿依古丽·买买提"


BAD_NAMES = {
    "": "required",
    "   ": "required",
    "张" * 31: "name.too_long",
    "<script>alert(1)</script>": "name.invalid_char",
    "Bob'); DROP TABLE m;--": "name.invalid_char",
    "张三😀": "name.invalid_char",
    "张\x00三": "name.invalid_char",
    "张\u202e三": "name.invalid_char",
    "张三3": "name.invalid_char",
    "·张三": "name.invalid_char",
    "张 三": "name.invalid_char",
}


@pytest.mark.parametrize("name,code", BAD_NAMES.items())
def test_bad_names_are_refused_with_the_fields_code(name, code):
    assert errors_of(valid_form(name=name)) == {"name": code}


@pytest.mark.parametrize("mobile,expected", [
    ("13800138000", "13800138000"), ("+8613800138000", "13800138000"),
    ("0086 138 0013 8000", "13800138000"), ("１３８００１３８０００", "13800138000"),
    ("(138)0013-8000", "13800138000"), (13800138000, "13800138000"),
])
def test_mobile_numbers_are_normalised(mobile, expected):
    assert validate_member(valid_form(mobile=mobile), TODAY).mobile == expected


@pytest.mark.parametrize("mobile,code", [
    ("", "required"), ("12800138000", "mobile.invalid"), ("1380013800", "mobile.invalid"),
    ("138001380001", "mobile.invalid"), ("1380013800a", "mobile.invalid"),
    ("13800138000<b>", "mobile.invalid"), ("13800138000'--", "mobile.invalid"),
])
def test_bad_mobiles_are_refused(mobile, code):
    assert errors_of(valid_form(mobile=mobile)) == {"mobile": code}


def test_every_mistake_is_reported_at_once_per_field():
    form = {"name": "<b>", "id_number": "110105194912310021", "mobile": "123", "group": "pilot",
            "union_org": "", "channel": "", "consent": False, "ethnicity": "99", "hukou": "city",
            "employer": "A" * 61, "event": "x\x07", "nickname": "x"}
    assert errors_of(form) == {
        "name": "name.invalid_char", "id_number": "id_number.checksum", "mobile": "mobile.invalid",
        "group": "choice.invalid", "union_org": "required", "channel": "required",
        "consent": "consent.required", "ethnicity": "choice.invalid", "hukou": "choice.invalid",
        "employer": "text.too_long", "event": "text.invalid_char", "nickname": "unknown_field",
    }


def test_every_error_has_both_languages():
    with pytest.raises(FormError) as info:
        validate_member({}, TODAY)
    for error in info.value.errors:
        assert error.message_zh and error.message_en and error.message_zh != error.message_en


def test_consent_must_be_given_explicitly():
    for value in (False, None, "", "no", "否", 0):
        assert errors_of(valid_form(consent=value)) == {"consent": "consent.required"}
    for value in (True, "on", "true", "是", "1"):
        assert validate_member(valid_form(consent=value), TODAY).consent is True


def test_non_text_values_are_refused_not_crashed():
    assert errors_of(valid_form(name=["张三"], mobile={"a": 1})) == {"name": "not_text",
                                                                   "mobile": "not_text"}


def test_id_type_given_must_match_the_number():
    assert errors_of(valid_form(id_type="hmt_permit")) == {"id_type": "id_number.type_mismatch"}


def test_names_are_masked_for_big_screens():
    assert mask_name("张三明") == "张*明" and mask_name("张三") == "张*"
    assert mask_name("爱新觉罗·溥仪") == "爱*****仪"


# --- card numbers -------------------------------------------------------------------------------
prefixes = st.text(alphabet=ALPHABET, min_size=4, max_size=4)


@settings(max_examples=500, deadline=None)
@given(prefixes, st.integers(1, 999_999), st.data())
def test_a_mistyped_card_number_is_detected(prefix, sequence, data):
    number = format_card_number(prefix, sequence)
    assert is_valid_card_number(number)
    positions = [i for i, ch in enumerate(number) if ch != "-"]
    i = data.draw(st.sampled_from(positions))
    pool = "0123456789" if number[i].isdigit() and 5 <= i <= 10 else ALPHABET
    typo = data.draw(st.sampled_from([c for c in pool if c != number[i]]))
    assert not is_valid_card_number(number[:i] + typo + number[i + 1:])
    j = data.draw(st.sampled_from(positions[:-1]))
    k = positions[positions.index(j) + 1]
    if number[j] != number[k]:
        swapped = list(number)
        swapped[j], swapped[k] = swapped[k], swapped[j]
        assert not is_valid_card_number("".join(swapped))


def spec_is_valid(text: str) -> bool:
    """The card number contract read literally: PPPP-NNNNNN-C, weights 1..10 over the 10-symbol body, mod 31."""
    parts = text.split("-")
    if [len(p) for p in parts] != [4, 6, 1] or not all(c in "0123456789" for c in parts[1]):
        return False
    if not all(c in ALPHABET for c in parts[0] + parts[2]):
        return False
    total = sum(ALPHABET.index(c) * w for w, c in enumerate(parts[0] + parts[1], start=1))
    return ALPHABET[total % 31] == parts[2]


near_card_numbers = st.builds("".join, st.lists(st.sampled_from(ALPHABET + "-٣７oi \n"),
                                                 min_size=11, max_size=14))


@settings(max_examples=500, deadline=None)
@given(st.one_of(near_card_numbers, st.text(max_size=16),
                 st.builds(format_card_number, prefixes, st.integers(1, 999_999))))
def test_card_number_check_agrees_with_the_spec_on_any_text(text):
    assert is_valid_card_number(text) == spec_is_valid(text)


def test_card_numbers_have_no_ambiguous_letters_and_are_read_loosely():
    assert not set("OILUZ") & set(ALPHABET)
    number = format_card_number("K7A3", 42)
    assert normalise_card_number(number.lower().replace("-", " ")) == number


def test_the_domain_imports_no_ui_database_or_http():
    code = ("import sys, kiosk.domain; bad = {'flet', 'httpx', 'sqlite_utils', 'sqlite3', 'fastapi',"
            " 'PIL', 'starlette'} & set(sys.modules); print(sorted(bad)); sys.exit(bool(bad))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
