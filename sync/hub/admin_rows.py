"""The admin pages' reads that are the same on either database: their SQL (no placeholders)
and the dicts their rows become. ``sync.hub.sqlite_admin`` and ``sync.hub.pg_admin`` run them."""

from __future__ import annotations

import json
from typing import Any

DEVICE_LIST = ("SELECT d.device, d.name, d.prefix, d.created_at, d.revoked_at, d.last_sync_at, "
               "d.last_report_at, d.report, (SELECT count(*) FROM review_items r "
               "WHERE r.device = d.device AND r.resolved_at IS NULL) "
               "FROM devices d ORDER BY d.device")
_DEVICE_KEYS = ("device", "name", "prefix", "created_at", "revoked_at", "last_sync_at",
                "last_report_at", "report", "open_items")

# Review rows are only ever added and resolved, never deleted: a resolution keeps who, when,
# how and the note next to what the kiosk sent. `{}` takes ", r.body" to read the body too.
REVIEW_SELECT = ("SELECT r.item_id, r.source, r.device, coalesce(d.name, ''), r.seq, "
                 "r.record_id, r.problem, r.details, r.reported_at, r.resolved_at, "
                 "r.resolved_by, r.resolution, r.note{} FROM review_items r "
                 "LEFT JOIN devices d ON d.device = r.device")
REVIEW_ORDER = {"open": "WHERE r.resolved_at IS NULL ORDER BY r.item_id DESC",
                "resolved": "WHERE r.resolved_at IS NOT NULL "
                            "ORDER BY r.resolved_at DESC, r.item_id DESC",
                "all": "ORDER BY r.resolved_at IS NOT NULL, r.item_id DESC"}
_REVIEW_COLUMNS = ("item_id", "source", "device", "device_name", "seq", "record_id", "problem",
                   "details", "reported_at", "resolved_at", "resolved_by", "resolution", "note")


def device_row(row: tuple) -> dict[str, Any]:
    """A DEVICE_LIST row; `report` (the kiosk's last status report) as a dict."""
    return {**dict(zip(_DEVICE_KEYS, row)), "report": json.loads(row[7] or "{}")}


def review_row(row: tuple) -> dict[str, Any]:
    """A REVIEW_SELECT row; `details` as a dict."""
    item = dict(zip(_REVIEW_COLUMNS, row))
    item["details"] = json.loads(item["details"] or "{}")
    return item


def review_row_with_body(row: tuple) -> dict[str, Any]:
    """A REVIEW_SELECT row read with its body: the body the kiosk sent as a dict ({} if none)."""
    return {**review_row(row[:-1]), "body": json.loads(row[-1] or "{}")}
