"""Member queries' shapes shared by both stores (no SQL here): the key range of a name search,
and the person page's record assembled from its rows."""

from __future__ import annotations

import json
from typing import Any

# Above every character a name can hold: with byte (code point) order, every name that starts
# with `prefix` sorts in [prefix, prefix + _TOP). SQLite compares text by bytes (BINARY), and the
# PostgreSQL store compares names COLLATE "C" (its name index is built so, migration 3), so a
# prefix search is one range scan of the index in either database.
_TOP = "\U0010ffff"


def name_range(prefix: str) -> tuple[str, str]:
    """(low, high): the names that equal `prefix` or start with it are low <= name < high."""
    return prefix, prefix + _TOP


def member_record_of(person: tuple, signups: list[tuple], kiosk_changes: list[tuple],
                     hub_changes: list[tuple]) -> dict[str, Any]:
    """The person page's record from the store's rows (see ``member_record`` in the stores)."""
    member_id, id_number, canonical_record, canonical_card, created_at = person
    cards = [
        {"record_id": r, "device": device, "device_name": device_name, "card_number": card,
         "body": json.loads(body), "status": status, "created_at": created, "received_at": received,
         "canonical": r == canonical_record}
        for r, device, device_name, card, body, status, created, received in signups]
    canonical = next((c for c in cards if c["canonical"]), cards[0] if cards else None)
    active = sum(c["status"] == "active" for c in cards)
    return {
        "member_id": member_id, "id_number": id_number, "canonical_record": canonical_record,
        "canonical_card": canonical_card, "created_at": created_at,
        "body": canonical["body"] if canonical else {},
        "status": "active" if active else ("voided" if cards else "none"),
        "signups": cards,
        "aliases": [c["card_number"] for c in cards if c["card_number"] != canonical_card],
        "kiosk_changes": [
            {"record_id": r, "card_number": card, "kind": kind, "device": device,
             "device_name": device_name, "received_at": received, "seq": seq}
            for r, card, kind, device, device_name, received, seq in kiosk_changes],
        "hub_changes": [
            {"change_id": cid, "record_id": r, "card_number": card, "username": user, "at": at,
             "kind": kind, "reason": reason, "before": json.loads(before or "{}"),
             "after": json.loads(after or "{}")}
            for cid, r, card, user, at, kind, reason, before, after in hub_changes],
    }
