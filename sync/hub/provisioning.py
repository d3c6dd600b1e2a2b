"""One-time device codes, and registering a kiosk's key against one.

A code is 12 characters of the card-number alphabet (31^12, about 2^59: not guessable within its
lifetime), shown as ``XXXX-XXXX-XXXX`` and, when the hub knows its address, followed by
``@http://hub:8600``. The hub stores only its SHA-256, so a copy of the database does not hold
usable codes. A code expires (24 h by default) and works once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import time
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from kiosk.primitives.device_cert import issue_device_cert
from kiosk.domain.card_number import ALPHABET, provisional_prefix
from sync.hub.keys import HubKeys
from sync.hub.storage.interface import HubStore
from sync.protocol.problems import ProblemError
from sync.protocol.provisioning import normalise_code, proof_message
from sync.protocol.wire import b64d, b64e

CODE_TTL = 24 * 3600
CERT_YEARS = 5


def code_hash(code: str) -> str:
    return hashlib.sha256(normalise_code(code).encode()).hexdigest()


def make_device_code(store: HubStore, *, name: str = "", ttl: int = CODE_TTL,
                     hub_url: str = "", now: int | None = None) -> str:
    """A new one-time code (with the hub's URL after '@' when given), valid `ttl` seconds from
    `now` (the hub's clock, as register_device reads it; the wall clock by default)."""
    raw = "".join(secrets.choice(ALPHABET) for _ in range(12))
    now = int(time.time()) if now is None else now
    store.add_device_code(code_hash(raw), name, now + ttl)
    text = f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"
    return f"{text}@{hub_url}" if hub_url else text


def years_later(day: dt.date, years: int) -> dt.date:
    """`day` in `years` years' time; 29 February becomes 28 February in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def register_device(store: HubStore, keys: HubKeys, request: dict[str, Any],
                    now: int | None = None) -> dict[str, Any]:
    """Check the code and the proof that the caller holds the key; answer what the kiosk keeps."""
    try:
        public_key = b64d(request["public_key"])
        proof = b64d(request["proof"])
        Ed25519PublicKey.from_public_bytes(public_key).verify(
            proof, proof_message(request["code"], public_key))
    except InvalidSignature:
        raise ProblemError("auth_bad_signature") from None
    except (KeyError, TypeError, ValueError):
        raise ProblemError("malformed", reason="provisioning request") from None
    now = int(time.time()) if now is None else now
    # computed before the code is used: nothing after the claim may fail on the date
    not_after = years_later(dt.datetime.fromtimestamp(now, dt.timezone.utc).date(), CERT_YEARS)
    device = store.claim_device_code(code_hash(request["code"]), public_key,
                                     str(request.get("name") or "")[:60], now,
                                     provisional_prefix(public_key))
    if device.revoked_at:  # the same key presenting its used code again: never a new certificate
        raise ProblemError("device_revoked", revoked_at=device.revoked_at)
    cert = issue_device_cert(keys.sign, device.device, public_key, device.prefix, not_after)
    return {"device": device.device, "prefix": device.prefix,
            "hub_sign_key": b64e(keys.sign_public), "hub_box_key": b64e(keys.box_public),
            "certificate": b64e(cert.to_bytes()), "not_after": not_after.isoformat(),
            "orgs": store.orgs(), "revocations": store.revocations(), "hub_time": now}
