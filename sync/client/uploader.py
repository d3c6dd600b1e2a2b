"""Pushing the outbox to the hub in batches, and acting on the hub's receipts.

Exactly once, by construction rather than by care:
- a row leaves 'pending' only when a receipt signed by the hub names it, and the receipt is stored
  in the same local transaction that marks it (a crash before that commit sends it again);
- the hub takes a record id once and answers a resent one as "duplicate", which also marks it;
- so a cut request, a lost answer, a hub or kiosk killed at any point only cause a resend.
A batch the hub refuses as a whole (not for the network's sake) is split in halves until the
record at fault is alone, and that record is quarantined with the hub's code; the rest goes on.
"""

from __future__ import annotations

import collections
import datetime as dt
import hashlib
import json
import queue
import threading
import uuid
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Any, Callable

from sync.client.api import HubClient
from sync.client.errors import RequestRefusedError, RetryLaterError
from sync.client.identity import Identity
from sync.protocol.batch import Batch, make_items
from sync.protocol.envelope import seal_batch
from sync.protocol.problems import ProblemError
from sync.protocol.receipt import Receipt, verify_receipt

PIPELINE = 2  # requests in flight at once (batches of new sign-ups only)
Progress = Callable[[int, int], None]  # (rows done in this pass, rows pending at its start)


@dataclass
class PushResult:
    sent: int = 0
    quarantined: int = 0
    batches: int = 0
    bytes_sent: int = 0


def build_envelope(kiosk, identity: Identity, rows: list[dict[str, Any]]) -> tuple[Batch, bytes]:
    """Outbox rows as a sealed batch for this device."""
    batch = Batch(identity.device, uuid.uuid4().hex,
                  dt.datetime.now().astimezone().isoformat(timespec="seconds"), make_items(rows))
    return batch, seal_batch(batch, kiosk.device_key, identity.hub_box_key)


def apply_receipt(kiosk, identity: Identity, doc: Any, *, batch_id: str | None = None,
                  envelope: bytes | None = None) -> tuple[int, int]:
    """Verify a receipt with the hub's key and apply it; returns (sent, quarantined).

    `batch_id` / `envelope`, when known, must match what the receipt names (a receipt for another
    batch is not evidence about this one). ProblemError('malformed') for a receipt that fails.
    """
    receipt: Receipt = verify_receipt(doc, identity.hub_sign_key)
    body = receipt.body
    if receipt.device != identity.device or (batch_id and body.get("batch") != batch_id) \
            or (envelope and body.get("digest") != hashlib.sha256(envelope).hexdigest()):
        raise ProblemError("malformed", reason="receipt for another batch")
    rejected = [(int(r["seq"]), str(r["code"]), _reason(r)) for r in receipt.rejected()]
    return kiosk.outbox.apply_receipt(receipt.receipt_id, json.dumps(body, ensure_ascii=False),
                                      receipt.signature, receipt.held(), rejected)


def _reason(rejection: dict[str, Any]) -> str:
    details = rejection.get("details")
    return rejection.get("name", "") + (f" {json.dumps(details, ensure_ascii=False)}"
                                        if details else "")


@dataclass
class _InFlight:
    rows: list[dict[str, Any]]
    batch: Batch
    envelope: bytes
    future: Future


class Uploader:
    """Sends a kiosk's pending outbox through a HubClient."""

    def __init__(self, kiosk, client: HubClient, *, batch_size: int = 1000) -> None:
        self.kiosk = kiosk
        self.client = client
        self.batch_size = batch_size

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> "Uploader":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def pull_config(self) -> None:
        """Organisations and revocations from the hub onto the kiosk."""
        identity = Identity.of(self.kiosk)
        doc = self.client.get_config(self.kiosk.device_key, identity.device)
        self.kiosk.outbox.replace_hub_config(
            [o for o in doc.get("orgs", []) if isinstance(o, dict)],
            [r for r in doc.get("revocations", []) if isinstance(r, dict)])

    def push(self, progress: Progress | None = None) -> PushResult:
        """Send every pending row; RetryLaterError / DeviceRefusedError stop the pass (what was
        acknowledged so far stays acknowledged).

        Pipelined: while one batch is in the hub, the next is already on the wire (up to
        PIPELINE requests in flight, on their own connections), and a helper thread reads and
        seals the batches after that. Receipts are applied in order as the answers come back,
        once the next batch is on its way: the hub is not kept waiting for the kiosk's commit.
        A batch holding a correction or a void is sent only once every earlier request has been
        answered and its receipt applied, so a record's correction never overtakes its creation
        (creations depend on nothing sent before them).
        """
        identity = Identity.of(self.kiosk)
        outbox = self.kiosk.outbox
        result = PushResult()
        total = outbox.counts()["pending"]
        done = 0
        inflight: collections.deque[_InFlight] = collections.deque()
        stop = threading.Event()
        ready: queue.Queue = queue.Queue(maxsize=PIPELINE)

        def produce() -> None:
            """Read and seal the outbox a batch at a time, ahead of the sender. Rows up to
            `last_id` were handed over already (their request may still be unanswered, so they
            are still pending): the next read starts after them. One batch per read lets the
            first request leave as soon as it is sealed, instead of the hub waiting while the
            kiosk reads ahead, and holds the store's lock, which sign-ups wait for, for one
            batch's read at a time."""
            last_id = 0
            try:
                while not stop.is_set():
                    rows = outbox.pending_batch(self.batch_size, after_id=last_id)
                    if not rows:
                        break
                    last_id = rows[-1]["id"]
                    sealed = build_envelope(self.kiosk, identity, rows)
                    while not stop.is_set():
                        try:
                            ready.put((rows, *sealed), timeout=0.5)
                            break
                        except queue.Full:
                            continue
            except BaseException as error:  # noqa: BLE001 - handed to the sender to raise
                ready.put(error)
                return
            ready.put(None)

        def finish(entry: _InFlight) -> None:
            nonlocal done
            self._send(identity, entry.rows, result, (entry.batch, entry.envelope), entry.future)
            done += len(entry.rows)
            if progress:
                progress(min(done, total), max(total, done))

        producer = threading.Thread(target=produce, name="ruhui-seal", daemon=True)
        with ThreadPoolExecutor(PIPELINE, thread_name_prefix="ruhui-post") as poster:
            producer.start()
            try:
                while True:
                    item = ready.get()
                    if item is None:
                        break
                    if isinstance(item, BaseException):
                        raise item
                    rows, batch, envelope = item
                    if any(r["kind"] != "member.created" for r in rows):
                        while inflight:
                            finish(inflight.popleft())
                    unanswered = [e.future for e in inflight if not e.future.done()]
                    if len(unanswered) >= PIPELINE:
                        wait(unanswered, return_when=FIRST_COMPLETED)
                    future = poster.submit(self.client.post_batch, envelope,
                                           self.kiosk.device_key, identity.device)
                    inflight.append(_InFlight(rows, batch, envelope, future))
                    while inflight and inflight[0].future.done():
                        finish(inflight.popleft())
                while inflight:
                    finish(inflight.popleft())
            except BaseException:
                # a request failed: what the hub answered for the others still counts
                for entry in inflight:
                    try:
                        finish(entry)
                    except Exception:  # noqa: BLE001 - the first error is the one to report
                        pass
                raise
            finally:
                stop.set()
                while producer.is_alive():  # let it see `stop` (it never blocks for long)
                    try:
                        ready.get(timeout=0.1)
                    except queue.Empty:
                        pass
                producer.join()
        return result

    def _send(self, identity: Identity, rows: list[dict[str, Any]], result: PushResult,
              sealed: tuple[Batch, bytes] | None = None, posted: Future | None = None) -> None:
        batch, envelope = sealed or build_envelope(self.kiosk, identity, rows)
        try:
            if posted is not None:
                doc = posted.result()
            else:
                doc = self.client.post_batch(envelope, self.kiosk.device_key, identity.device)
        except RequestRefusedError as error:
            if len(rows) == 1:
                self.kiosk.outbox.set_aside(int(rows[0]["id"]), error.problem or error.code,
                                            error.name)
                result.quarantined += 1
                return
            half = len(rows) // 2
            self._send(identity, rows[:half], result)
            self._send(identity, rows[half:], result)
            return
        except RetryLaterError as error:
            self.kiosk.outbox.note_failed_attempt([int(r["id"]) for r in rows],
                                                  f"{error.problem or error.name}")
            raise
        result.bytes_sent += len(envelope)
        result.batches += 1
        try:
            sent, quarantined = apply_receipt(self.kiosk, identity, doc, batch_id=batch.batch_id,
                                              envelope=envelope)
        except ProblemError:
            raise RetryLaterError("bad_receipt") from None
        result.sent += sent
        result.quarantined += quarantined
