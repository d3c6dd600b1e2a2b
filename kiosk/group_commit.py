"""Group commit: sign-ups arriving together share one durable commit.

At a ceremony two hundred phones may submit within a second. Each sign-up alone costs an fsync;
one writer thread that takes whatever has queued up while the previous commit was on disk and
stores it in one transaction keeps every guarantee ("saved" only after the commit returned, a
refused sign-up never affects another) while the disk is paid once per batch, not per person.
"""

from __future__ import annotations

import logging
import queue
import threading
from concurrent.futures import Future

from kiosk.service import EnrollRequest, Kiosk

log = logging.getLogger(__name__)
_STOP = object()


class GroupCommitWriter:
    """One writer thread; `submit` returns a Future resolved once that sign-up is durable.

    The Future's result is an Enrollment; a refused sign-up sets the DomainError (FormError,
    DuplicateMemberError, record_conflict) as its exception, as `Kiosk.enroll` would raise it.
    """

    def __init__(self, kiosk: Kiosk, max_batch: int = 64) -> None:
        self.kiosk = kiosk
        self.max_batch = max_batch
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="group-commit", daemon=True)
        self._thread.start()

    def submit(self, request: EnrollRequest) -> Future:
        future: Future = Future()
        self._queue.put((request, future))
        return future

    def close(self) -> None:
        self._queue.put(_STOP)
        self._thread.join()

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is _STOP:
                return
            batch = [first]
            while len(batch) < self.max_batch:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is _STOP:
                    self._queue.put(_STOP)  # finish this batch, then stop
                    break
                batch.append(item)
            self._commit(batch)

    def _commit(self, batch: list[tuple[EnrollRequest, Future]]) -> None:
        try:
            results = self.kiosk.enroll_many([request for request, _ in batch])
        except Exception as error:  # nothing of this batch was stored: tell each waiter
            log.exception("group commit of %d sign-ups failed", len(batch))
            for _, future in batch:
                future.set_exception(error)
            return
        for (_, future), result in zip(batch, results):
            if isinstance(result, Exception):
                future.set_exception(result)
            else:
                future.set_result(result)
