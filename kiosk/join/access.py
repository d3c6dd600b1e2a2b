"""Who may use the phone page: the event's join token, form nonces and e-card cookies.

Three secrets keep the page honest, all derived from one per-kiosk key (Kiosk.join_secret):

- the **join token** in the QR code, scoped to the current event: a volunteer can close it (the
  QR stops working) or rotate it (a new QR; the old one stops working). A kiosk opens
  self-registration from its first run; a new event gets a new token, open.
- the **form nonce**: every form page carries a random nonce MACed together with the join token
  and the phone's session cookie (double-submit CSRF protection). The sign-up's record id is
  derived from the nonce, so a double tap, a refresh or a resubmitted form stores one member.
- the **card cookie**: after a sign-up the phone gets an HttpOnly cookie holding a MAC of the
  record id, scoped to that card's path; only that phone can open the e-card again.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
import time
import uuid
from dataclasses import dataclass

from kiosk.domain.event import Event
from kiosk.service import Kiosk

# Fixed forever: record ids derived from nonces must stay the same across versions.
RECORD_NAMESPACE = uuid.UUID("6f1d7c52-3b7e-5a43-9a51-2c1e0b8f4d10")

_lock = threading.Lock()  # get-or-create of the token, across request threads
# Bumped by close/rotate so the routers' cached view of the token changes at once in this process
# (another process, e.g. the `kiosk join-close` command, is seen within AccessGate.TTL).
_generation = 0


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def random_token(nbytes: int = 16) -> str:
    """A URL-safe random string (16 bytes: 22 characters, 128 bits)."""
    return _b64(secrets.token_bytes(nbytes))


@dataclass(frozen=True)
class JoinAccess:
    """The self-registration state of one event."""

    event: str
    token: str
    open: bool

    def to_dict(self) -> dict:
        return {"event": self.event, "token": self.token, "open": self.open}


class AccessKeys:
    """MACs under the kiosk's self-registration secret."""

    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    def mac(self, *parts: str, nbytes: int = 16) -> str:
        message = "\x1f".join(parts).encode("utf-8")
        return _b64(hmac.new(self._secret, message, hashlib.sha256).digest()[:nbytes])

    def sign_nonce(self, join_token: str, session: str, nonce: str) -> str:
        """The hidden `nonce` field: the nonce and its MAC, bound to the token and the session."""
        return f"{nonce}.{self.mac('nonce', join_token, session, nonce)}"

    def open_nonce(self, join_token: str, session: str, signed: str) -> str | None:
        """The nonce when `signed` was made for this token and session, else None."""
        nonce, _, tag = signed.partition(".")
        if not nonce or not tag or len(signed) > 100:
            return None
        expected = self.mac("nonce", join_token, session, nonce)
        return nonce if hmac.compare_digest(tag, expected) else None

    def card_cookie(self, record_id: str) -> str:
        return self.mac("card", record_id)

    def card_cookie_ok(self, record_id: str, value: str | None) -> bool:
        return bool(value) and hmac.compare_digest(str(value), self.card_cookie(record_id))


def record_id_for(nonce: str) -> str:
    """The record id of the sign-up a form nonce produces: one nonce, one member."""
    return str(uuid.uuid5(RECORD_NAMESPACE, nonce))


def access_keys(kiosk: Kiosk) -> AccessKeys:
    """The kiosk's MAC keys (a random secret made once and kept)."""
    return AccessKeys(kiosk.join_secret())


def _stored_access(kiosk: Kiosk, event: str) -> JoinAccess | None:
    raw = kiosk.join_access_state()
    if raw is not None and raw.get("event") == event and raw.get("token"):
        return JoinAccess(event=event, token=str(raw["token"]), open=bool(raw.get("open")))
    return None


def _save(kiosk: Kiosk, access: JoinAccess) -> JoinAccess:
    kiosk.save_join_access_state(access.to_dict())
    return access


def join_access(kiosk: Kiosk) -> JoinAccess:
    """The current event's self-registration state; a new event gets a fresh, open token."""
    event = kiosk.current_event().id
    access = _stored_access(kiosk, event)
    if access is not None:
        return access
    with _lock:
        access = _stored_access(kiosk, event)
        return access or _save(kiosk, JoinAccess(event=event, token=random_token(), open=True))


def close_join(kiosk: Kiosk) -> JoinAccess:
    """Stop self-registration: the QR code on screen and on posters stops working."""
    access = join_access(kiosk)
    global _generation
    with _lock:
        _generation += 1
        return _save(kiosk, JoinAccess(event=access.event, token=access.token, open=False))


def rotate_join(kiosk: Kiosk) -> JoinAccess:
    """A new token for the current event, open; the old QR code stops working."""
    global _generation
    event = kiosk.current_event().id
    with _lock:
        _generation += 1
        return _save(kiosk, JoinAccess(event=event, token=random_token(), open=True))


def check_join_token(kiosk: Kiosk, token: str) -> JoinAccess | None:
    """The access when `token` is the current, open token; None for a closed or wrong one."""
    access = join_access(kiosk)
    return access if AccessGate.admits(access, token) else None


def generation() -> int:
    return _generation


class AccessGate:
    """The current token and event, cached for `ttl` seconds so page views skip the database.

    Closing or rotating in this process is seen at once; in another process within `ttl`.
    """

    TTL = 1.0

    def __init__(self, kiosk: Kiosk, ttl: float = TTL) -> None:
        self.kiosk = kiosk
        self.ttl = ttl
        self._cached: tuple[float, int, JoinAccess, Event] | None = None

    def fresh(self) -> tuple[JoinAccess, Event] | None:
        """The cached state when still valid (cheap: call from the event loop)."""
        cached = self._cached
        if cached and cached[1] == _generation and time.monotonic() - cached[0] < self.ttl:
            return cached[2], cached[3]
        return None

    def load(self) -> tuple[JoinAccess, Event]:
        """Read the state from the kiosk (blocking: call from a worker thread)."""
        stamp = _generation
        access = join_access(self.kiosk)
        event = self.kiosk.find_event(access.event) or Event(id=access.event, name="", date="")
        self._cached = (time.monotonic(), stamp, access, event)
        return access, event

    @staticmethod
    def admits(access: JoinAccess, token: str) -> bool:
        return access.open and hmac.compare_digest(token.encode("utf-8"), access.token.encode("utf-8"))
