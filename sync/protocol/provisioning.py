"""What both ends compute at provisioning: the code's normal form and the proof of key possession.

The kiosk signs ``CONTEXT + code + "\\n" + public key`` with the key it registers, so a code read
over someone's shoulder cannot register a key its holder does not have.
"""

from __future__ import annotations

from kiosk.domain.card_number import ALPHABET

PROOF_CONTEXT = b"ruhui/provision/v1\n"


def normalise_code(code: str) -> str:
    """Upper case, separators dropped: what people type as 'k7a3-…' is the same code."""
    return "".join(ch for ch in code.upper() if ch in ALPHABET)


def proof_message(code: str, public_key: bytes) -> bytes:
    return PROOF_CONTEXT + normalise_code(code).encode() + b"\n" + public_key
