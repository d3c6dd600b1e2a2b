"""The kiosk's local SQLite file: members and their outbox rows, the audit trail, events, the
print queue (the outbox's later states and the hub's data: kiosk.storage.outbox).

A sign-up, its outbox row and (for a correction or a void) its audit row go in one durable
transaction (kiosk.storage.sqlite_file), so a caller may say "saved" once a method returns.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from dataclasses import dataclass, fields
from operator import attrgetter
from pathlib import Path
from typing import Any, NamedTuple, Protocol

from kiosk.primitives import fast_json
from kiosk.domain import DomainError, DuplicateMemberError, Member, format_card_number
from kiosk.domain.card_number import normalise_card_number
from kiosk.domain.event import Event
from kiosk.domain.record_id import new_record_id
from kiosk.storage.outbox import OutboxRows
from kiosk.storage.sqlite_file import now_local

MEMBER_FIELDS = tuple(f.name for f in fields(Member))
# What a person may correct; the rest (record id, card number, token) is fixed at capture.
CORRECTABLE = tuple(f for f in MEMBER_FIELDS if f != "consent")

_member_values = attrgetter(*MEMBER_FIELDS)
_INSERT_COLUMNS = (*MEMBER_FIELDS, "record_id", "card_number", "token", "created_at", "status",
                   "consent_version", "device_prefix", "mobile_last4", "updated_at")
_INSERT_MEMBER = (f"INSERT INTO members ({', '.join(f'[{k}]' for k in _INSERT_COLUMNS)}) "
                  f"VALUES ({', '.join('?' * len(_INSERT_COLUMNS))})")


def canonical_body(body: dict[str, Any]) -> str:
    """An outbox body's text: sorted keys, compact, non-ASCII as is."""
    return fast_json.dumps(body, sort_keys=True).decode("utf-8")


# Card numbers are reserved from the durable counter a block at a time, so most sign-ups neither
# write the counter's page nor sign inside the transaction. The block doubles up to this size:
# a process that stores one sign-up and exits leaves no gap, a busy desk few counter writes.
MAX_NUMBER_BLOCK = 64


@dataclass(frozen=True)
class StoredMember:
    record_id: str
    card_number: str
    token: str
    status: str  # active | voided
    created_at: str
    member: Member
    void_reason: str = ""
    consent_version: str = ""

    @property
    def issued(self) -> dt.date:
        return dt.date.fromisoformat(self.created_at[:10])

    def body(self) -> dict[str, Any]:
        """What the record says, as sent to the hub; equal bodies mean the same sign-up."""
        return {"record_id": self.record_id, "card_number": self.card_number,
                "created_at": self.created_at, "consent_version": self.consent_version,
                **self.member.to_dict()}


class NewMember(NamedTuple):
    """One sign-up to store: the validated member and its options."""

    member: Member
    record_id: str | None = None
    queue_print: bool = False


# The hub's prefix for this device, set at provisioning (kiosk.service.outbox).
DEVICE_PREFIX_SETTING = "device_prefix"


class DeviceIdentity(NamedTuple):
    """What the file says this device is, for numbering and signing its cards: the prefix the hub
    assigned (None before provisioning), and the hub's certificate over the device key (base64url
    text) with the prefix it was made for."""

    prefix: str | None = None
    certificate: str | None = None
    certificate_prefix: str | None = None


class CardIssuer(Protocol):
    """Numbers and signs new cards: the prefix and key of the device identity it was made for."""

    identity: DeviceIdentity
    prefix: str

    def sign(self, member: Member, card_number: str, issued: dt.date) -> str:
        """The signed token for `member`'s card."""


class StaleIssuerError(Exception):
    """The card issuer was made for a device identity this file no longer holds (another process
    provisioned the device meanwhile): make one for `identity` and store the sign-up again."""

    def __init__(self, identity: DeviceIdentity) -> None:
        super().__init__("the device's identity changed since the card issuer was made")
        self.identity = identity


def _row_to_stored(row: dict[str, Any]) -> StoredMember:
    values = {name: row[name] for name in MEMBER_FIELDS}
    values["consent"] = bool(values["consent"])
    return StoredMember(
        record_id=row["record_id"], card_number=row["card_number"], token=row["token"],
        status=row["status"], created_at=row["created_at"], member=Member(**values),
        void_reason=row["void_reason"], consent_version=row["consent_version"],
    )


class Store(OutboxRows):
    """One kiosk's SQLite file, all of it. Safe to share between threads (one lock, one
    connection)."""

    def __init__(self, path: Path | str) -> None:
        super().__init__(path)
        # prefix -> (next, last): sequence numbers reserved durably and not used yet.
        self._numbers: dict[str, tuple[int, int]] = {}
        self._block = 1

    # --- this device -----------------------------------------------------------------------
    def device_identity(self) -> DeviceIdentity:
        """The identity cards are numbered and signed under; kept until it changes (here or in
        another process), so asking costs a pragma, not a query."""
        return self._cached("device_identity", self._read_device_identity)

    def _read_device_identity(self) -> DeviceIdentity:
        device = self.sync_device()
        return DeviceIdentity(self.get_setting(DEVICE_PREFIX_SETTING),
                              device["certificate"] if device else None,
                              device["prefix"] if device else None)

    # --- events ---------------------------------------------------------------------------
    def save_event(self, event: Event) -> None:
        with self.transaction() as conn:
            row = event.to_dict()
            conn.execute(
                f"INSERT INTO events ({', '.join(row)}, created_at) VALUES "
                f"({', '.join('?' * len(row))}, ?) ON CONFLICT(id) DO UPDATE SET "
                + ", ".join(f"{k} = excluded.{k}" for k in row if k != "id"),
                (*row.values(), now_local().isoformat(timespec="milliseconds")))

    def get_event(self, event_id: str) -> Event | None:
        rows = self._rows("SELECT * FROM events WHERE id = ?", (event_id,))
        if not rows:
            return None
        rows[0].pop("created_at")
        return Event(**rows[0])

    def list_events(self) -> list[Event]:
        rows = self._rows("SELECT * FROM events ORDER BY date DESC, created_at DESC")
        return [Event(**{k: v for k, v in row.items() if k != "created_at"}) for row in rows]

    # --- sign-ups -------------------------------------------------------------------------
    # A sign-up's card is numbered and signed inside its transaction: the issuer's identity is
    # then checked against other processes' commits by the PRAGMA data_version the identity's
    # cache reads anyway, where checking it before BEGIN took a read transaction of its own.

    def add_member(self, member: Member, *, issuer: CardIssuer, consent_version: str,
               record_id: str | None = None, now: dt.datetime | None = None,
               queue_print: bool = False) -> tuple[StoredMember, bool]:
        """Store a new member with its outbox row in one durable transaction.

        Returns (stored, created). A `record_id` seen before with the same data returns the
        existing record and created=False (a resubmitted form); with other data it is a
        ``record_conflict``. An ID number already active here raises DuplicateMemberError.
        `queue_print` also puts the new card in the desk's print queue, in the same transaction.
        `issuer` numbers and signs the card; StaleIssuerError when its identity is no longer
        this file's (nothing was written).
        """
        # add_members' work for one item, without its lists: a desk's sign-up one at a time
        # is the common case, and its Python time sits beside each fsync.
        item = NewMember(member, record_id, queue_print)
        now = now or now_local()
        at = (now.isoformat(timespec="milliseconds"), now.date())
        with self._lock:
            with self.transaction() as conn:
                self._check_issuer(issuer)
                (number,), block = self._next_numbers(conn, issuer.prefix, 1)
                result = self._insert(conn, item, *self._rows_for(item, issuer, number,
                                                                  consent_version, at))
            if block is not None:  # only now is the reservation durable
                self._numbers[issuer.prefix] = block
        return result

    def add_members(self, items: list[NewMember], *, issuer: CardIssuer,
                    consent_version: str, now: dt.datetime | None = None,
                    ) -> list[tuple[StoredMember, bool] | DomainError]:
        """Store several sign-ups in ONE durable commit (group commit); a result per item.

        Each item runs under its own SAVEPOINT, so a refused one (duplicate, conflict) leaves the
        others untouched. Nothing is durable, and no result final, until this method returns:
        a crowd of phones then shares one fsync instead of queueing for one each.
        A number a refused sign-up took is simply never used. StaleIssuerError as for `add_member`.
        """
        now = now or now_local()
        at = (now.isoformat(timespec="milliseconds"), now.date())
        with self._lock:
            try:
                with self.transaction() as conn:
                    self._check_issuer(issuer)
                    numbers, block = self._next_numbers(conn, issuer.prefix, len(items))
                    rows = [self._rows_for(item, issuer, number, consent_version, at)
                            for item, number in zip(items, numbers)]
                    if len(items) == 1:  # the transaction is the savepoint
                        results = [self._insert(conn, items[0], *rows[0])]
                    else:
                        results = [self._insert_savepoint(conn, item, *item_rows)
                                   for item, item_rows in zip(items, rows)]
            except DomainError as error:  # one item, refused: nothing of it was written
                return [error]
            if block is not None:  # only now is the reservation durable
                self._numbers[issuer.prefix] = block
        return results

    def _check_issuer(self, issuer: CardIssuer) -> None:
        identity = self.device_identity()
        if issuer.identity != identity:
            raise StaleIssuerError(identity)

    def _insert_savepoint(self, conn: sqlite3.Connection, *args: Any,
                          ) -> tuple[StoredMember, bool] | DomainError:
        conn.execute("SAVEPOINT sign_up")
        try:
            return self._insert(conn, *args)
        except DomainError as error:
            conn.execute("ROLLBACK TO sign_up")
            return error
        finally:
            conn.execute("RELEASE sign_up")

    def _next_numbers(self, conn: sqlite3.Connection, prefix: str, count: int,
                      ) -> tuple[list[str], tuple[int, int] | None]:
        """`count` card numbers for `prefix`, from the block already reserved and, when it runs
        out, from a new one reserved in this transaction: returned as (next, last), to keep
        once the transaction has committed."""
        first, last = self._numbers.get(prefix, (1, 0))
        if first + count - 1 <= last:  # the block in hand has enough: the common case
            self._numbers[prefix] = (first + count, last)
            return [format_card_number(prefix, s) for s in range(first, first + count)], None
        numbers = [format_card_number(prefix, sequence) for sequence in range(first, last + 1)]
        self._numbers[prefix] = (last + 1, last)
        size = max(count - len(numbers), self._block)
        self._block = min(2 * self._block, MAX_NUMBER_BLOCK)
        last = conn.execute("INSERT INTO counters(name, value) VALUES (?, ?) ON CONFLICT(name) "
                            "DO UPDATE SET value = value + excluded.value RETURNING value",
                            (f"card_sequence:{prefix}", size)).fetchone()[0]
        first = last - size + 1
        more = count - len(numbers)
        numbers += [format_card_number(prefix, s) for s in range(first, first + more)]
        return numbers, (first + more, last)

    @staticmethod
    def _rows_for(item: NewMember, cards: CardIssuer, card_number: str, consent_version: str,
                  at: tuple[str, dt.date]) -> tuple[StoredMember, tuple, tuple]:
        """The signed sign-up, its members row and its outbox row; `at`: (created_at, issued)."""
        member = item.member
        created_at, issued = at
        token = cards.sign(member, card_number, issued)
        record_id = item.record_id or new_record_id()
        values = _member_values(member)
        stored = StoredMember(record_id=record_id, card_number=card_number, token=token,
                              status="active", created_at=created_at, member=member,
                              consent_version=consent_version)
        body = dict(zip(MEMBER_FIELDS, values), record_id=record_id, card_number=card_number,
                    created_at=created_at, consent_version=consent_version)
        return (stored,
                (*values, record_id, card_number, token, created_at, "active", consent_version,
                 cards.prefix, member.mobile[-4:], created_at),
                (record_id, "member.created", canonical_body(body), created_at))

    def _insert(self, conn: sqlite3.Connection, item: NewMember, stored: StoredMember,
                member_row: tuple, outbox_row: tuple) -> tuple[StoredMember, bool]:
        existing = self._by("record_id", item.record_id) if item.record_id else None
        if existing is not None:
            if existing.member != item.member:
                raise DomainError("record_conflict")
            return existing, False
        try:
            conn.execute(_INSERT_MEMBER, member_row)
        except sqlite3.IntegrityError as error:
            # The partial unique index on active ID numbers decides; looking the twin up only
            # when it fires saves a query on every sign-up.
            if "members.id_number" not in str(error):
                raise
            twin = conn.execute("SELECT record_id, card_number FROM members "
                                "WHERE id_number = ? AND status = 'active'",
                                (item.member.id_number,)).fetchone()
            raise DuplicateMemberError(card_number=twin[1], record_id=twin[0]) from None
        # The member row itself says who enrolled whom and when (volunteer, created_at), so
        # the audit table holds only later changes: one page less to fsync per sign-up.
        conn.execute("INSERT INTO outbox(record_id, kind, body, created_at) VALUES (?, ?, ?, ?)",
                     outbox_row)
        if item.queue_print:
            conn.execute("INSERT INTO print_queue(record_id, queued_at) VALUES (?, ?) "
                         "ON CONFLICT(record_id) DO NOTHING", (stored.record_id, stored.created_at))
        return stored, True

    def correct(self, record_id: str, member: Member, *, actor: str, reason: str,
                now: dt.datetime | None = None) -> StoredMember:
        """Replace the fields of an active record, keeping what changed in the audit trail."""
        if not reason.strip():
            raise DomainError("reason.required")
        at = (now or now_local()).isoformat(timespec="milliseconds")
        with self.transaction() as conn:
            old = self._require(record_id)
            if old.status != "active":
                raise DomainError("already_voided")
            before, after = old.member.to_dict(), member.to_dict()
            changes = {k: [before[k], after[k]] for k in CORRECTABLE if before[k] != after[k]}
            if not changes:
                return old
            if "id_number" in changes:
                twin = conn.execute("SELECT card_number, record_id FROM members WHERE id_number = ? "
                                    "AND status = 'active' AND record_id != ?",
                                    (member.id_number, record_id)).fetchone()
                if twin:
                    raise DuplicateMemberError(card_number=twin[0], record_id=twin[1])
            assignments = ", ".join(f"[{k}] = ?" for k in changes)
            conn.execute(f"UPDATE members SET {assignments}, mobile_last4 = ?, updated_at = ? "
                         "WHERE record_id = ?",
                         (*(after[k] for k in changes), member.mobile[-4:], at, record_id))
            new = self._require(record_id)
            self._outbox(conn, record_id, "member.corrected",
                         {**new.body(), "reason": reason, "actor": actor}, at)
            self._audit(conn, record_id, "correct", actor, reason, changes, at)
        return new

    def void(self, record_id: str, *, actor: str, reason: str, now: dt.datetime | None = None,
             ) -> StoredMember:
        """Mark a record void (never deleted); its ID number may then be enrolled again."""
        if not reason.strip():
            raise DomainError("reason.required")
        at = (now or now_local()).isoformat(timespec="milliseconds")
        with self.transaction() as conn:
            old = self._require(record_id)
            if old.status == "voided":
                raise DomainError("already_voided")
            conn.execute("UPDATE members SET status = 'voided', void_reason = ?, updated_at = ? "
                         "WHERE record_id = ?", (reason, at, record_id))
            self._outbox(conn, record_id, "member.voided",
                         {"record_id": record_id, "reason": reason, "actor": actor, "at": at}, at)
            self._audit(conn, record_id, "void", actor, reason, {"status": ["active", "voided"]}, at)
        return self._require(record_id)

    def record_reprint(self, record_id: str, *, actor: str) -> None:
        with self.transaction() as conn:
            self._require(record_id)
            self._audit(conn, record_id, "reprint", actor, "", {},
                        now_local().isoformat(timespec="milliseconds"))

    # --- exports -----------------------------------------------------------------------------
    def log_export(self, *, actor: str, via: str, full_ids: bool, row_count: int) -> None:
        with self.transaction() as conn:
            conn.execute("INSERT INTO export_log(actor, via, at, full_ids, row_count) "
                         "VALUES (?, ?, ?, ?, ?)",
                         (actor, via, now_local().isoformat(timespec="milliseconds"),
                          int(full_ids), row_count))

    def export_log(self) -> list[dict[str, Any]]:
        rows = self._rows("SELECT actor, via, at, full_ids, row_count FROM export_log ORDER BY id")
        return [{**row, "full_ids": bool(row["full_ids"])} for row in rows]

    # --- the desk's print queue ------------------------------------------------------------
    def queue_print(self, record_ids: list[str]) -> None:
        at = now_local().isoformat(timespec="milliseconds")
        with self.transaction() as conn:
            conn.executemany("INSERT INTO print_queue(record_id, queued_at) VALUES (?, ?) "
                             "ON CONFLICT(record_id) DO UPDATE SET printed_at = NULL",
                             [(record_id, at) for record_id in record_ids])

    def print_queue(self) -> list[StoredMember]:
        """Cards waiting to be printed, oldest first."""
        rows = self._rows("SELECT m.* FROM print_queue q JOIN members m USING (record_id) "
                          "WHERE q.printed_at IS NULL AND m.status = 'active' ORDER BY q.queued_at")
        return [_row_to_stored(row) for row in rows]

    def mark_printed(self, record_ids: list[str]) -> None:
        at = now_local().isoformat(timespec="milliseconds")
        with self.transaction() as conn:
            conn.executemany("UPDATE print_queue SET printed_at = ? WHERE record_id = ?",
                             [(at, record_id) for record_id in record_ids])

    # --- reading --------------------------------------------------------------------------
    def get(self, record_id: str) -> StoredMember | None:
        return self._by("record_id", record_id)

    def get_by_card_number(self, card_number: str) -> StoredMember | None:
        return self._by("card_number", normalise_card_number(card_number))

    def find_active_by_id_number(self, id_number: str) -> StoredMember | None:
        rows = self._rows("SELECT * FROM members WHERE id_number = ? AND status = 'active'",
                          (id_number,))
        return _row_to_stored(rows[0]) if rows else None

    def last_signup_at(self) -> str | None:
        """When the newest sign-up was taken (rowids only grow: no scan, no index needed)."""
        with self._lock:
            row = self.conn.execute("SELECT created_at FROM members ORDER BY rowid DESC "
                                    "LIMIT 1").fetchone()
        return row[0] if row else None

    def search(self, query: str = "", *, event: str | None = None, day: str | None = None,
               include_voided: bool = True, limit: int = 200) -> list[StoredMember]:
        """Newest first. `query` matches part of a name, the last 4 digits of the mobile,
        or a card number (typed loosely); empty matches everything."""
        where, params = [], {}
        query = query.strip()
        if query:
            where.append("(name LIKE :like OR mobile_last4 = :q OR card_number = :card "
                         "OR card_number LIKE :like_card)")
            params.update(like=f"%{query}%", q=query, card=normalise_card_number(query),
                          like_card=f"%{query.upper()}%")
        if event is not None:
            where.append("event = :event")
            params["event"] = event
        if day is not None:
            where.append("substr(created_at, 1, 10) = :day")
            params["day"] = day
        if not include_voided:
            where.append("status = 'active'")
        with self._lock:
            rows = list(self.db["members"].rows_where(" AND ".join(where) or None, params,
                                                      order_by="created_at DESC, rowid DESC",
                                                      limit=int(limit)))
        return [_row_to_stored(row) for row in rows]

    def all_members(self) -> list[StoredMember]:
        """Every record, voided ones too, oldest first as a register reads (for exports)."""
        with self._lock:
            rows = list(self.db["members"].rows_where(order_by="created_at, rowid"))
        return [_row_to_stored(row) for row in rows]

    def audit_trail(self, record_id: str) -> list[dict[str, Any]]:
        """Who did what to a record and when, starting with its enrollment."""
        stored = self._require(record_id)
        enrolled = {"action": "enroll", "actor": stored.member.volunteer, "reason": "",
                    "changes": {}, "at": stored.created_at}
        rows = self._rows("SELECT action, actor, reason, changes, at FROM audit "
                          "WHERE record_id = ? ORDER BY id", (record_id,))
        return [enrolled] + [{**row, "changes": json.loads(row["changes"])} for row in rows]

    def counts_by_group(self, event: str | None = None) -> dict[str, int]:
        sql = "SELECT [group], count(*) AS n FROM members WHERE status = 'active'"
        params: tuple = ()
        if event is not None:
            sql += " AND event = ?"
            params = (event,)
        return {row["group"]: row["n"] for row in self._rows(sql + " GROUP BY [group]", params)}

    def count_active(self, event: str | None = None) -> int:
        return sum(self.counts_by_group(event).values())

    # --- internals ------------------------------------------------------------------------
    def _by(self, column: str, value: str) -> StoredMember | None:
        rows = self._rows(f"SELECT * FROM members WHERE {column} = ?", (value,))
        return _row_to_stored(rows[0]) if rows else None

    def _require(self, record_id: str) -> StoredMember:
        found = self.get(record_id)
        if found is None:
            raise DomainError("not_found")
        return found

    @staticmethod
    def _outbox(conn: sqlite3.Connection, record_id: str, kind: str, body: dict, at: str) -> None:
        conn.execute("INSERT INTO outbox(record_id, kind, body, created_at) VALUES (?, ?, ?, ?)",
                     (record_id, kind, canonical_body(body), at))

    @staticmethod
    def _audit(conn: sqlite3.Connection, record_id: str, action: str, actor: str, reason: str,
               changes: dict, at: str) -> None:
        conn.execute("INSERT INTO audit(record_id, action, actor, reason, changes, at) "
                     "VALUES (?, ?, ?, ?, ?, ?)",
                     (record_id, action, actor, reason, json.dumps(changes, ensure_ascii=False), at))
