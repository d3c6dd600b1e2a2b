"""What the hub needs from its database, as one small interface.

``sync.hub.sqlite_store.SqliteHubStore`` implements it (all of its SQL in that one module); the
next issue adds PostgreSQL behind the same methods, and the hub tests run against each. Idempotency
and the merging of people are enforced by the database's unique constraints (record id, card
number, ID number, device+sequence, device+nonce), never by this process's memory, so two hub
processes, or a hub restarted after kill -9, keep the same guarantees.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterator, Protocol

from sync.protocol.problems import ProblemError


@dataclass(frozen=True)
class Device:
    device: int
    public_key: bytes
    prefix: str
    provisional_prefix: str  # the prefix it used before provisioning (derived from its key)
    name: str
    revoked_at: str | None


@dataclass(frozen=True)
class NewSignup:
    """A member.created item that passed the hub's checks, ready to insert."""

    seq: int
    record_id: str
    card_number: str
    id_number: str
    body_json: str
    body_hash: str
    created_at: str


@dataclass(frozen=True)
class Change:
    """A member.corrected or member.voided item."""

    seq: int
    kind: str
    record_id: str
    body: dict[str, Any]
    body_hash: str
    id_number: str | None  # the corrected ID number, when it changed


@dataclass(frozen=True)
class Outcome:
    seq: int
    record_id: str
    status: str  # accepted | duplicate | rejected
    problem: str = ""  # problem name when rejected


# Called inside the ingest transaction with the outcomes: returns (receipt JSON, signature), which
# are stored in the same commit, so a receipt exists exactly when its records do.
SignReceipt = Callable[[list[Outcome]], tuple[str, str]]


class HubStore(Protocol):
    # keys and settings
    def get_meta(self, key: str) -> str | None: ...
    def set_meta_once(self, key: str, value: str) -> str: ...

    # devices
    def add_device_code(self, code_hash: str, name: str, expires_at: int) -> None: ...
    def claim_device_code(self, code_hash: str, public_key: bytes, name: str, now: int,
                          provisional_prefix: str) -> Device: ...
    def device(self, device: int) -> Device | None: ...
    def revoke_device(self, device: int, at: str) -> bool: ...
    def revocations(self) -> list[dict[str, Any]]: ...
    def remember_nonce(self, device: int, nonce: str, now: int, window: int) -> bool: ...

    # ingest: one transaction per batch
    def ingest(self, device: int, receipt_id: str, received_at: str, signups: list[NewSignup],
               changes: list[Change], *, batch_id: str, digest: str, source: str,
               sign: "SignReceipt") -> list[Outcome]: ...

    # reading
    def card_status(self, card_number: str) -> dict[str, Any] | None: ...
    def orgs(self) -> list[dict[str, str]]: ...
    def set_orgs(self, orgs: list[dict[str, str]]) -> None: ...
    def export_people(self) -> Iterator[dict[str, Any]]: ...
    def counts(self) -> dict[str, int]: ...
    def close(self) -> None: ...


def redeem_code_rules(row: tuple | None, public_key: bytes, now: str) -> int | None:
    """The rules of a provisioning code, whatever the database: `row` is the code's
    (expires_at, used_at, used_by_key, device, name). Returns the device to answer again (the
    same key redeeming the same code: its first answer was lost), None when the code may be
    used now; raises ProblemError when it may not."""
    if row is None:
        raise ProblemError("code_unknown")
    expires_at, used_at, used_by, device, _name = row
    if used_at is not None:
        if bytes(used_by or b"") == public_key and device is not None:
            return device
        raise ProblemError("code_used")
    if now > expires_at:
        raise ProblemError("code_expired")
    return None


def is_postgres_url(db: object) -> bool:
    return str(db).startswith(("postgresql:", "postgres:"))


def open_hub_store(db: "str | object") -> HubStore:
    """The store for `db`: a ``postgresql://`` URL (PostgreSQL) or a file path (SQLite)."""
    if is_postgres_url(db):
        from sync.hub.pg_store import PgHubStore
        return PgHubStore(str(db))
    from sync.hub.sqlite_store import SqliteHubStore
    return SqliteHubStore(db)  # type: ignore[arg-type]
