"""The values the hub's storage takes and gives back, whatever the database (no SQL here)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple


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
    and Outcome: a batch makes a thousand of each, and a named tuple is cheaper to make than a
    frozen dataclass.)"""

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


class RequestNonce(NamedTuple):
    """A signed request's nonce (sync.protocol.auth), to remember for its device: a request
    whose nonce is already stored is a replay."""

    value: str
    now: int  # the hub's time, Unix seconds
    window: int  # how far a request's time may be from the hub's; older nonces may be dropped
