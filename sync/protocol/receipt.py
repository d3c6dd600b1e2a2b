"""The hub's signed receipt for a batch, which a kiosk stores and acts on.

    {"v": 1, "receipt": "<32 hex>", "device": 12, "batch": "<32 hex>", "digest": "<sha256 hex>",
     "at": "2026-...", "hub_key": "<key id hex>",
     "accepted": [[101, 350], ...],      # seq ranges newly stored
     "duplicate": [[351, 352]],          # seq ranges the hub already held with the same body
     "rejected": [{"seq": 353, "record_id": "...", "code": "409.1", "name": "record_conflict",
                   "details": {...}}]}

signed as ``{"receipt": {...}, "signature": base64url(Ed25519(CONTEXT + canonical JSON))}``.
Accepted and duplicate both mean "the hub holds it": the kiosk marks those rows sent; rejected rows
are quarantined with their code. A receipt only counts if the hub's key verifies it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from kiosk.primitives.keys import DeviceKey
from sync.protocol.problems import ProblemError
from sync.protocol.wire import b64d, b64e, canonical_json, from_ranges

CONTEXT = b"ruhui/receipt/v1\x00"


@dataclass(frozen=True)
class Receipt:
    body: dict[str, Any]
    signature: str

    @property
    def receipt_id(self) -> str:
        return self.body["receipt"]

    @property
    def device(self) -> int:
        return self.body["device"]

    def held(self) -> list[int]:
        """Sequence numbers the hub holds (new or already there): mark them sent."""
        return from_ranges(self.body["accepted"]) + from_ranges(self.body["duplicate"])

    def rejected(self) -> list[dict[str, Any]]:
        return list(self.body["rejected"])

    def to_json(self) -> dict[str, Any]:
        return {"receipt": self.body, "signature": self.signature}


def sign_receipt(body: dict[str, Any], hub_key: DeviceKey) -> Receipt:
    return Receipt(body, b64e(hub_key.sign(CONTEXT + canonical_json(body))))


def verify_receipt(doc: Any, hub_public: bytes) -> Receipt:
    """The receipt in `doc` if the hub's key signed it; ProblemError('malformed') otherwise."""
    try:
        body, signature = doc["receipt"], doc["signature"]
        Ed25519PublicKey.from_public_bytes(hub_public).verify(
            b64d(signature), CONTEXT + canonical_json(body))
        for name in ("receipt", "device", "accepted", "duplicate", "rejected"):
            body[name]
        from_ranges(body["accepted"]), from_ranges(body["duplicate"])
    except (KeyError, TypeError, ValueError, InvalidSignature):
        raise ProblemError("malformed", reason="receipt") from None
    return Receipt(body, signature)
