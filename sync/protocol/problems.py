"""One catalogue of the hub's error codes, modelled on ODK Central's problem table.

A code is ``<HTTP status>.<n>``: the status says what kind of failure it is, the number which one.
Codes are stable (never renumbered, never reused); messages are in kiosk.i18n under
``error.sync.<name>``. The hub answers every error as JSON::

    {"code": "409.1", "name": "record_conflict", "message": "...", "message_zh": "...",
     "details": {...}}

``scope`` tells the client what a code is about, which is how it decides what to do:

    record   one record of a batch: quarantine that record, carry on with the rest
    request  the request as a whole: retry later if ``retry``, else bisect the batch
    device   this device's standing at the hub: stop syncing and show it
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kiosk.i18n import t


@dataclass(frozen=True)
class Problem:
    code: str     # "409.1"
    name: str     # "record_conflict"; message key error.sync.<name>
    status: int   # HTTP status
    scope: str    # record | request | device
    retry: bool   # worth sending again later, unchanged

    def message(self, lang: str = "en") -> str:
        return t(f"error.sync.{self.name}", lang)

    def to_json(self, details: dict[str, Any] | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "name": self.name,
                                "message": self.message("en"), "message_zh": self.message("zh")}
        if details:
            body["details"] = details
        return body


_TABLE = (
    Problem("400.1", "malformed", 400, "request", False),
    Problem("400.2", "unsupported_version", 400, "request", False),
    Problem("400.3", "invalid_record", 400, "record", False),
    Problem("400.4", "unknown_kind", 400, "record", False),
    Problem("401.1", "auth_missing", 401, "device", False),
    Problem("401.2", "auth_bad_signature", 401, "device", False),
    Problem("401.3", "auth_clock_skew", 401, "request", True),
    Problem("401.4", "unknown_device", 401, "device", False),
    Problem("403.1", "device_revoked", 403, "device", False),
    Problem("403.2", "record_not_yours", 403, "record", False),
    Problem("403.3", "batch_device_mismatch", 403, "request", False),
    Problem("404.1", "not_found", 404, "request", False),
    Problem("404.2", "code_unknown", 404, "request", False),
    Problem("409.1", "record_conflict", 409, "record", False),
    Problem("409.2", "replayed_request", 409, "request", True),
    Problem("409.3", "card_number_taken", 409, "record", False),
    Problem("409.4", "unknown_record", 409, "record", False),
    Problem("410.1", "code_used", 410, "request", False),
    Problem("410.2", "code_expired", 410, "request", False),
    Problem("413.1", "too_large", 413, "request", False),
    Problem("422.1", "bundle_tampered", 422, "request", False),
    Problem("422.2", "undecryptable", 422, "request", False),
    Problem("429.1", "busy", 429, "request", True),
    Problem("500.1", "internal", 500, "request", True),
    Problem("503.1", "unavailable", 503, "request", True),
)
PROBLEMS: dict[str, Problem] = {p.code: p for p in _TABLE}
BY_NAME: dict[str, Problem] = {p.name: p for p in _TABLE}
assert len(PROBLEMS) == len(BY_NAME) == len(_TABLE)


def problem(name: str) -> Problem:
    return BY_NAME[name]


class ProblemError(Exception):
    """A request or record the hub refuses, with its catalogue entry and optional details."""

    def __init__(self, name: str, **details: Any) -> None:
        self.problem = BY_NAME[name]
        self.details = details
        super().__init__(f"{self.problem.code} {name}")

    @property
    def code(self) -> str:
        return self.problem.code

    def to_json(self) -> dict[str, Any]:
        return self.problem.to_json(self.details)
