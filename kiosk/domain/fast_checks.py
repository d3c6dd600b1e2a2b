"""Accept-only copies of the ID-number, name, mobile and card-number rules, for 1,000-record batches.

The hub runs every record's rules again, and most records in a batch are plain: a name of common
Han characters, an ASCII ID number and mobile, a card number typed by no one. For those the rules
below give the domain's answer without its normalisers and its step-by-step checks, from
precomputed tables. They only ever *accept*: a value they do not accept (another script, a space,
a full-width digit, a broken rule) is left to the rule itself (id_number.parse_id_number,
text_fields.check_name / check_mobile, card_number.is_valid_card_number), which reports it its own
way. Change a rule there and change its copy here: tests/domain/test_fast_checks.py holds each
copy to its rule with hypothesis.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable

from kiosk.domain.card_number import ALPHABET, PREFIX_LEN, SEQUENCE_DIGITS
from kiosk.domain.id_number import HMT_PREFIXES, PROVINCE_CODES, WORKING_AGE
from kiosk.domain.text_fields import MIDDLE_DOT, NAME_MAX


# --- names and mobiles (text_fields) ----------------------------------------------------------

def _han_ranges() -> str:
    """Blocks of CJK unified ideographs that this Python's unicodedata names as such (the names
    of these blocks are algorithmic, so both ends named means the whole block is)."""
    out = []
    for first, last in ((0x4E00, 0x9FFF), (0x3400, 0x4DBF), (0x20000, 0x2A6DF)):
        if all(unicodedata.name(chr(c), "").startswith("CJK UNIFIED IDEOGRAPH")
               for c in (first, last)):
            out.append(f"{chr(first)}-{chr(last)}")
    return "".join(out) + "\u3007"  # 〇, a Han name character for the domain too


HAN_CLASS = _han_ranges()
# A name the domain's normaliser leaves as it is and its rules accept: Han characters, single
# middle dots between them (阿不都热依木·买买提), nothing else; length checked apart.
_FAST_NAME = re.compile(f"[{HAN_CLASS}]+(?:{MIDDLE_DOT}[{HAN_CLASS}]+)*")


def fast_name_ok(name: str) -> bool:
    """True only when ``check_name(name)`` accepts `name` and returns it unchanged."""
    return len(name) <= NAME_MAX and _FAST_NAME.fullmatch(name) is not None


# ASCII only, so normalise_mobile leaves it as is. Truthy only when check_mobile(mobile) == mobile.
fast_mobile_ok = re.compile(r"1[3-9][0-9]{9}").fullmatch


# --- ID numbers (id_number) -------------------------------------------------------------------

_FAST_ID = re.compile(r"[0-9]{17}[0-9X]")  # ASCII only: normalise_id_number leaves it as is
_ID_CHECK = "10X98765432"
# MOD 11-2 weighs position i (1..17) by 2^(18-i) mod 11. As 13 = 2 (mod 11), that sum is
# 2 * int(first17, 13) mod 11: the weighted sum in one C call.
_MONTH_DAYS = frozenset(f"{m:02d}{d:02d}" for m in range(1, 13) for d in range(1, 32)
                        if d <= (29 if m == 2 else 30 if m in (4, 6, 9, 11) else 31))
_MEMO_MAX = 100_000
_REGION_TYPE: dict[str, str | None] = {}  # region code (6 digits) -> id type, None if refused
_MIN_AGE = WORKING_AGE * 10000  # YYYYMMDD + this <= today as YYYYMMDD  <=>  age >= 16


def yyyymmdd(day: dt.date) -> int:
    """`day` as the number fast_id_type takes for today (2026-05-01 -> 20260501)."""
    return day.year * 10000 + day.month * 100 + day.day


def _region_type(six: str) -> str | None:
    """What id_type_of and the region rule of parse_id_number make of a number's first 6 digits."""
    if len(_REGION_TYPE) > _MEMO_MAX:
        _REGION_TYPE.clear()
    if six in HMT_PREFIXES:
        id_type = "hmt_permit"
    elif six[0] == "9":
        id_type = "foreign_permanent" if six[1:3] in PROVINCE_CODES else None
    else:
        id_type = "resident" if six[:2] in PROVINCE_CODES else None
    _REGION_TYPE[six] = id_type
    return id_type


def fast_id_type(number: str, today: int) -> str | None:
    """The id type when ``parse_id_number(number, today)`` certainly accepts ``number`` and
    returns it unchanged; None when it may not (then ask the domain). `today` as yyyymmdd()."""
    if not _FAST_ID.fullmatch(number):
        return None
    six = number[:6]
    id_type = _REGION_TYPE[six] if six in _REGION_TYPE else _region_type(six)
    if id_type is None or number[10:14] not in _MONTH_DAYS:
        return None
    year, birth = int(number[6:10]), int(number[6:14])
    if year < 1800 or birth + _MIN_AGE > today:  # also a birth date after today
        return None
    if number[10:14] == "0229" and not (year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)):
        return None
    if _ID_CHECK[2 * int(number[:17], 13) % 11] != number[17]:
        return None
    return id_type


def fast_derived(numbers: list[str]) -> tuple[list[str], list[str]]:
    """(genders, birth dates) of ID numbers ``fast_id_type`` accepted, as ``parse_id_number``
    derives them: gender from the 17th digit (odd: M), the birth date from digits 7-14."""
    return ([_GENDER[n[16]] for n in numbers],
            [f"{n[6:10]}-{n[10:12]}-{n[12:14]}" for n in numbers])


_GENDER = {str(d): "M" if d % 2 else "F" for d in range(10)}


# --- card numbers (card_number) ---------------------------------------------------------------

_CARD_LEN = PREFIX_LEN + SEQUENCE_DIGITS + 3  # PPPP-NNNNNN-C
_CARD_WEIGHTS = range(1, PREFIX_LEN + SEQUENCE_DIGITS + 1)  # weights 1..10 over prefix + digits
_CARD_VALUE = {ch: i for i, ch in enumerate(ALPHABET)}
_CARD_DIGITS = (  # weighted sums of the sequence's digits 1-3 and 4-6, for every "000".."999"
    {f"{n:03d}": sum(int(d) * w for d, w in zip(f"{n:03d}", _CARD_WEIGHTS[4:7]))
     for n in range(1000)},
    {f"{n:03d}": sum(int(d) * w for d, w in zip(f"{n:03d}", _CARD_WEIGHTS[7:10]))
     for n in range(1000)})


def fast_cards_ok(cards: list[object], prefixes: Iterable[str]) -> list[bool]:
    """For each of `cards`, True only when it is a str that ``is_valid_card_number`` accepts and
    whose prefix is one of `prefixes`; False: ask the rule (a column, so the check character's
    arithmetic stays here and out of the caller's per-record loop)."""
    sums = {p: sum(_CARD_VALUE[ch] * w for ch, w in zip(p, _CARD_WEIGHTS)) for p in prefixes
            if len(p) == PREFIX_LEN and all(ch in _CARD_VALUE for ch in p)}
    low, high = _CARD_DIGITS
    out = []
    for card in cards:
        if type(card) is str and len(card) == _CARD_LEN and card[4] == "-" and card[11] == "-":
            prefix_sum, a, b = sums.get(card[:4]), low.get(card[5:8]), high.get(card[8:11])
            out.append(prefix_sum is not None and a is not None and b is not None
                       and ALPHABET[(prefix_sum + a + b) % 31] == card[12])
        else:
            out.append(False)
    return out
