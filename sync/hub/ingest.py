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
import json
import logging
import re
import threading
import uuid
from typing import Any

from kiosk.domain import FormError, Member, is_valid_card_number
from kiosk.domain.fast_checks import fast_cards_ok, fast_derived
from kiosk.domain.member import DERIVED_FIELDS, INPUT_FIELDS
from sync.hub.keys import HubKeys
from sync.hub.validate import BatchValidator
from sync.hub.storage.interface import HubStore
from sync.hub.storage.records import (Change, Device, NewSignup, Outcome, RequestNonce, facts,
                                      own_facts, shared_facts)
from sync.protocol.batch import KINDS, ColumnarBatch, Item
from sync.protocol.envelope import open_columns, read_header
from sync.protocol.problems import BY_NAME, ProblemError
from sync.protocol.receipt import Receipt, sign_receipt
from sync.protocol.wire import body_hash, canonical_json, canonical_rows, to_ranges

from kiosk.primitives.keys import key_id_of

log = logging.getLogger(__name__)

# What a member.created body may hold: the member's fields and the record's own. Any other key
# is dropped at the door, and gender and birth_date are the hub's reading of the ID number, so
# nothing the kiosk made up reaches the store or an export (PROTOCOL.md §3, "The hub keeps").
BODY_KEYS = frozenset((*INPUT_FIELDS, *DERIVED_FIELDS, "record_id", "card_number", "created_at",
                       "consent_version"))


def now_iso() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds")


def known_device(store: HubStore, number: int) -> Device:
    """The registered, unrevoked device; ProblemError('unknown_device' | 'device_revoked')."""
    device = store.device(number)
    if device is None:
        raise ProblemError("unknown_device")
    return unrevoked(device)


def unrevoked(device: Device) -> Device:
    """`device`, unless it is revoked: ProblemError('device_revoked')."""
    if device.revoked_at:
        raise ProblemError("device_revoked", revoked_at=device.revoked_at)
    return device


# CPython runs one thread's Python at a time, so two batches in the hub at once gain nothing by
# interleaving their Python work: a thread binding rows into SQLite's executemany then waits for
# the interpreter behind the other thread's record checks, row after row, and both batches take
# longer. What does overlap is work that holds no interpreter lock: SQLite's own, once a batch's
# rows are handed to it, and a commit's fsync. So a batch takes this turn for its checks and
# gives it up once its rows are handed over (BatchTransaction.stage), where what is left is the
# database's own work: the next batch is checked while this one is written and committed.
_PYTHON_TURN = threading.Lock()

# How long a thread that wants the interpreter waits for the one running (CPython's default: 5
# ms). A batch being written needs it only for short spells between SQLite's statements, and with
# the default each spell could wait up to 5 ms behind the next batch's checks. `kiosk hub` sets
# this at start (what it gains: HUB.md).
SWITCH_INTERVAL = 0.0002


class _Turn:
    __slots__ = ("held",)

    def __enter__(self) -> "_Turn":
        _PYTHON_TURN.acquire()
        self.held = True
        return self

    def give_up(self) -> None:
        if self.held:
            self.held = False
            _PYTHON_TURN.release()

    def __exit__(self, *exc: object) -> None:
        self.give_up()


def ingest_envelope(store: HubStore, keys: HubKeys, data: bytes, *, auth_device: int | None,
                    source: str = "online", nonce: RequestNonce | None = None) -> Receipt:
    """Store the batch in `data` exactly once and return the hub's signed receipt.

    `auth_device`: the device that signed the request (online), or None for a bundle file, whose
    envelope signature alone says who made it. `nonce`: the request's, remembered with the batch
    (a replayed request is refused). Raises ProblemError for a refusal of the whole.
    """
    with _Turn() as turn:
        return _ingest(store, keys, data, auth_device, source, nonce, turn)


def _ingest(store: HubStore, keys: HubKeys, data: bytes, auth_device: int | None, source: str,
            nonce: RequestNonce | None, turn: _Turn) -> Receipt:
    header = read_header(data)
    if auth_device is not None and header.device != auth_device:
        raise ProblemError("batch_device_mismatch")
    device = known_device(store, header.device)
    batch = open_columns(data, device.public_key, keys.box)
    signups: list[NewSignup] = []
    changes: list[Change] = []
    refused: list[Outcome] = []
    details: dict[int, dict[str, Any]] = {}
    validator = BatchValidator()

    def refuse(seq: int, record_id: str, error: ProblemError) -> None:
        refused.append(Outcome(seq, record_id[:64], "rejected", error.problem.name))
        if error.details:
            details[seq] = error.details

    seqs, cols = _created_columns(batch)
    cols = {k: v for k, v in cols.items() if k in BODY_KEYS}  # the review queue shows no other
    for outcome in _new_signups(seqs, cols, device, validator):
        if isinstance(outcome, NewSignup):
            signups.append(outcome)
        else:
            refuse(*outcome)
    for item in _other_items(batch):
        try:
            if item.kind in ("member.corrected", "member.voided"):
                changes.append(_change(item, validator))
            else:
                raise ProblemError("unknown_kind")
        except ProblemError as error:
            refuse(item.seq, item.record_id, error)

    receipt_id = uuid.uuid4().hex
    at = now_iso()
    # One transaction: the receipt is stored in the commit that stores its records.
    with store.begin_batch(device.device, receipt_id, at, nonce=nonce) as stored:
        stored.stage(signups)
        turn.give_up()
        outcomes = stored.write(changes) + refused
        body = {
            "v": 1, "receipt": receipt_id, "device": device.device, "batch": batch.batch_id,
            "digest": header.digest, "at": at, "hub_key": key_id_of(keys.sign_public).hex(),
            "accepted": to_ranges([o.seq for o in outcomes if o.status == "accepted"]),
            "duplicate": to_ranges([o.seq for o in outcomes if o.status == "duplicate"]),
            "rejected": [_rejection(o, details.get(o.seq)) for o in
                         sorted(outcomes, key=lambda o: o.seq) if o.status == "rejected"],
        }
        receipt = sign_receipt(body, keys.sign)
        stored.keep_receipt(batch_id=batch.batch_id, digest=header.digest, source=source,
                            body=canonical_json(body).decode(), signature=receipt.signature)
    if receipt.body["rejected"]:  # rare; the common path pays this one test
        _queue_for_review(store, receipt.body, seqs, cols)
    return receipt


def _queue_for_review(store: HubStore, receipt: dict[str, Any], seqs: list[int],
                      cols: dict[str, list[Any]]) -> None:
    """Put the records `receipt` rejects on the admin pages' review queue, with what the kiosk
    sent for a new sign-up (so a conflict can be compared with the hub's record). A short
    transaction of its own after the batch's: the batch is stored and its receipt signed
    whatever happens here, a resent batch adds nothing twice (UNIQUE device, seq, problem),
    and a failure is only logged: the kiosk's status report (/v1/reports) names its
    quarantined records again."""
    created = {seq: i for i, seq in enumerate(seqs)}
    items = []
    for rejection in receipt["rejected"]:
        i = created.get(rejection["seq"])
        body = {} if i is None else {k: v[i] for k, v in cols.items() if v[i] is not None}
        items.append(("hub", receipt["device"], rejection["seq"], str(rejection["record_id"]),
                      rejection["name"], json.dumps(rejection.get("details") or {}),
                      json.dumps(body, sort_keys=True), receipt["at"]))
    try:
        store.add_review_items(items)  # type: ignore[attr-defined]
    except Exception as error:  # noqa: BLE001 - never undo an answered batch for this
        log.error("review queue not updated: %s", type(error).__name__)  # no values: personal


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
    except FormError as error:
        raise _invalid(error) from None


def _record_id(item: Item) -> str:
    try:
        return str(uuid.UUID(item.record_id))
    except ValueError:
        raise ProblemError("invalid_record", fields=["record_id"]) from None


def _new_signup(item: Item, device: Device, validator: BatchValidator) -> NewSignup:
    body = {k: v for k, v in item.body.items() if k in BODY_KEYS}
    record_id = _record_id(item)
    card, created_at = body.get("card_number"), body.get("created_at")
    if not (isinstance(card, str) and is_valid_card_number(card) and isinstance(created_at, str)):
        raise ProblemError("invalid_record", fields=["card_number"])
    if card[:4] not in (device.prefix, device.provisional_prefix):
        raise ProblemError("record_not_yours")
    member = _member(body, created_at, validator)
    body["gender"], body["birth_date"] = member.gender, member.birth_date  # the ID number's
    try:
        canonical = canonical_json(body)  # stored as is, and what the idempotency hash is over
    except UnicodeEncodeError:  # a lone surrogate from a \ud800 escape
        raise ProblemError("invalid_record", fields=["body"]) from None
    return NewSignup(item.seq, record_id, card, member.id_number, canonical.decode("utf-8"),
                     hashlib.sha256(canonical).hexdigest(), created_at[:40],
                     facts(member.group, member.union_org, member.event, member.channel,
                           created_at, member.id_number, member.name, member.mobile))


# --- member.created, column by column ----------------------------------------------------------
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _created_columns(batch: ColumnarBatch) -> tuple[list[int], dict[str, list[Any]]]:
    """The member.created items as (seqs, columns), in seq order (what Batch.from_json gives)."""
    groups = [g for g in batch.groups if g.kind == "member.created"]
    if len(groups) == 1 and all(a < b for a, b in zip(groups[0].seq, groups[0].seq[1:])):
        return groups[0].seq, groups[0].cols  # the kiosk's own layout: nothing to reorder
    items = sorted((i for g in groups for i in g.items()), key=lambda i: i.seq)
    names = sorted({k for i in items for k in i.body})
    return [i.seq for i in items], {k: [i.body.get(k) for i in items] for k in names}


def _other_items(batch: ColumnarBatch) -> list[Item]:
    items = [i for g in batch.groups if g.kind != "member.created" for i in g.items()]
    items.sort(key=lambda i: (KINDS.index(i.kind) if i.kind in KINDS else 99, i.seq))
    return items


def _new_signups(seqs: list[int], cols: dict[str, list[Any]], device: Device,
                 validator: BatchValidator) -> list[NewSignup | tuple[int, str, ProblemError]]:
    """``_new_signup`` for every record of the columns, with the same answers, at a fraction of
    the cost: the checks before the member rules are done per record with precomputed tables,
    the member rules by ``BatchValidator.accept_columns``, the canonical JSON per column. A
    record that misses any fast check goes through ``_new_signup`` itself."""
    n = len(seqs)
    none = [None] * n
    record_ids, cards, created = (cols.get(k, none) for k in
                                  ("record_id", "card_number", "created_at"))
    cards_ok = fast_cards_ok(cards, (device.prefix, device.provisional_prefix))
    days: dict[str, dt.date | None] = {}
    todays: list[dt.date | None] = []
    for i in range(n):
        record_id, at = record_ids[i], created[i]
        today = None
        if type(record_id) is str and _UUID.fullmatch(record_id) and cards_ok[i] \
                and type(at) is str:
            day = at[:10]
            today = days.get(day, False)
            if today is False:
                try:
                    today = days[day] = dt.date.fromisoformat(day)
                except ValueError:
                    today = days[day] = None
        todays.append(today)
    members = validator.accept_columns(cols, todays)
    # the body kept: known keys only, gender and birth date read from the ID number
    cols = {**{k: v for k, v in cols.items() if k in BODY_KEYS}, **_derived_columns(members)}
    bodies = canonical_rows(cols, n)
    shared_cols = list(zip(*(cols.get(k, none) for k in ("group", "union_org", "event",
                                                         "channel"))))
    shared: dict[tuple, tuple[str, ...]] = {}  # a batch repeats a handful of these
    names, mobiles = cols.get("name", none), cols.get("mobile", none)
    out: list[NewSignup | tuple[int, str, ProblemError]] = []
    for i in range(n):
        seq, member = seqs[i], members[i]
        if member is None:  # a fast check missed: the per-record path gives the answer
            item = Item(seq, "member.created", {k: v[i] for k, v in cols.items()
                                                if v[i] is not None})
            try:
                out.append(_new_signup(item, device, validator))
            except ProblemError as error:
                out.append((seq, item.record_id, error))
            continue
        if isinstance(member, FormError):
            out.append((seq, record_ids[i], _invalid(member)))
            continue
        try:
            encoded = bodies[i].encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate from a \ud800 escape
            out.append((seq, record_ids[i], ProblemError("invalid_record", fields=["body"])))
            continue
        if isinstance(member, Member):  # validated the slow way: its facts from its values
            id_number = member.id_number
            row_facts = facts(member.group, member.union_org, member.event, member.channel,
                              created[i], id_number, member.name, member.mobile)
        else:  # the fast checks passed: the values are already in their normal form
            id_number, key = member, shared_cols[i]
            head = shared.get(key) or shared.setdefault(key, shared_facts(*key))
            row_facts = head + own_facts(created[i], id_number, names[i], mobiles[i])
        out.append(NewSignup(seq, record_ids[i], cards[i], id_number, bodies[i],
                             hashlib.sha256(encoded).hexdigest(), created[i][:40], row_facts))
    return out


def _derived_columns(members: list[Any]) -> dict[str, list[str | None]]:
    """gender and birth_date for each record, from its ID number as the member rules read it
    (never what the kiosk sent); None where a record is refused or left to ``_new_signup``."""
    if all(type(m) is str for m in members):  # the usual batch: every record took the fast path
        genders, births = fast_derived(members)
        return {"gender": genders, "birth_date": births}
    genders, births = [], []
    for member in members:
        if type(member) is str:
            (gender,), (birth,) = fast_derived([member])
        elif isinstance(member, Member):
            gender, birth = member.gender, member.birth_date
        else:
            gender = birth = None
        genders.append(gender)
        births.append(birth)
    return {"gender": genders, "birth_date": births}


def _invalid(error: FormError) -> ProblemError:
    # field codes only: never a value, which may be personal data
    return ProblemError("invalid_record", fields=sorted({f"{e.field}:{e.code}"
                                                        for e in error.errors}))


def _change(item: Item, validator: BatchValidator) -> Change:
    record_id = _record_id(item)
    id_number = None
    if item.kind == "member.corrected":
        id_number = _member(item.body, str(item.body.get("created_at", "")), validator).id_number
    return Change(item.seq, item.kind, record_id, item.body, body_hash(item.body), id_number)
