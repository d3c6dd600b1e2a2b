"""Which members an export takes (no SQL here: both stores call these).

Two scopes:

- ``new``: every member no earlier ``new`` export took. Each export's exact member ids are kept
  in ``export_log.member_ranges`` as compact ranges (sync.protocol.wire.to_ranges), and a new
  export takes the members outside all of them. Not "arrived after the last export's time" or
  "above the last export's highest id": two hub processes ingesting at once commit member ids
  out of order (PostgreSQL reserves them before the insert), so a member with a low id can
  become visible after an export that took higher ones; by set difference it is still taken
  next time.
- ``range``: members who reached the hub (persons.created_at, UTC) on the given local dates.

A member is a person with at least one active sign-up.
"""

from __future__ import annotations

import bisect
import datetime as dt
import json
from dataclasses import dataclass
from typing import Iterable

from sync.protocol.wire import to_ranges

SCOPES = ("new", "range", "again")
FORMATS = ("csv", "xlsx")


@dataclass(frozen=True)
class ExportRequest:
    """What an export was asked for, and by whom (what export_log keeps)."""

    username: str
    role: str
    at: str  # UTC ISO time of the export
    format: str  # csv | xlsx
    scope: str  # new | range | again (an earlier export's members once more) | all (cli)
    full_ids: bool
    since: dt.date | None = None  # range: first local date, inclusive
    until: dt.date | None = None  # range: last local date, inclusive

    def created_window(self) -> tuple[str, str]:
        """The range's [start, end) as UTC ISO texts, comparable with persons.created_at."""
        assert self.since is not None and self.until is not None
        return _utc_midnight(self.since), _utc_midnight(self.until + dt.timedelta(days=1))


def _utc_midnight(day: dt.date) -> str:
    # Local midnight (the hub's time zone, where its staff are) as the hub writes times: UTC,
    # milliseconds, "+00:00".
    local = dt.datetime.combine(day, dt.time()).astimezone()
    return local.astimezone(dt.timezone.utc).isoformat(timespec="milliseconds")


def ranges_text(member_ids: list[int]) -> str:
    return json.dumps(to_ranges(member_ids), separators=(",", ":"))


def merged_ranges(texts: Iterable[str]) -> list[tuple[int, int]]:
    """The union of export_log.member_ranges texts, as sorted disjoint (first, last) pairs."""
    spans = sorted((int(a), int(b)) for text in texts for a, b in json.loads(text or "[]"))
    merged: list[tuple[int, int]] = []
    for first, last in spans:
        if merged and first <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], last))
        else:
            merged.append((first, last))
    return merged


def not_covered(member_ids: Iterable[int], covered: list[tuple[int, int]]) -> list[int]:
    """The ids of `member_ids` that fall in none of the `covered` ranges (merged_ranges)."""
    starts = [first for first, _ in covered]
    out = []
    for member_id in member_ids:
        i = bisect.bisect_right(starts, member_id) - 1
        if i < 0 or member_id > covered[i][1]:
            out.append(member_id)
    return out


def parse_day(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        return None


def export_log_row(row: tuple) -> dict:
    """An export_log row (without member ranges) as the exports page lists it."""
    export_id, username, role, at, fmt, scope, since, until, full_ids, row_count = row
    return {"export_id": export_id, "username": username, "role": role, "at": at,
            "format": fmt, "scope": scope, "since": since or "", "until": until or "",
            "full_ids": bool(full_ids), "row_count": row_count}
