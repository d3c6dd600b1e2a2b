"""An enrollment event (a ceremony, a visit): what every sign-up taken during it inherits."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, replace

from kiosk.i18n import t

PENDING_ORG = "PENDING"  # until the event's hosting union is set, the hub assigns one


@dataclass(frozen=True)
class Event:
    id: str
    name: str
    date: str  # ISO date
    place: str = ""
    union_org: str = PENDING_ORG
    union_name: str = ""
    default_group: str = ""
    card_header: str = ""

    def to_dict(self) -> dict:
        return asdict(self)

    def updated(self, **changes: str) -> "Event":
        return replace(self, **changes)


def default_event(today: dt.date) -> Event:
    """The event a fresh kiosk opens on, so a volunteer can start at once (renamed in settings)."""
    return Event(id=f"E{today:%Y%m%d}", name=t("event.default_name", date=today.isoformat()),
                 date=today.isoformat(), union_name=t("org.pending"))
