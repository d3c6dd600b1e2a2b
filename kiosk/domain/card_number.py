"""Card numbers: unique across devices without asking the hub, and a typo is caught.

Layout ``PPPP-NNNNNN-C``: a 4-character device prefix (given at provisioning), a 6-digit
sequence per device, and a check character. The alphabet leaves out I, L, O (read as 1 and 0),
U and Z (read as V and 2), which leaves 31 symbols: with a prime modulus and weights 1..10,
every single-character substitution and every swap of two neighbours changes the check.
The hub checks a batch's card numbers with a copy of this check, fast_checks.fast_cards_ok.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterator

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXY"
assert len(ALPHABET) == 31
_VALUE = {ch: i for i, ch in enumerate(ALPHABET)}
PREFIX_LEN = 4
SEQUENCE_DIGITS = 6
MAX_SEQUENCE = 10**SEQUENCE_DIGITS - 1
# Each position's weighted values looked up, not multiplied: a sign-up computes a check twice
# (the number, then the token's own check of it), on the path whose every µs is fsync-bound.
_WEIGHTED = tuple({ch: value * weight for ch, value in _VALUE.items()}
                  for weight in range(1, PREFIX_LEN + SEQUENCE_DIGITS + 1))
_SYMBOL = f"[{ALPHABET}]"
_CARD_NUMBER = re.compile(f"{_SYMBOL}{{{PREFIX_LEN}}}-[0-9]{{{SEQUENCE_DIGITS}}}-{_SYMBOL}")


def check_char(body: str) -> str:
    if len(body) == len(_WEIGHTED):
        return ALPHABET[sum(map(dict.__getitem__, _WEIGHTED, body)) % 31]
    total = sum(_VALUE[ch] * weight for weight, ch in enumerate(body, start=1))
    return ALPHABET[total % 31]


def format_card_number(prefix: str, sequence: int) -> str:
    """The card number for `sequence` (1..999999) on the device with `prefix`."""
    if len(prefix) != PREFIX_LEN or not all(map(_VALUE.__contains__, prefix)):
        raise ValueError(f"device prefix must be {PREFIX_LEN} characters of {ALPHABET}")
    if not 1 <= sequence <= MAX_SEQUENCE:
        raise ValueError("sequence out of range")
    body = f"{prefix}{sequence:0{SEQUENCE_DIGITS}d}"
    return f"{prefix}-{sequence:0{SEQUENCE_DIGITS}d}-{check_char(body)}"


def normalise_card_number(raw: str) -> str:
    """Accept what people type: lower case, full-width, spaces or no dashes."""
    text = unicodedata.normalize("NFKC", raw).upper()
    body = "".join(ch for ch in text if ch.isalnum())
    if len(body) != PREFIX_LEN + SEQUENCE_DIGITS + 1:
        return text.strip()
    return f"{body[:PREFIX_LEN]}-{body[PREFIX_LEN:-1]}-{body[-1]}"


def is_valid_card_number(number: str) -> bool:
    if not _CARD_NUMBER.fullmatch(number):
        return False
    return check_char(number[:PREFIX_LEN] + number[PREFIX_LEN + 1:-2]) == number[-1]


def provisional_prefix(public_key: bytes) -> str:
    """A prefix derived from the device key, used until a hub assigns one at provisioning."""
    value = int.from_bytes(hashlib.sha256(public_key).digest()[:8], "big")
    chars = []
    for _ in range(PREFIX_LEN):
        value, digit = divmod(value, 31)
        chars.append(ALPHABET[digit])
    return "".join(chars)


def hub_prefixes(device: int) -> Iterator[str]:
    """The prefixes a hub offers device number `device`, in order: the n-th from "A000" upward,
    then the ones after it (the hub skips any already held)."""
    value = len(ALPHABET) ** 3 * 10 + device
    while True:
        chars, v = [], value
        for _ in range(PREFIX_LEN):
            v, digit = divmod(v, len(ALPHABET))
            chars.append(ALPHABET[digit])
        yield "".join(reversed(chars))
        value += 1
