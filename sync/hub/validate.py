"""The member rules at the hub, fast enough for 1,000-record batches.

The hub runs kiosk.domain's rules again on every record (it trusts no kiosk). In a batch most
fields repeat (group, union, event, channel, volunteer...); only the name, ID number and mobile
change from one record to the next. So the first record with a given set of repeating values goes
through ``validate_member`` whole. The records after it have only their three varying fields
checked, with the same domain functions, on top of that validated template. Anything unusual (a
value that is not a string, a field that fails) goes back through ``validate_member``, so the
errors reported are always the domain's own. tests/test_hub_validate.py checks with hypothesis
that this gives exactly what ``validate_member`` gives.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any, Mapping

from kiosk.domain import FieldError, Member, parse_id_number, validate_member
from kiosk.domain.member import INPUT_FIELDS
from kiosk.domain.text_fields import check_mobile, check_name

VARYING = ("name", "id_number", "mobile")
_REPEATING = tuple(k for k in INPUT_FIELDS if k not in VARYING)
_KNOWN = frozenset(INPUT_FIELDS)


class BatchValidator:
    """validate_member, with the repeating part of each record checked once per batch."""

    def __init__(self) -> None:
        self._templates: dict[tuple, Member] = {}

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
