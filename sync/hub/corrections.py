"""A correction made at the hub to a sign-up's body: what changes, and what it changed from.

Pure (no database): both stores call ``correct_body`` inside their correction transaction, so the
SQLite and PostgreSQL hubs merge, derive and record a correction the same way. The caller has
validated the values (the admin form runs kiosk.domain's validate_member); this module only keeps
the body consistent: a new ID number brings its own id_type, gender and birth date, exactly as
the kiosk would have derived them.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any, Mapping

from kiosk.domain import FieldError, parse_id_number

# What a hub correction may touch. Never the card number, the record's dates or the consent: those
# are facts of the sign-up itself, and the card number is the record's identity at the kiosk.
CORRECTABLE = frozenset({
    "name", "id_number", "mobile", "ethnicity", "education", "political_status", "hukou",
    "group", "employer", "union_org", "event", "channel", "volunteer",
    "id_type", "gender", "birth_date",  # derived from the ID number (filled in when it changes)
})


@dataclass(frozen=True)
class Correction:
    body: dict[str, Any]    # the whole corrected body
    before: dict[str, Any]  # the changed fields only, old values
    after: dict[str, Any]   # the changed fields only, new values

    @property
    def new_id_number(self) -> str | None:
        return self.after.get("id_number")

    def texts(self) -> tuple[str, str, str]:
        """(body, before, after) as stored: canonical JSON, as the ingest stores bodies."""
        return tuple(json.dumps(d, ensure_ascii=False, sort_keys=True)  # type: ignore[return-value]
                     for d in (self.body, self.before, self.after))


def correct_body(body: Mapping[str, Any], changes: Mapping[str, Any]) -> Correction:
    """`body` with `changes` applied. Raises ValueError for a field that may not be corrected,
    or an ID number that does not parse (validate before storing)."""
    unknown = sorted(set(changes) - CORRECTABLE)
    if unknown:
        raise ValueError(f"fields that a correction may not change: {', '.join(unknown)}")
    new = {k: "" if v is None else v for k, v in changes.items()}
    number = new.get("id_number")
    if number is not None and number != body.get("id_number"):
        new.update(_derived(str(number), str(body.get("created_at", ""))))
    merged = {**body, **new}
    changed = [k for k in sorted(new) if body.get(k) != merged[k]]
    return Correction(merged, {k: body.get(k, "") for k in changed},
                      {k: merged[k] for k in changed})


def _derived(number: str, created_at: str) -> dict[str, str]:
    try:
        day = dt.date.fromisoformat(created_at[:10])
    except ValueError:
        day = dt.date.today()
    parsed = parse_id_number(number, day)
    if isinstance(parsed, FieldError):
        raise ValueError(f"the new ID number is not valid ({parsed.code})")
    if parsed.number != number:
        raise ValueError("pass the ID number as validate_member normalised it")
    return {"id_type": parsed.id_type, "gender": parsed.gender,
            "birth_date": parsed.birth_date.isoformat()}
