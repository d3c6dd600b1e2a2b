"""The accept-only copies in kiosk.domain.fast_checks accept only what the rules they copy accept
(and fast_derived reads gender and birth date as parse_id_number does)."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, strategies as st

from kiosk.domain.card_number import ALPHABET, format_card_number, is_valid_card_number
from kiosk.domain.fast_checks import (fast_cards_ok, fast_derived, fast_id_type, fast_mobile_ok,
                                      fast_name_ok, yyyymmdd)
from kiosk.domain.text_fields import check_mobile, check_name


@given(st.lists(st.tuples(st.integers(0, 400_000), st.sampled_from(
    ["110105", "650102", "810000", "830000", "911001", "991001", "000000", "540102"]),
    st.sampled_from(["", "X", "0"]), st.dates(dt.date(1790, 1, 1), dt.date(2030, 1, 1)),
    st.sampled_from(["M", "F"])), min_size=1, max_size=20),
    st.dates(dt.date(2000, 1, 1), dt.date(2030, 12, 31)))
def test_fast_id_check_accepts_only_what_the_domain_accepts(cases, today):
    from kiosk.domain import FieldError, parse_id_number
    from tests.support.idgen import CHECK, WEIGHTS
    today_int = today.year * 10000 + today.month * 100 + today.day
    for n, region, tweak, birth, _ in cases:
        body = f"{region}{birth:%Y%m%d}{n % 1000:03d}"
        number = body + (tweak or CHECK[sum(int(d) * w for d, w in zip(body, WEIGHTS)) % 11])
        parsed = parse_id_number(number, today)
        fast = fast_id_type(number, today_int)
        if fast is not None:
            assert not isinstance(parsed, FieldError) and parsed.number == number
            assert fast == parsed.id_type
            assert fast_derived([number]) == ([parsed.gender], [parsed.birth_date.isoformat()])
        else:
            assert isinstance(parsed, FieldError)


def test_fast_name_characters_are_han_for_the_domain():
    """Every character of the fast name class is one the domain's name rule calls Han."""
    import re
    from kiosk.domain.text_fields import _is_han
    from kiosk.domain.fast_checks import HAN_CLASS
    for first, last in re.findall(r"(.)-(.)", HAN_CLASS):
        assert all(_is_han(chr(c)) for c in range(ord(first), ord(last) + 1))
    assert _is_han("\u3007") and HAN_CLASS.endswith("\u3007")


@given(st.dates(dt.date(1, 1, 1), dt.date(9999, 12, 31)))
def test_yyyymmdd_reads_as_the_date(day):
    assert yyyymmdd(day) == int(day.isoformat().replace("-", ""))


names = st.one_of(
    st.text(st.sampled_from("张三𠮷䶮堃〇·豈 aé1<\u3000\u2027"), max_size=32),
    st.sampled_from(["张三", "阿不都热依木·买买提", "·张", "张·", "张··三", "张" * 30, "张" * 31]))


@given(names)
def test_fast_name_accepts_only_what_check_name_returns_unchanged(name):
    if fast_name_ok(name):
        assert check_name(name) == name


mobiles = st.one_of(
    st.text(st.sampled_from("0123456789１３８+- "), max_size=14),
    st.sampled_from(["13800138000", "12800138000", "1380013800", "+8613800138000", "１３８００１３８０００"]))


@given(mobiles)
def test_fast_mobile_accepts_only_what_check_mobile_returns_unchanged(mobile):
    if fast_mobile_ok(mobile):
        assert check_mobile(mobile) == mobile


PREFIXES = ("A003", "Q7XK")
cards = st.one_of(
    st.builds(format_card_number, st.sampled_from(["A003", "Q7XK", "B001"]),
              st.integers(1, 999_999)),
    st.text(st.sampled_from(ALPHABET + "-0123456789ilo１ "), min_size=11, max_size=14),
    st.sampled_from([None, 5, "A003-000001-X", "a003-000003-1", "A003-00000１-X"]))


@given(st.lists(cards, max_size=20), st.sampled_from([PREFIXES, ("A003",), ("nope", "A003"), ()]))
def test_fast_card_check_is_the_card_number_rule_with_the_prefix(batch, prefixes):
    expected = [isinstance(c, str) and is_valid_card_number(c) and c[:4] in prefixes
                for c in batch]
    assert fast_cards_ok(batch, prefixes) == expected
