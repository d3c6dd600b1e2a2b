"""The hub's certificate over a device key, carried in card tokens (flags bit0).

With it, a verifier holding only the federation hub's public key checks a card offline: the hub
vouches for (device number, device public key, card-number prefix, last valid day), and the
device key signs the card. Compact form, 102 bytes (integers big-endian)::

    offset size  field
    0      4     device number
    4      32    device public key (raw Ed25519)
    36     2     not after: days since 2020-01-01 (cards issued later are not covered)
    38     64    hub signature over CONTEXT + device(4) + public key(32) + prefix(4, ASCII)
                 + not after(2)

The prefix is signed but not stored: it is the prefix of the card number the token carries, so a
card whose number does not start with the device's prefix fails the hub signature.
"""

from __future__ import annotations

import datetime as dt
import struct
from dataclasses import dataclass
from typing import Iterable

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from kiosk.primitives.keys import DeviceKey

CONTEXT = b"ruhui/device-cert/v1\x00"
EPOCH = dt.date(2020, 1, 1)
CERT_LEN = 102
_BODY = struct.Struct(">I32sH")


@dataclass(frozen=True)
class DeviceCert:
    device: int
    public_key: bytes  # 32 raw bytes
    not_after: dt.date
    signature: bytes

    def to_bytes(self) -> bytes:
        return _BODY.pack(self.device, self.public_key, (self.not_after - EPOCH).days) + self.signature

    @classmethod
    def from_bytes(cls, data: bytes) -> "DeviceCert":
        if len(data) != CERT_LEN:
            raise ValueError("a device certificate has 102 bytes")
        device, public_key, days = _BODY.unpack_from(data)
        return cls(device, public_key, EPOCH + dt.timedelta(days=days), data[_BODY.size:])

    def verify(self, prefix: str, hub_keys: Iterable[Ed25519PublicKey]) -> bool:
        """True when one of `hub_keys` signed this certificate for `prefix`."""
        message = _message(self.device, self.public_key, prefix, self.not_after)
        for key in hub_keys:
            try:
                key.verify(self.signature, message)
                return True
            except InvalidSignature:
                continue
        return False


def _message(device: int, public_key: bytes, prefix: str, not_after: dt.date) -> bytes:
    return CONTEXT + struct.pack(">I32s4sH", device, public_key, prefix.encode("ascii"),
                                 (not_after - EPOCH).days)


def issue_device_cert(hub_key: DeviceKey, device: int, public_key: bytes, prefix: str,
                      not_after: dt.date) -> DeviceCert:
    """The hub's signature over a device's key and prefix, valid for cards issued up to `not_after`."""
    if len(public_key) != 32 or len(prefix) != 4:
        raise ValueError("public key must be 32 bytes and prefix 4 characters")
    signature = hub_key.sign(_message(device, public_key, prefix, not_after))
    return DeviceCert(device, public_key, not_after, signature)
