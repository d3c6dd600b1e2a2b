"""The member rules at the hub, fast enough for 1,000-record batches.

The hub runs kiosk.domain's rules again on every record (it trusts no kiosk). In a batch most
fields repeat (group, union, event, channel, volunteer...); only the name, ID number and mobile
change from one record to the next. So the first record with a given set of repeating values goes
through ``validate_member`` whole. The records after it have only their three varying fields
checked, with the same domain functions, on top of that validated template. Anything unusual (a
value that is not a string, a field that fails) goes back through ``validate_member``, so the
errors reported are always the domain's own. tests/hub/test_validate.py checks with hypothesis
that this gives exactly what ``validate_member`` gives.

``BatchValidator.accept_columns`` is the same idea for a whole column batch, with the
accept-only copies of the name, ID-number and mobile rules kept in kiosk.domain.fast_checks: for
the plain values they accept, the domain's answer is known without calling it. Anything else is
left to ``validate``, hence to the domain, which reports it its own way.
tests/hub/test_validate.py checks this against ``validate_member`` as well.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any, Mapping

from kiosk.domain import FieldError, FormError, Member, parse_id_number, validate_member
from kiosk.domain.fast_checks import fast_id_type, fast_mobile_ok, fast_name_ok, yyyymmdd
from kiosk.domain.member import INPUT_FIELDS
from kiosk.domain.text_fields import check_mobile, check_name

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
                t = today_int[today] = yyyymmdd(today)
            id_type = fast_id_type(number, t)
            if id_type is not None and fast_mobile_ok(mobile) and fast_name_ok(name):
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
