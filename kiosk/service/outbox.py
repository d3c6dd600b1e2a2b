"""The uploader's door: the outbox it sends, the receipts it brings back, and what provisioning and
the hub's configuration leave on this kiosk.

The sync client (`kiosk sync`, `kiosk provision`, the background thread, bundles and status
reports) reaches the kiosk's store only through here, as screens and the phone page reach it
through Kiosk, so whatever decides who may send, set aside or re-provision has one place to live.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from kiosk.storage import Store
from kiosk.storage.store import DEVICE_PREFIX_SETTING

LAST_SUCCESS_SETTING = "sync.last_success"
DEVICE_NAME_SETTING = "device_name"


class KioskOutbox:
    """What the uploader reads and changes on one kiosk (`kiosk.outbox`)."""

    def __init__(self, store: Store) -> None:
        self._store = store

    @property
    def database_path(self) -> Path:
        """The kiosk's database file: tells two kiosks on one machine apart."""
        return self._store.path

    # --- the outbox -----------------------------------------------------------------------
    def pending_batch(self, limit: int, after_id: int = 0) -> list[dict[str, Any]]:
        """Up to `limit` pending rows in id order, after `after_id` (rows already handed to a
        request that is not answered yet). Each row: id, record_id, kind, body, created_at."""
        return self._store.pending_outbox(limit, after_id=after_id)

    def apply_receipt(self, receipt_id: str, body: str, signature: str, held: list[int],
                      rejected: list[tuple[int, str, str]]) -> tuple[int, int]:
        """Keep a receipt the hub signed (already verified) and, in the same transaction, mark
        the rows it holds sent and set aside those it refused (id, code, reason). Returns (newly
        sent, newly set aside); a receipt seen again changes nothing."""
        return self._store.apply_receipt(receipt_id, body, signature, held, rejected)

    def set_aside(self, outbox_id: int, code: str, reason: str) -> None:
        """Quarantine one row with the hub's code: kept and shown, never sent again."""
        self._store.quarantine(outbox_id, code, reason)

    def note_failed_attempt(self, outbox_ids: list[int], error: str) -> None:
        """A send that did not get through: the rows stay pending, their attempt is counted."""
        self._store.note_attempt(outbox_ids, error)

    def counts(self) -> dict[str, int]:
        """Rows by state: pending, sent, quarantined."""
        return self._store.outbox_counts()

    def quarantined(self, limit: int = 1000) -> list[dict[str, Any]]:
        """The rows set aside, oldest first, with the code and reason they were refused for."""
        return self._store.quarantined_outbox(limit=limit)

    def last_signup_at(self) -> str | None:
        return self._store.last_signup_at()

    def last_success(self) -> str | None:
        """When a pass last left nothing pending (ISO time), None if never."""
        return self._store.get_setting(LAST_SUCCESS_SETTING)

    def note_success(self) -> str:
        """Record that a pass just left nothing pending; returns the time recorded."""
        now = dt.datetime.now().astimezone().isoformat(timespec="seconds")
        self._store.set_setting(LAST_SUCCESS_SETTING, now)
        return now

    # --- this device at its hub -----------------------------------------------------------
    def device_name(self) -> str:
        """The name this kiosk gives itself when it registers ("" if none)."""
        return self._store.get_setting(DEVICE_NAME_SETTING, "") or ""

    def hub_identity(self) -> dict[str, Any] | None:
        """What provisioning stored: hub_url, device, prefix, and the hub's keys and this
        device's certificate as base64url text. None before provisioning."""
        return self._store.sync_device()

    def save_hub_identity(self, *, hub_url: str, device: int, prefix: str, hub_sign_key: str,
                          hub_box_key: str, certificate: str) -> None:
        """Keep what the hub answered at provisioning; card numbers from now on carry its
        prefix."""
        self._store.save_sync_device(hub_url=hub_url, device=device, prefix=prefix,
                                     hub_sign_key=hub_sign_key, hub_box_key=hub_box_key,
                                     certificate=certificate)
        self._store.set_setting(DEVICE_PREFIX_SETTING, prefix)

    def replace_hub_config(self, orgs: list[dict[str, Any]],
                           revocations: list[dict[str, Any]]) -> None:
        """The hub's union organisations and revoked device keys replace the local copies."""
        self._store.replace_union_orgs(orgs)
        self._store.replace_revocations(revocations)
