"""Small encodings both ends share: base64url without padding, canonical JSON, hashing."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from typing import Any


def b64e(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def b64d(text: str) -> bytes:
    """Decode base64url (padding optional); ValueError for anything else."""
    if not isinstance(text, str) or not text.isascii():
        raise ValueError("not base64url")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise ValueError("not base64url") from None


def canonical_json(obj: Any) -> bytes:
    """The one byte form of `obj` that signatures and body hashes are computed over."""
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def body_hash(body: dict[str, Any]) -> str:
    """SHA-256 of a record body's canonical JSON: equal hashes mean the same sign-up."""
    return hashlib.sha256(canonical_json(body)).hexdigest()


def to_ranges(numbers: list[int]) -> list[list[int]]:
    """[1,2,3,7,8] -> [[1,3],[7,8]]: receipts list outbox sequence numbers compactly."""
    ranges: list[list[int]] = []
    for n in sorted(set(numbers)):
        if ranges and n == ranges[-1][1] + 1:
            ranges[-1][1] = n
        else:
            ranges.append([n, n])
    return ranges


def from_ranges(ranges: list[list[int]]) -> list[int]:
    out: list[int] = []
    for first, last in ranges:
        out.extend(range(first, last + 1))
    return out
