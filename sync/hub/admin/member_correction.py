"""The correction form of a sign-up: which fields it offers, and what a submitted form changes.

The values are checked by kiosk.domain's validate_member, over the whole record as it would be
after the correction (the kiosk's rules, the kiosk's error codes and messages), with the age rule
taken on the day of the sign-up, as the hub's ingest does. Only the fields whose validated value
differs from the record are returned as changes, for ``store.apply_member_correction``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Mapping

from kiosk.domain import FieldError, FormError, validate_member
from kiosk.domain import catalog
from kiosk.domain.member import INPUT_FIELDS

# The form's fields, in the kiosk's order. Consent, volunteer and the card are facts of the
# sign-up itself and are not corrected here.
EDITABLE = ("name", "id_number", "mobile", "ethnicity", "education", "political_status", "hukou",
            "group", "employer", "union_org", "event", "channel")
CHOICES: dict[str, tuple[tuple[str, str, str], ...]] = {
    "ethnicity": catalog.ETHNICITIES, "education": catalog.EDUCATION_LEVELS,
    "political_status": catalog.POLITICAL_STATUSES, "hukou": catalog.HUKOU_TYPES,
    "group": catalog.GROUPS, "channel": catalog.CHANNELS,
}
REQUIRED_CHOICES = frozenset({"group", "channel"})
MAX_REASON = 500
MAX_VALUE = 200  # longer than any field allows: the rules then say "too long"


@dataclass
class CheckedCorrection:
    changes: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, list[FieldError]] = field(default_factory=dict)  # by form field
    other_errors: list[FieldError] = field(default_factory=list)  # fields the form lacks
    reason: str = ""

    @property
    def ok(self) -> bool:
        return not self.errors and not self.other_errors

    @property
    def error_count(self) -> int:
        return sum(map(len, self.errors.values())) + len(self.other_errors)


def form_values(body: Mapping[str, Any]) -> dict[str, str]:
    """The form pre-filled with the record's current values."""
    return {k: str(body.get(k) or "") for k in EDITABLE}


def check_correction(body: Mapping[str, Any], submitted: Mapping[str, str],
                     *, keep_id_when_empty: bool) -> CheckedCorrection:
    """Validate `submitted` (the form's fields and `reason`) against the rules, over `body`.
    `keep_id_when_empty`: the form did not show the ID number (the user may not see it in
    full), so an empty ID field means "unchanged"."""
    result = CheckedCorrection(reason=submitted.get("reason", "").strip()[:MAX_REASON])
    form: dict[str, Any] = {k: body[k] for k in INPUT_FIELDS if k in body and k != "id_type"}
    for key in EDITABLE:
        value = submitted.get(key, "")[:MAX_VALUE]
        if key == "id_number" and keep_id_when_empty and not value.strip():
            continue
        form[key] = value
    try:
        member = validate_member(form, _day_of(body))
    except FormError as error:
        for problem in error.errors:
            if problem.field in EDITABLE:
                result.errors.setdefault(problem.field, []).append(problem)
            else:
                result.other_errors.append(problem)
        member = None
    if not result.reason:
        result.errors["reason"] = [FieldError("reason", "reason.required")]
    if member is not None:
        values = member.to_dict()
        result.changes = {k: values[k] for k in EDITABLE if values[k] != (body.get(k) or "")}
    return result


def _day_of(body: Mapping[str, Any]) -> dt.date:
    try:
        return dt.date.fromisoformat(str(body.get("created_at", ""))[:10])
    except ValueError:
        return dt.date.today()
