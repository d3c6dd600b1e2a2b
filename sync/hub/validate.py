"""The member rules at the hub, fast enough for 1,000-record batches.

The hub runs kiosk.domain's rules again on every record (it trusts no kiosk). In a batch most
fields repeat (group, union, event, channel, volunteer...); only the name, ID number and mobile
change from one record to the next. So the first record with a given set of repeating values goes
through ``validate_member`` whole. The records after it have only their three varying fields
checked, with the same domain functions, on top of that validated template. Anything unusual (a
value that is not a string, a field that fails) goes back through ``validate_member``, so the
errors reported are always the domain's own. tests/test_hub_validate.py checks with hypothesis
that this gives exactly what ``validate_member`` gives.

``BatchValidator.accept_columns`` is the same idea for a whole column batch, with a faster check
of the three varying fields that only ever *accepts*: a name of common Han characters (and middle
dots), an 18-character ID number of ASCII digits that passes every rule of
``kiosk.domain.id_number`` (checked with precomputed tables), a mobile of 11 ASCII digits. Those
are exactly the values the domain's normalisers leave unchanged and its rules accept, so for them
the domain's answer is known without calling it. Anything else (another script, a space, a
full-width digit, a value that fails) is left to ``validate``, hence to the domain, which reports
it its own way. tests/test_hub_validate.py checks this against ``validate_member`` as well.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import unicodedata
from typing import Any, Mapping

from kiosk.domain import FieldError, FormError, Member, parse_id_number, validate_member
from kiosk.domain.id_number import HMT_PREFIXES, PROVINCE_CODES, WORKING_AGE
from kiosk.domain.member import INPUT_FIELDS
from kiosk.domain.text_fields import MIDDLE_DOT, NAME_MAX, check_mobile, check_name

VARYING = ("name", "id_number", "mobile")
_REPEATING = tuple(k for k in INPUT_FIELDS if k not in VARYING)
_KNOWN = frozenset(INPUT_FIELDS)


class BatchValidator:
    """validate_member, with the repeating part of each record checked once per batch."""

    def __init__(self) -> None:
        self._templates: dict[tuple, Member] = {}
        self.ok_keys: set[tuple] = set()  # repeating values (accept_columns) that passed

    def accept_columns(self, cols: Mapping[str, list[Any]],
                       todays: list[dt.date | None]) -> list[str | FormError | None]:
        """See the module function ``accept_columns``."""
        return accept_columns(self, cols, todays)

    def validate(self, form: Mapping[str, Any], today: dt.date) -> Member:
        """Same result as ``validate_member(form, today)`` (Member, or FormError raised)."""
        if not _KNOWN.issuperset(form) or not (type(form.get("name")) is str
                                               and type(form.get("id_number")) is str
                                               and type(form.get("mobile")) is str):
            return validate_member(form, today)
        key = tuple((type(form.get(k)), form.get(k)) for k in _REPEATING)
        template = self._templates.get(key)
        if template is None:
            member = validate_member(form, today)
            self._templates[key] = member
            return member
        name = check_name(form["name"])
        parsed = parse_id_number(form["id_number"], today)
        mobile = check_mobile(form["mobile"])
        claimed = form.get("id_type")
        claimed = claimed.strip() if isinstance(claimed, str) else ""
        if isinstance(name, FieldError) or isinstance(parsed, FieldError) \
                or isinstance(mobile, FieldError) or (claimed and claimed != parsed.id_type):
            return validate_member(form, today)  # the domain reports every mistake its way
        return dataclasses.replace(
            template, name=name, id_number=parsed.number, id_type=parsed.id_type,
            birth_date=parsed.birth_date.isoformat(), gender=parsed.gender, mobile=mobile)


# --- the accept-only fast path ---------------------------------------------------------------

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
_FAST_MOBILE = re.compile(r"1[3-9][0-9]{9}")  # ASCII only: normalise_mobile leaves it as is
_FAST_ID = re.compile(r"[0-9]{17}[0-9X]")     # ASCII only: normalise_id_number leaves it as is
_ID_CHECK = "10X98765432"
# MOD 11-2 weighs position i (1..17) by 2^(18-i) mod 11. As 13 = 2 (mod 11), that sum is
# 2 * int(first17, 13) mod 11: the weighted sum in one C call.
_MONTH_DAYS = frozenset(f"{m:02d}{d:02d}" for m in range(1, 13) for d in range(1, 32)
                        if d <= (29 if m == 2 else 30 if m in (4, 6, 9, 11) else 31))
_MEMO_MAX = 100_000
_REGION_TYPE: dict[str, str | None] = {}  # region code (6 digits) -> id type, None if refused
_MIN_AGE = WORKING_AGE * 10000  # YYYYMMDD + this <= today as YYYYMMDD  <=>  age >= 16


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
    returns it unchanged; None when it may not (then ask the domain). `today` as YYYYMMDD."""
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


def _fast_name(name: str) -> bool:
    return len(name) <= NAME_MAX and _FAST_NAME.fullmatch(name) is not None


_STR_OR_NONE = frozenset({str, type(None)})
_BOOL_OR_NONE = frozenset({bool, type(None)})


def accept_columns(validator: "BatchValidator", cols: Mapping[str, list[Any]],
                   todays: list[dt.date | None]) -> list[str | Member | FormError | None]:
    """The member rules over a column batch (a value None: the item has no such field); the
    form of record i is its INPUT_FIELDS, as the hub's ingest builds it.

    For record i: its ID number when the fast checks accept it (its values are then in the form
    ``validate_member`` would give them), the Member ``validator.validate`` gives when only that
    accepts it, or the FormError it raises; None when ``todays[i]`` is None (the caller had
    refused it). The fast checks only ever accept; everything else is decided by the domain.
    """
    n = len(todays)
    none = [None] * n
    names, ids, mobiles = (cols.get(k, none) for k in VARYING)
    claimed = cols.get("id_type", none)
    # The repeating fields, as one hashable key per record. Only str / None values (and bools for
    # consent) take part, so equal keys mean equal values of equal types.
    repeating = [cols.get(k, none) for k in _REPEATING]
    for k, column in zip(_REPEATING, repeating):
        allowed = _BOOL_OR_NONE if k == "consent" else _STR_OR_NONE
        if not set(map(type, column)) <= allowed:
            keys = None
            break
    else:
        keys = list(zip(*repeating))
    ok_keys = validator.ok_keys
    out: list[str | FormError | None] = list(none)
    today_int: dict[dt.date, int] = {}
    for i in range(n):
        today = todays[i]
        name, number, mobile = names[i], ids[i], mobiles[i]
        if today is None:
            continue
        key = keys[i] if keys is not None else None
        if key is not None and key in ok_keys and type(name) is str and type(number) is str \
                and type(mobile) is str:
            t = today_int.get(today)
            if t is None:
                t = today_int[today] = today.year * 10000 + today.month * 100 + today.day
            id_type = fast_id_type(number, t)
            if id_type is not None and _FAST_MOBILE.fullmatch(mobile) and _fast_name(name):
                c = claimed[i]
                if not c or not c.strip() or c.strip() == id_type:
                    out[i] = number
                    continue
        form = {k: cols[k][i] for k in INPUT_FIELDS if k in cols and cols[k][i] is not None}
        try:
            member = validator.validate(form, today)
        except FormError as error:
            out[i] = error  # the domain's own errors
            continue
        if key is not None:
            ok_keys.add(key)  # these repeating values passed validate_member
        out[i] = member
    return out
