"""The member form: field names (README, "Field names"), the rules, and the validated Member it yields."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, fields
from typing import Any, Mapping

from kiosk.domain import catalog
from kiosk.domain.errors import FieldError, FormError
from kiosk.domain.id_number import parse_id_number
from kiosk.domain.text_fields import check_mobile, check_name, check_short_text

INPUT_FIELDS = (
    "name", "id_number", "id_type", "mobile", "ethnicity", "education", "political_status",
    "hukou", "group", "employer", "union_org", "channel", "event", "volunteer", "consent",
)
DERIVED_FIELDS = ("gender", "birth_date")
# Optional code fields may be left empty; the rest of the form must be filled in.
_OPTIONAL_CHOICES = {
    "ethnicity": catalog.ETHNICITIES,
    "education": catalog.EDUCATION_LEVELS,
    "political_status": catalog.POLITICAL_STATUSES,
    "hukou": catalog.HUKOU_TYPES,
}
_REQUIRED_CHOICES = {"group": catalog.GROUPS, "channel": catalog.CHANNELS}
_SHORT_TEXTS = {"employer": 60, "event": 60, "volunteer": 30}
_ORG_CODE = re.compile(r"[0-9A-Za-z][0-9A-Za-z\-]{0,39}")
_TRUE = {"1", "true", "on", "yes", "y", "是", "同意"}


@dataclass(frozen=True)
class Member:
    """A sign-up that passed every rule; fields are normalised and derived fields filled."""

    name: str
    id_number: str
    id_type: str
    mobile: str
    group: str
    union_org: str
    channel: str
    consent: bool
    gender: str
    birth_date: str  # ISO date
    ethnicity: str = ""
    education: str = ""
    political_status: str = ""
    hukou: str = ""
    employer: str = ""
    event: str = ""
    volunteer: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in _MEMBER_FIELDS}


_MEMBER_FIELDS = tuple(f.name for f in fields(Member))


def _as_text(value: Any) -> str | None:
    """Form values arrive as str (forms), or numbers and booleans (JSON); None means absent."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, str)):
        return str(value)
    return None


def _as_consent(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return isinstance(value, str) and value.strip().lower() in _TRUE


def validate_member(form: Mapping[str, Any], today: dt.date) -> Member:
    """Check every field of `form` and return the Member; raise FormError listing every mistake.

    `form` uses the README's field names. Derived fields (gender, birth_date) are computed from
    the ID number and ignored when given; any other unknown field is an error.
    """
    errors: list[FieldError] = []
    values: dict[str, Any] = {}

    for key in form:
        if key not in INPUT_FIELDS and key not in DERIVED_FIELDS:
            errors.append(FieldError(str(key)[:40], "unknown_field"))

    text: dict[str, str] = {}
    for key in INPUT_FIELDS:
        if key == "consent":
            continue
        value = _as_text(form.get(key))
        if value is None:
            errors.append(FieldError(key, "not_text"))
        else:
            text[key] = value

    def check(key: str, result: Any) -> None:
        if isinstance(result, FieldError):
            errors.append(result)
        else:
            values[key] = result

    if "name" in text:
        check("name", check_name(text["name"]))
    if "id_number" in text:
        parsed = parse_id_number(text["id_number"], today)
        if isinstance(parsed, FieldError):
            errors.append(parsed)
        else:
            claimed = text.get("id_type", "").strip()
            if claimed and claimed != parsed.id_type:
                errors.append(FieldError("id_type", "id_number.type_mismatch"))
            values.update(id_number=parsed.number, id_type=parsed.id_type,
                          birth_date=parsed.birth_date.isoformat(), gender=parsed.gender)
    if "mobile" in text:
        check("mobile", check_mobile(text["mobile"]))

    for key, table in _REQUIRED_CHOICES.items():
        if key in text:
            code = text[key].strip()
            if not code:
                errors.append(FieldError(key, "required"))
            elif code not in catalog.codes(table):
                errors.append(FieldError(key, "choice.invalid"))
            else:
                values[key] = code
    for key, table in _OPTIONAL_CHOICES.items():
        if key in text:
            code = text[key].strip()
            if code and code not in catalog.codes(table):
                errors.append(FieldError(key, "choice.invalid"))
            else:
                values[key] = code
    for key, max_len in _SHORT_TEXTS.items():
        if key in text:
            check(key, check_short_text(text[key], key, max_len))

    if "union_org" in text:
        org = text["union_org"].strip()
        if not org:
            errors.append(FieldError("union_org", "required"))
        elif not _ORG_CODE.fullmatch(org):
            errors.append(FieldError("union_org", "union_org.invalid"))
        else:
            values["union_org"] = org

    consent = _as_consent(form.get("consent"))
    if not consent:
        errors.append(FieldError("consent", "consent.required"))

    if errors:
        raise FormError(errors)
    return Member(consent=True, **values)
