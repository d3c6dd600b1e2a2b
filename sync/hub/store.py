"""What the hub needs from its database, as one small interface.

``sync.hub.sqlite_store.SqliteHubStore`` implements it (all of its SQL in that one module); the
next issue adds PostgreSQL behind the same methods, and the hub tests run against each. Idempotency
and the merging of people are enforced by the database's unique constraints (record id, card
number, ID number, device+sequence, device+nonce), never by this process's memory, so two hub
processes, or a hub restarted after kill -9, keep the same guarantees.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterator, NamedTuple, Protocol

from sync.protocol.problems import ProblemError


@dataclass(frozen=True)
class Device:
    device: int
    public_key: bytes
    prefix: str
    provisional_prefix: str  # the prefix it used before provisioning (derived from its key)
    name: str
    revoked_at: str | None


# What the figures count by and the admin pages search by, kept in plain columns of each sign-up
# (filled at ingest, rewritten by corrections) so 100,000 members are counted or searched without
# parsing a JSON body.
FACT_COLUMNS = ("grp", "union_org", "event", "channel", "day", "area", "name", "mobile4")


def facts_of(body: dict[str, Any], id_number: str) -> tuple[str, ...]:
    """A sign-up's FACT_COLUMNS from its body: `day` is the kiosk's local date of the sign-up,
    `area` the six-digit administrative division code at the head of the ID number."""
    return facts(body.get("group"), body.get("union_org"), body.get("event"),
                 body.get("channel"), body.get("created_at"), id_number, body.get("name"),
                 body.get("mobile"))


def facts(group: Any, union_org: Any, event: Any, channel: Any, created_at: Any,
          id_number: str, name: Any, mobile: Any) -> tuple[str, ...]:
    """FACT_COLUMNS from the values themselves (ingest has them as columns, not dicts)."""
    return shared_facts(group, union_org, event, channel) + own_facts(created_at, id_number,
                                                                        name, mobile)


def shared_facts(group: Any, union_org: Any, event: Any, channel: Any) -> tuple[str, ...]:
    """The facts a whole event's sign-ups share (ingest makes them once per batch and value)."""
    return (str(group or "").strip(), str(union_org or "").strip(), str(event or "").strip()[:60],
            str(channel or "").strip())


def own_facts(created_at: Any, id_number: str, name: Any, mobile: Any) -> tuple[str, ...]:
    return (str(created_at or "")[:10], id_number[:6], str(name or "").strip(),
            str(mobile or "").strip()[-4:])


class NewSignup(NamedTuple):
    """A member.created item that passed the hub's checks, ready to insert. (Named tuples, this
    and Outcome: a batch makes a thousand of each, and a frozen dataclass costs ~1 µs more.)"""

    seq: int
    record_id: str
    card_number: str
    id_number: str
    body_json: str
    body_hash: str
    created_at: str
    facts: tuple[str, ...] = ("",) * len(FACT_COLUMNS)  # FACT_COLUMNS, in order


@dataclass(frozen=True)
class Change:
    """A member.corrected or member.voided item."""

    seq: int
    kind: str
    record_id: str
    body: dict[str, Any]
    body_hash: str
    id_number: str | None  # the corrected ID number, when it changed


class Outcome(NamedTuple):
    seq: int
    record_id: str
    status: str  # accepted | duplicate | rejected
    problem: str = ""  # problem name when rejected


# Called inside the ingest transaction with the outcomes: returns (receipt JSON, signature), which
# are stored in the same commit, so a receipt exists exactly when its records do.
SignReceipt = Callable[[list[Outcome]], tuple[str, str]]


class RequestNonce(NamedTuple):
    """A signed request's nonce (sync.protocol.auth), to remember for its device: a request
    whose nonce is already stored is a replay."""

    value: str
    now: int  # the hub's time, Unix seconds
    window: int  # how far a request's time may be from the hub's; older nonces may be dropped


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
    def remember_nonce(self, device: int, nonce: RequestNonce) -> bool: ...
    def nonce_seen(self, device: int, value: str) -> bool: ...

    # ingest: one transaction per batch. `nonce`: the request's, remembered in that transaction
    # (ProblemError('replayed_request') if already used), so a batch never waits on another
    # batch's commit to be authenticated. `handed_over` is called once what is left of the
    # batch is the database's own work, which holds no interpreter lock: its writes and commit
    # (sync.hub.ingest gives up the batch's Python turn there).
    def ingest(self, device: int, receipt_id: str, received_at: str, signups: list[NewSignup],
               changes: list[Change], *, batch_id: str, digest: str, source: str,
               sign: "SignReceipt", nonce: RequestNonce | None = None,
               handed_over: Callable[[], None] = lambda: None) -> list[Outcome]: ...

    # reading
    def card_status(self, card_number: str) -> dict[str, Any] | None: ...
    def orgs(self) -> list[dict[str, str]]: ...
    def set_orgs(self, orgs: list[dict[str, str]]) -> None: ...
    def export_people(self) -> Iterator[dict[str, Any]]: ...
    def counts(self) -> dict[str, int]: ...
    def close(self) -> None: ...


class AdminStore(Protocol):
    """What the admin pages (sync.hub.admin) need, beyond HubStore. SQL: sync.hub.sqlite_admin
    and sync.hub.pg_admin, one section per concern in each."""

    # users, sessions, login failures (sync.hub.admin.auth)
    def add_admin_user(self, username: str, password_hash: str, role: str, now: int) -> bool: ...
    def update_admin_user(self, username: str, *, password_hash: str | None = None,
                          role: str | None = None, disabled_at: int | None = None,
                          enable: bool = False) -> bool: ...
    def admin_user(self, username: str) -> tuple | None: ...
    def admin_users(self) -> list[tuple]: ...
    def create_admin_session(self, token_hash: str, username: str, csrf: str, now: int,
                             expires_at: int) -> None: ...
    def admin_session(self, token_hash: str, now: int) -> tuple | None: ...
    def extend_admin_session(self, token_hash: str, expires_at: int) -> None: ...
    def end_admin_session(self, token_hash: str) -> None: ...
    def login_failures(self, key: str, since: int) -> int: ...
    def add_login_failures(self, keys: list[str], now: int, *, older_than: int) -> None: ...

    # members: search, a person's record, corrections and voids (sync.hub.admin.members).
    # apply_member_correction is also what the review queue calls to mend a record.
    def apply_member_correction(self, record_id: str, changes: dict[str, Any], username: str,
                                at: str, reason: str) -> bool: ...
    def void_signup(self, record_id: str, username: str, at: str, reason: str) -> bool: ...
    def log_id_view(self, record_id: str, member_id: int, username: str, at: str,
                    reason: str) -> None: ...
    def search_members(self, *, name: str = "", card_number: str = "", mobile4: str = "",
                       event: str = "", offset: int = 0, limit: int = 50
                       ) -> list[dict[str, Any]]: ...
    def member_record(self, member_id: int) -> dict[str, Any] | None: ...
    def signup_of(self, record_id: str) -> dict[str, Any] | None: ...

    # exports for the national system, and figures (sync.hub.admin.exports, .figures)
    def start_export(self, request: Any, again_of: int | None = None
                     ) -> tuple[int, list[int]]: ...
    def export_members(self, member_ids: list[int]) -> Iterator[tuple]: ...
    def exports(self, limit: int = 100) -> list[dict[str, Any]]: ...
    def export_member_ids(self, export_id: int) -> list[int] | None: ...
    def figure_rows(self, since: str = "", until: str = "", group: str = "",
                    county: str = "") -> tuple[list, list]: ...
    def orgs_with_counties(self) -> list[tuple[str, str, str]]: ...

    # devices, kiosks' status reports, the review queue (sync.hub.admin.devices, .review).
    # A review row is (source 'hub' | 'kiosk', device, seq, record_id, problem name, details
    # JSON, body JSON, reported_at); UNIQUE(device, seq, problem) makes recording one refusal
    # twice (a resent batch, a kiosk reporting what the hub recorded) a no-op.
    def device_list(self) -> list[dict[str, Any]]: ...
    def save_device_report(self, device: int, report_json: str, at: str,
                           items: list[tuple]) -> int: ...
    def add_review_items(self, items: list[tuple]) -> int: ...
    def review_counts(self) -> dict[str, int]: ...
    def review_items(self, *, state: str = "open", offset: int = 0,
                     limit: int = 100) -> list[dict[str, Any]]: ...
    def review_item(self, item_id: int) -> dict[str, Any] | None: ...
    def resolve_review_item(self, item_id: int, resolution: str, username: str, at: str,
                            note: str) -> bool: ...


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
