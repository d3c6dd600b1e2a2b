"""Per-device request signatures (Ed25519), and the clock window that bounds replays.

Every request after provisioning carries four headers::

    Ruhui-Device: 12                    the device number from provisioning
    Ruhui-Time: 1767225600              Unix seconds on the kiosk's clock (corrected, see below)
    Ruhui-Nonce: <16 random bytes, base64url>
    Ruhui-Signature: <Ed25519 signature, base64url>

over ``CONTEXT + METHOD \\n path?query \\n device \\n time \\n nonce \\n sha256(body) hex``. The hub
accepts a time within WINDOW seconds of its own and a nonce it has not stored for that device
(stored in its database, pruned after 2 x WINDOW). An answer 401.3 (clock skew) carries the hub's
time in ``details.hub_time``; the client keeps the difference and signs with corrected time.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from typing import Mapping

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from kiosk.primitives.keys import DeviceKey
from sync.protocol.problems import ProblemError
from sync.protocol.wire import b64d, b64e

CONTEXT = b"ruhui/request/v1\n"
WINDOW = 300
H_DEVICE, H_TIME, H_NONCE, H_SIGNATURE = ("ruhui-device", "ruhui-time", "ruhui-nonce",
                                          "ruhui-signature")


def _message(method: str, target: str, device: int, time: int, nonce: str, body: bytes) -> bytes:
    digest = hashlib.sha256(body).hexdigest()
    return CONTEXT + f"{method.upper()}\n{target}\n{device}\n{time}\n{nonce}\n{digest}".encode()


def sign_request(device_key: DeviceKey, device: int, method: str, target: str, body: bytes,
                 time: int) -> dict[str, str]:
    """Headers that authenticate one request. `target` is the path with its query string."""
    nonce = b64e(os.urandom(16))
    signature = device_key.sign(_message(method, target, device, time, nonce, body))
    return {H_DEVICE: str(device), H_TIME: str(time), H_NONCE: nonce,
            H_SIGNATURE: b64e(signature)}


@dataclass(frozen=True)
class SignedRequest:
    device: int
    time: int
    nonce: str
    signature: bytes


def parse_auth(headers: Mapping[str, str]) -> SignedRequest:
    """The auth headers of a request; ProblemError('auth_missing') when absent or garbled."""
    try:
        device, time = int(headers[H_DEVICE]), int(headers[H_TIME])
        nonce, signature = headers[H_NONCE], b64d(headers[H_SIGNATURE])
    except (KeyError, ValueError):
        raise ProblemError("auth_missing") from None
    if not (0 <= device < 2**32 and 0 < len(nonce) <= 32 and len(signature) == 64):
        raise ProblemError("auth_missing")
    return SignedRequest(device, time, nonce, signature)


def check_request(req: SignedRequest, device_public: bytes, method: str, target: str,
                  body: bytes, now: int) -> None:
    """Raise ProblemError unless the signature is the device's and the time is in the window."""
    try:
        Ed25519PublicKey.from_public_bytes(device_public).verify(
            req.signature, _message(method, target, req.device, req.time, req.nonce, body))
    except InvalidSignature:
        raise ProblemError("auth_bad_signature") from None
    if abs(now - req.time) > WINDOW:
        raise ProblemError("auth_clock_skew", hub_time=now)
