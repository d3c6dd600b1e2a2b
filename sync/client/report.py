"""A kiosk's status report to its hub (``POST /v1/reports``, PROTOCOL.md §11).

After a sync round the kiosk tells the hub what it holds: its outbox counts, the time of its last
sign-up, its version, and the records it keeps in quarantine (the hub puts those on its review
queue). Federation staff see it on the admin pages' Devices and Review pages.

Best effort by design. The report rides on the round's own connection with a short timeout of
its own, and whatever goes wrong is logged (a class name, never a value) and dropped: reporting never
fails a sync, and never holds one up for more than REPORT_TIMEOUT. It is sent at most every
MIN_INTERVAL seconds per device (a busy ceremony runs a round per sign-up), and at once when
the quarantine changed. It is signed like every request after provisioning (§5), not sealed: it
holds counts and record ids, no personal data.
"""

from __future__ import annotations

import functools
import json
import logging
import threading
import time
from importlib import metadata
from typing import Any

import httpx

from sync.client.api import HubClient
from sync.client.identity import Identity
from sync.protocol.problems import PROBLEMS

log = logging.getLogger(__name__)
MAX_QUARANTINED = 500  # what the hub takes in one report
REPORT_TIMEOUT = httpx.Timeout(10.0, connect=5.0)
MIN_INTERVAL = 30.0

# (kiosk database, hub, device) -> (when, how many quarantined) of the last report sent
_last_sent: dict[tuple[str, str, int], tuple[float, int]] = {}
_last_sent_lock = threading.Lock()


@functools.lru_cache(maxsize=1)
def app_version() -> str:
    try:
        return metadata.version("ruhui")
    except metadata.PackageNotFoundError:
        return "unknown"


def build_report(kiosk) -> dict[str, Any]:
    """The report's JSON body, from the kiosk's outbox."""
    outbox = kiosk.outbox
    quarantined = [{"seq": int(row["id"]), "record_id": str(row["record_id"])[:64],
                    "code": str(row["error_code"] or "")[:20], "name": _problem_name(row)}
                   for row in outbox.quarantined(limit=MAX_QUARANTINED)]
    return {"outbox": outbox.counts(),
            "last_signup_at": outbox.last_signup_at(),
            "app_version": app_version(), "quarantined": quarantined}


def _problem_name(row: dict[str, Any]) -> str:
    """The catalogue name of the row's code; else the first word the kiosk noted with it."""
    problem = PROBLEMS.get(str(row["error_code"] or ""))
    if problem is not None:
        return problem.name
    return (str(row["last_error"] or "").split(" ", 1)[0])[:40]


def send_report(kiosk, client: HubClient) -> dict[str, Any]:
    """Send the report now through `client`; the hub's answer. Raises SyncError as every call
    to the hub does: callers that must not fail use ``report_after_sync``."""
    identity = Identity.of(kiosk)
    body = json.dumps(build_report(kiosk), ensure_ascii=False, separators=(",", ":")).encode()
    return client.post_report(body, kiosk.device_key, identity.device, timeout=REPORT_TIMEOUT)


def report_after_sync(kiosk, client: HubClient) -> bool:
    """After a successful sync round: send the report unless one went out less than
    MIN_INTERVAL seconds ago with the same number of quarantined records. Never raises;
    True when a report was taken by the hub."""
    try:
        identity = Identity.of(kiosk)
        key = (str(kiosk.outbox.database_path), identity.hub_url, identity.device)
        quarantined = kiosk.outbox.counts()["quarantined"]
        with _last_sent_lock:
            last = _last_sent.get(key)
        if last is not None and time.monotonic() - last[0] < MIN_INTERVAL \
                and last[1] == quarantined:
            return False
        send_report(kiosk, client)
        with _last_sent_lock:
            _last_sent[key] = (time.monotonic(), quarantined)
        return True
    except Exception as error:  # noqa: BLE001 - a report must never fail the sync
        log.warning("status report not sent: %s", type(error).__name__)
        return False
