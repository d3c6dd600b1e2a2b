"""The hub's two keys: Ed25519 to sign receipts and device certificates, X25519 to receive
encrypted batches. Made on first start and kept in the hub's database (meta table); the first
process to store them wins, so two hubs starting at once on one file agree."""

from __future__ import annotations

from dataclasses import dataclass

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from kiosk.primitives.keys import DeviceKey
from sync.hub.storage.interface import HubStore
from sync.protocol.wire import b64d, b64e

_RAW = (serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
        serialization.NoEncryption())
_PUB = (serialization.Encoding.Raw, serialization.PublicFormat.Raw)


@dataclass(frozen=True)
class HubKeys:
    sign: DeviceKey           # signs receipts and device certificates
    box: X25519PrivateKey     # batches are encrypted to its public half

    @property
    def sign_public(self) -> bytes:
        return self.sign.public_bytes

    @property
    def box_public(self) -> bytes:
        return self.box.public_key().public_bytes(*_PUB)


def load_or_create_hub_keys(store: HubStore) -> HubKeys:
    sign = store.set_meta_once("hub_sign_key",
                               b64e(Ed25519PrivateKey.generate().private_bytes(*_RAW)))
    box = store.set_meta_once("hub_box_key", b64e(X25519PrivateKey.generate().private_bytes(*_RAW)))
    return HubKeys(DeviceKey.from_private_key(Ed25519PrivateKey.from_private_bytes(b64d(sign))),
                   X25519PrivateKey.from_private_bytes(b64d(box)))
