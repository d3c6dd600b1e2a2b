"""Sync in the kiosk's own process: a daemon thread, and a status the screens can show.

    sync = BackgroundSync(kiosk)          # or BackgroundSync(kiosk, transport=...) in tests
    sync.on_status.append(callback)       # called from the sync thread with a SyncStatus
    sync.start(); ...; sync.stop()

The thread never touches a screen and no screen waits on it: it wakes when a sign-up is saved
(kiosk.listeners) or every `idle_interval`, pushes, and after a failure waits a random time up
to an exponentially growing cap ("full jitter"), so a room of kiosks coming back online together
does not hit the hub in step.
"""

from __future__ import annotations

import logging
import random
import threading
from dataclasses import dataclass, replace
from typing import Callable

import httpx

from sync.client.api import HubClient
from sync.client.config import SyncConfig
from sync.client.errors import DeviceRefusedError, NotProvisionedError, RetryLaterError
from sync.client.identity import Identity
from sync.client.report import report_after_sync
from sync.client.uploader import Uploader

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SyncStatus:
    """What a kiosk screen shows about uploading."""

    state: str = "idle"  # idle | uploading | waiting (to retry) | refused | unprovisioned | stopped
    pending: int = 0
    sent: int = 0
    quarantined: int = 0
    last_success: str | None = None  # ISO time of the last pass that left nothing pending
    last_error: str = ""             # code of the last failure ("" when fine)
    progress_done: int = 0
    progress_total: int = 0


class Backoff:
    """Waits after consecutive failures: uniform(0, min(cap, base * 2**n))."""

    def __init__(self, base: float, cap: float, rng: random.Random | None = None) -> None:
        self.base, self.cap, self.failures = base, cap, 0
        self.rng = rng or random.Random()

    def next(self) -> float:
        delay = self.rng.uniform(0, min(self.cap, self.base * 2 ** self.failures))
        self.failures += 1
        return delay

    def reset(self) -> None:
        self.failures = 0


def sync_once(kiosk, uploader: Uploader, status: Callable[..., None]) -> None:
    """One pass: pull configuration, push everything pending. Errors propagate."""
    uploader.pull_config()
    uploader.push(progress=lambda done, total: status(state="uploading", progress_done=done,
                                                      progress_total=total))
    report_after_sync(kiosk, uploader.client)  # best effort: never raises (sync.client.report)


class BackgroundSync:
    """Uploads a kiosk's outbox from a daemon thread; see the module docstring."""

    def __init__(self, kiosk, *, config: SyncConfig | None = None,
                 transport: httpx.BaseTransport | None = None) -> None:
        self.kiosk = kiosk
        self.config = config or SyncConfig()
        self.transport = transport
        self.on_status: list[Callable[[SyncStatus], None]] = []
        self._status = SyncStatus(last_success=kiosk.outbox.last_success())
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._listener = lambda _enrollment: self._wake.set()

    @property
    def status(self) -> SyncStatus:
        with self._lock:
            return self._status

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self.kiosk.listeners.append(self._listener)
        self._thread = threading.Thread(target=self._run, name="ruhui-sync", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Ask the thread to finish (after its current request) and wait for it."""
        self._stop.set()
        self._wake.set()
        if self._listener in self.kiosk.listeners:
            self.kiosk.listeners.remove(self._listener)
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        self._set(state="stopped")

    def wake(self) -> None:
        """Look for work now (e.g. the volunteer pressed "upload now")."""
        self._wake.set()

    def _set(self, **changes: object) -> None:
        counts = self.kiosk.outbox.counts()
        with self._lock:
            self._status = replace(self._status, **counts, **changes)
            status = self._status
        for callback in list(self.on_status):
            try:
                callback(status)
            except Exception:  # a broken screen must not stop uploads
                log.exception("sync status listener failed")

    def _run(self) -> None:
        backoff = Backoff(self.config.backoff_base, self.config.backoff_max)
        while not self._stop.is_set():
            self._wake.clear()
            wait = self.config.idle_interval
            try:
                identity = Identity.of(self.kiosk)
                with HubClient(identity.hub_url, config=self.config,
                               transport=self.transport) as client:
                    uploader = Uploader(self.kiosk, client, batch_size=self.config.batch_size)
                    sync_once(self.kiosk, uploader, self._set)
                now = self.kiosk.outbox.note_success()
                backoff.reset()
                self._set(state="idle", last_success=now, last_error="", progress_done=0,
                          progress_total=0)
            except RetryLaterError as error:
                wait = backoff.next()
                self._set(state="waiting", last_error=error.problem or error.name)
            except DeviceRefusedError as error:
                wait = self.config.backoff_max
                self._set(state="refused", last_error=error.problem or error.name)
            except NotProvisionedError:
                self._set(state="unprovisioned")
            except Exception:  # never let the thread die: log (no data) and try again later
                log.exception("sync pass failed")
                wait = backoff.next()
                self._set(state="waiting", last_error="internal")
            self._wake.wait(wait)
