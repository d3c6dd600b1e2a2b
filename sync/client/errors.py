"""What can go wrong when a kiosk talks to its hub, sorted by what the kiosk does about it.

    DomainError (kiosk.domain.errors)          code "sync.<name>", messages in kiosk.i18n
     └── SyncError                             .problem: the hub's catalogue code, "" if none
          ├── RetryLaterError                  no answer, a timeout, 5xx, 429, a replay or clock
          │                                    refusal: nothing is wrong with the records; wait
          │                                    (backoff with jitter) and send them again
          ├── RequestRefusedError              the hub refused the batch as a whole (4xx of scope
          │                                    "request"): split it until the record at fault is
          │                                    alone, then quarantine that record
          ├── DeviceRefusedError               unknown, revoked or unauthenticated device: stop and
          │                                    show it; no record is at fault
          └── NotProvisionedError              this kiosk has no hub yet (`kiosk provision`)

Only sync.client.api catches httpx's exceptions, and only to raise one of these (STYLE: translate
foreign errors at one boundary). Per-record refusals do not raise: they come back in the receipt.
"""

from __future__ import annotations

from kiosk.domain.errors import DomainError
from sync.protocol.problems import PROBLEMS


class SyncError(DomainError):
    """A failed exchange with the hub; `problem` is the hub's code when it answered one."""

    def __init__(self, name: str, problem: str = "", **details: object) -> None:
        self.problem = problem
        self.details = details
        super().__init__(f"sync.{name}")

    @property
    def name(self) -> str:
        return self.code.removeprefix("sync.")


class RetryLaterError(SyncError):
    """Send the same records again later."""


class RequestRefusedError(SyncError):
    """The hub refused the whole request; retrying it unchanged will not help."""


class DeviceRefusedError(SyncError):
    """The hub does not accept this device (unknown, revoked, bad signature)."""


class NotProvisionedError(SyncError):
    """No hub is configured for this kiosk."""

    def __init__(self) -> None:
        super().__init__("not_provisioned")


def error_for_problem(code: str, details: dict | None = None) -> SyncError:
    """The client-side error for a hub problem code (unknown codes: by HTTP status class)."""
    problem = PROBLEMS.get(code)
    details = details or {}
    if problem is None:
        status = code.split(".")[0]
        if status.startswith("5") or status == "429":
            return RetryLaterError("unavailable", code)
        return RequestRefusedError("malformed", code)
    if problem.retry:
        return RetryLaterError(problem.name, code, **details)
    if problem.scope == "device":
        return DeviceRefusedError(problem.name, code, **details)
    return RequestRefusedError(problem.name, code, **details)
