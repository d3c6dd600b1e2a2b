"""Taking in a sealed batch, from the network or from a bundle file, with the same rules.

The hub trusts nothing a kiosk says about itself: the envelope's signature must be the device's
registered key, each new sign-up passes the member rules again (the same ``kiosk.domain`` code
the kiosk ran), and a card number must carry that device's prefix (assigned, or the one it used
before provisioning). What is refused is refused per record, with a code in the receipt, so one
bad record never holds back the rest of its batch.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from typing import Any

from kiosk.domain import FormError, is_valid_card_number
from kiosk.domain.member import INPUT_FIELDS
from sync.hub.keys import HubKeys
from sync.hub.validate import BatchValidator
from sync.hub.store import Change, Device, HubStore, NewSignup, Outcome
from sync.protocol.batch import Item
from sync.protocol.envelope import open_batch, read_header
from sync.protocol.problems import BY_NAME, ProblemError
from sync.protocol.receipt import Receipt, sign_receipt
from sync.protocol.wire import body_hash, canonical_json, to_ranges

from kiosk.cards.keys import key_id_of


def now_iso() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds")


def known_device(store: HubStore, number: int) -> Device:
    """The registered, unrevoked device; ProblemError('unknown_device' | 'device_revoked')."""
    device = store.device(number)
    if device is None:
        raise ProblemError("unknown_device")
    if device.revoked_at:
        raise ProblemError("device_revoked", revoked_at=device.revoked_at)
    return device


def ingest_envelope(store: HubStore, keys: HubKeys, data: bytes, *, auth_device: int | None,
                    source: str = "online") -> Receipt:
    """Store the batch in `data` exactly once and return the hub's signed receipt.

    `auth_device`: the device that signed the request (online), or None for a bundle file, whose
    envelope signature alone says who made it. Raises ProblemError for a refusal of the whole.
    """
    header = read_header(data)
    if auth_device is not None and header.device != auth_device:
        raise ProblemError("batch_device_mismatch")
    device = known_device(store, header.device)
    batch = open_batch(data, device.public_key, keys.box)
    signups: list[NewSignup] = []
    changes: list[Change] = []
    refused: list[Outcome] = []
    details: dict[int, dict[str, Any]] = {}
    validator = BatchValidator()
    for item in batch.items:
        try:
            if item.kind == "member.created":
                signups.append(_new_signup(item, device, validator))
            elif item.kind in ("member.corrected", "member.voided"):
                changes.append(_change(item, validator))
            else:
                raise ProblemError("unknown_kind")
        except ProblemError as error:
            refused.append(Outcome(item.seq, item.record_id[:64], "rejected", error.problem.name))
            if error.details:
                details[item.seq] = error.details

    receipt_id = uuid.uuid4().hex
    at = now_iso()
    signed: list[Receipt] = []

    def sign(outcomes: list[Outcome]) -> tuple[str, str]:
        outcomes = outcomes + refused
        body = {
            "v": 1, "receipt": receipt_id, "device": device.device, "batch": batch.batch_id,
            "digest": header.digest, "at": at, "hub_key": key_id_of(keys.sign_public).hex(),
            "accepted": to_ranges([o.seq for o in outcomes if o.status == "accepted"]),
            "duplicate": to_ranges([o.seq for o in outcomes if o.status == "duplicate"]),
            "rejected": [_rejection(o, details.get(o.seq)) for o in
                         sorted(outcomes, key=lambda o: o.seq) if o.status == "rejected"],
        }
        receipt = sign_receipt(body, keys.sign)
        signed.append(receipt)
        return canonical_json(body).decode(), receipt.signature

    store.ingest(device.device, receipt_id, at, signups, changes, batch_id=batch.batch_id,
                 digest=header.digest, source=source, sign=sign)
    return signed[0]


def _rejection(outcome: Outcome, details: dict[str, Any] | None) -> dict[str, Any]:
    problem = BY_NAME[outcome.problem]
    entry = {"seq": outcome.seq, "record_id": outcome.record_id, "code": problem.code,
             "name": problem.name}
    if details:
        entry["details"] = details
    return entry


def _member(body: dict[str, Any], created_at: str, validator: BatchValidator) -> Any:
    try:
        today = dt.date.fromisoformat(created_at[:10])
    except ValueError:
        raise ProblemError("invalid_record", fields=["created_at"]) from None
    form = {k: body[k] for k in INPUT_FIELDS if k in body}
    try:
        return validator.validate(form, today)
    except FormError as error:  # field codes only: never a value, which may be personal data
        raise ProblemError("invalid_record", fields=sorted({f"{e.field}:{e.code}"
                                                           for e in error.errors})) from None


def _record_id(item: Item) -> str:
    try:
        return str(uuid.UUID(item.record_id))
    except ValueError:
        raise ProblemError("invalid_record", fields=["record_id"]) from None


def _new_signup(item: Item, device: Device, validator: BatchValidator) -> NewSignup:
    body = item.body
    record_id = _record_id(item)
    card, created_at = body.get("card_number"), body.get("created_at")
    if not (isinstance(card, str) and is_valid_card_number(card) and isinstance(created_at, str)):
        raise ProblemError("invalid_record", fields=["card_number"])
    if card[:4] not in (device.prefix, device.provisional_prefix):
        raise ProblemError("record_not_yours")
    member = _member(body, created_at, validator)
    canonical = canonical_json(body)  # stored as is, and what the idempotency hash is over
    return NewSignup(item.seq, record_id, card, member.id_number, canonical.decode("utf-8"),
                     hashlib.sha256(canonical).hexdigest(), created_at[:40])


def _change(item: Item, validator: BatchValidator) -> Change:
    record_id = _record_id(item)
    id_number = None
    if item.kind == "member.corrected":
        id_number = _member(item.body, str(item.body.get("created_at", "")), validator).id_number
    return Change(item.seq, item.kind, record_id, item.body, body_hash(item.body), id_number)
