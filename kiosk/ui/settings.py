"""Event setup (behind the admin PIN): name, date, place, hosting union, default group, card header."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from kiosk.domain.catalog import GROUPS, codes
from kiosk.domain.event import Event
from kiosk.service import Kiosk

EVENT_FIELDS = ("name", "date", "place", "union_org", "union_name", "default_group", "card_header")
_ORG = re.compile(r"[0-9A-Za-z][0-9A-Za-z\-]{0,39}")
_LIMITS = {"name": 60, "place": 60, "union_name": 60, "card_header": 30}


@dataclass
class EventSettings:
    kiosk: Kiosk
    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)  # field -> i18n key

    def load(self) -> None:
        event = self.kiosk.current_event()
        self.values = {k: getattr(event, k) for k in EVENT_FIELDS}
        self.errors = {}

    def set(self, name: str, value: str) -> None:
        self.values[name] = value
        self.errors.pop(name, None)

    def save(self, as_new: bool = False) -> Event | None:
        """Save into the current event (or start a new one); None when a field is wrong."""
        v = {k: (self.values.get(k) or "").strip() for k in EVENT_FIELDS}
        errors: dict[str, str] = {}
        if not v["name"]:
            errors["name"] = "error.required"
        try:
            dt.date.fromisoformat(v["date"])
        except ValueError:
            errors["date"] = "ui.settings.date_format"
        if not _ORG.fullmatch(v["union_org"]):
            errors["union_org"] = "error.union_org.invalid"
        if v["default_group"] and v["default_group"] not in codes(GROUPS):
            errors["default_group"] = "error.choice.invalid"
        for key, limit in _LIMITS.items():
            if len(v[key]) > limit or any(ch in "<>" for ch in v[key]):
                errors[key] = "error.text.too_long" if len(v[key]) > limit else "error.text.invalid_char"
        self.errors = errors
        if errors:
            return None
        current = self.kiosk.current_event()
        event_id = current.id
        if as_new:
            event_id = f"E{v['date'].replace('-', '')}-{dt.datetime.now():%H%M%S}"
        event = Event(id=event_id, **v)
        self.kiosk.save_event(event)
        return event
