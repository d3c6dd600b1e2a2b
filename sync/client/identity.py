"""This kiosk's identity at its hub, as provisioning stored it."""

from __future__ import annotations

from dataclasses import dataclass

from sync.client.errors import NotProvisionedError
from sync.protocol.wire import b64d


@dataclass(frozen=True)
class Identity:
    hub_url: str
    device: int
    prefix: str
    hub_sign_key: bytes  # Ed25519, verifies receipts and certificates
    hub_box_key: bytes   # X25519, batches are encrypted to it
    certificate: bytes

    @classmethod
    def of(cls, kiosk) -> "Identity":
        """What provisioning left on `kiosk` (kiosk.outbox); NotProvisionedError before it."""
        row = kiosk.outbox.hub_identity()
        if row is None:
            raise NotProvisionedError()
        return cls(row["hub_url"], row["device"], row["prefix"], b64d(row["hub_sign_key"]),
                   b64d(row["hub_box_key"]), b64d(row["certificate"]))
