"""Salted scrypt hashes of secrets people type: the kiosk's admin PIN and the hub's sign-in
passwords. Stored as ``scrypt$N$r$p$salt$hash`` (base64), so a check reads the cost it must pay
from the stored text, and a stronger cost later does not lock out older hashes."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets


def scrypt_hash(secret: str, *, n: int, r: int = 8, p: int = 1, salt: bytes | None = None) -> str:
    salt = salt or secrets.token_bytes(16)
    digest = _scrypt(secret, salt, n, r, p, 32)
    return f"scrypt${n}${r}${p}${_b64(salt)}${_b64(digest)}"


def scrypt_matches(secret: str, stored: str) -> bool:
    """Whether `secret` hashes to `stored`; False for anything that is not such a hash."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        actual = _scrypt(secret, base64.b64decode(salt), int(n), int(r), int(p), len(expected))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


def _scrypt(secret: str, salt: bytes, n: int, r: int, p: int, length: int) -> bytes:
    # maxmem: OpenSSL's default (32 MB) is just short of what N=2**15, r=8 needs
    return hashlib.scrypt(secret.encode("utf-8"), salt=salt, n=n, r=r, p=p,
                          maxmem=256 * n * r, dklen=length)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")
