"""The signed QR token on a membership card.

A verifier holding only public keys (a ``Keyring``) checks a card offline. The token carries no
ID number, not even hashed: a hash of an 18-digit number with a known layout is cheap to invert.

Text form: ``RH:`` + RFC 4648 base32 (A-Z, 2-7) without padding. Every character is in the QR
code's alphanumeric set, so the code is encoded at 5.5 bits a character. Base45 (RFC 9285) would be
~7% shorter, but its alphabet holds the space, and a token that ends in a space does not survive
copy-paste or a person typing it; base32 has no such edge and no 0/1/8/9 to confuse with O/I/B.
Verification upper-cases the text and drops all whitespace, so a typed token may be lower case
and split into groups.

Binary layout, version 1 (all integers big-endian)::

    offset size  field
    0      1     version = 1
    1      1     flags: bit0 = a device certificate is attached (see below). Unknown flags are
                 refused (token.version): a newer issuer's token must not be half-understood.
    2      8     key id: sha256(raw public key)[:8]
    10     2     issued: days since 2020-01-01 (up to 2199-06-06)
    12     1     group: index into kiosk.domain.catalog.GROUPS (that table is append-only)
    13     5     card number: device prefix as a base-31 number * 10**6 + sequence; the check
                 character is recomputed, not stored (5 bytes instead of 11 ASCII)
    18     n     name, UTF-8 (1..30 characters)
    18+n   64    Ed25519 signature over CONTEXT + bytes[0 : 18+n]

With flags bit0 the hub's certificate over the device key (kiosk.primitives.device_cert, 102 bytes)
sits between the name and the signature, and the device signature covers it too::

    18+n   102   device certificate: device number, device public key, not-after, hub signature
    120+n  64    Ed25519 signature over CONTEXT + bytes[0 : 120+n]

A verifier that does not know the device key checks the certificate with a hub key from its
keyring, then the card with the certified device key (whose key id must match bytes 2..10).

A 3-character Chinese name gives 18 + 9 + 64 = 91 bytes, 146 base32 characters, 149 with the
prefix: a version-6 QR code (41 x 41 modules) at error correction level M.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import functools
import re
import struct
from dataclasses import dataclass
from typing import Mapping

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from kiosk.primitives.device_cert import CERT_LEN, DeviceCert
from kiosk.primitives.keys import KEY_ID_LEN, DeviceKey, key_id_of
from kiosk.domain import catalog
from kiosk.domain.card_number import (
    ALPHABET as CARD_ALPHABET, MAX_SEQUENCE, PREFIX_LEN, format_card_number, is_valid_card_number,
)
from kiosk.domain.errors import DomainError

PREFIX = "RH:"
VERSION = 1
FLAG_DEVICE_CERT = 0x01
KNOWN_FLAGS = FLAG_DEVICE_CERT
# Domain separation: a signature made for a card can never be replayed as another kind of message
# signed by the same device key (sync batches, bundles).
CONTEXT = b"ruhui/card-token/v1\x00"
EPOCH = dt.date(2020, 1, 1)
SIGNATURE_LEN = 64
MAX_NAME_CHARS = 30
MAX_TOKEN_CHARS = 512  # 30 four-byte characters give ~400; anything longer is not ours

_HEADER = struct.Struct(">BB8sHB5s")
_GROUP_CODES = tuple(code for code, _, _ in catalog.GROUPS)
_GROUP_INDEX = {code: i for i, code in enumerate(_GROUP_CODES)}
_CARD_VALUE = {ch: i for i, ch in enumerate(CARD_ALPHABET)}
_BASE32_BODY = re.compile(r"[A-Z2-7]+")
_WHITESPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class CardClaims:
    """What a card token asserts, signed by the issuing device."""

    card_number: str  # "K7A3-000042-7"
    name: str
    group: str  # a code of kiosk.domain.catalog.GROUPS
    issued: dt.date
    key_id: bytes  # the signer's key id (8 bytes)


class CardSigner:
    """Signs card tokens with one device key and, after provisioning, the hub's certificate over
    it (attached so a verifier holding only the hub's key can check the card).

    Made once per key and certificate: the certificate is checked here, not at every card.
    Invalid claims raise ValueError: they are a programming error upstream, since the member
    form has already been validated.
    """

    def __init__(self, device_key: DeviceKey, certificate: bytes | None = None) -> None:
        if certificate and (len(certificate) != CERT_LEN or DeviceCert.from_bytes(certificate)
                            .public_key != device_key.public_bytes):
            raise ValueError("certificate is not for this device key")
        self.key_id = device_key.key_id
        self.certificate = certificate or None
        self._flags = FLAG_DEVICE_CERT if certificate else 0
        self._sign = device_key.sign

    def sign(self, claims: CardClaims) -> str:
        """The token text for `claims`, whose key_id must be this signer's."""
        if claims.key_id != self.key_id:
            raise ValueError("claims.key_id is not the signing key's id")
        return self.sign_card(claims.card_number, claims.name, claims.group, claims.issued)

    def sign_card(self, card_number: str, name: str, group: str, issued: dt.date) -> str:
        """The token text for a card this signer issues (`sign`'s claims, field by field: a
        sign-up signs on the path that waits for the disk, and needs no CardClaims)."""
        payload = (_encode_payload(card_number, name, group, issued, self.key_id, self._flags)
                   + (self.certificate or b""))
        return PREFIX + _b32(payload + self._sign(CONTEXT + payload))


def sign_card_token(claims: CardClaims, device_key: DeviceKey,
                    certificate: bytes | None = None) -> str:
    """The token text for `claims`, signed with `device_key` (see CardSigner)."""
    return CardSigner(device_key, certificate).sign(claims)


def verify_card_token(token: str, keyring: Mapping[bytes, Ed25519PublicKey]) -> CardClaims:
    """The claims of a genuine `token`; DomainError (token.*) for anything else.

    Accepts typed text: case and whitespace do not matter.
    """
    raw = _decode_text(token)
    if len(raw) < _HEADER.size + 1 + SIGNATURE_LEN:  # too short to be any version's token
        raise DomainError("token.malformed")
    if raw[0] != VERSION:
        raise DomainError("token.version")
    if raw[1] & ~KNOWN_FLAGS:
        raise DomainError("token.version")
    payload, signature = raw[:-SIGNATURE_LEN], raw[-SIGNATURE_LEN:]
    key_id = payload[2:2 + KEY_ID_LEN]
    certificate = None
    if raw[1] & FLAG_DEVICE_CERT:
        if len(payload) < _HEADER.size + 1 + CERT_LEN:
            raise DomainError("token.malformed")
        certificate = DeviceCert.from_bytes(payload[-CERT_LEN:])
    public_key = keyring.get(key_id)
    if public_key is None and certificate is not None:
        public_key = _certified_key(payload, certificate, key_id, keyring)
    if public_key is None:
        raise DomainError("token.unknown_key")
    try:
        public_key.verify(signature, CONTEXT + payload)
    except InvalidSignature:
        raise DomainError("token.bad_signature") from None
    claims = _decode_payload(payload[:-CERT_LEN] if certificate else payload)
    if certificate is not None and claims.issued > certificate.not_after:
        raise DomainError("token.unknown_key")  # the certificate does not cover this card
    return claims


def _certified_key(payload: bytes, certificate: DeviceCert, key_id: bytes,
                   keyring: Mapping[bytes, Ed25519PublicKey]) -> Ed25519PublicKey | None:
    """The device key the certificate vouches for, if a hub key in `keyring` signed it."""
    if key_id_of(certificate.public_key) != key_id:
        return None
    prefix_value = int.from_bytes(payload[13:18], "big") // (MAX_SEQUENCE + 1)
    chars = []
    for _ in range(PREFIX_LEN):
        prefix_value, digit = divmod(prefix_value, len(CARD_ALPHABET))
        chars.append(CARD_ALPHABET[digit])
    if not certificate.verify("".join(reversed(chars)), keyring.values()):
        return None
    try:
        return Ed25519PublicKey.from_public_bytes(certificate.public_key)
    except ValueError:
        return None


def _encode_payload(card_number: str, name: str, group: str, issued: dt.date, key_id: bytes,
                    flags: int = 0) -> bytes:
    if not is_valid_card_number(card_number):
        raise ValueError(f"invalid card number {card_number!r}")
    if group not in _GROUP_INDEX:
        raise ValueError(f"unknown group {group!r}")
    if not 1 <= len(name) <= MAX_NAME_CHARS:
        raise ValueError("name must have 1 to 30 characters")
    days = (issued - EPOCH).days
    if not 0 <= days <= 0xFFFF:
        raise ValueError("issued date out of range")
    if len(key_id) != KEY_ID_LEN:
        raise ValueError("key_id must be 8 bytes")
    prefix, sequence, _check = card_number.split("-")
    packed = (_prefix_value(prefix) * (MAX_SEQUENCE + 1) + int(sequence)).to_bytes(5, "big")
    header = _HEADER.pack(VERSION, flags, key_id, days, _GROUP_INDEX[group], packed)
    return header + name.encode("utf-8")


@functools.lru_cache(maxsize=16)
def _prefix_value(prefix: str) -> int:
    """A device prefix as a base-31 number (a kiosk signs with one or two in its life)."""
    value = 0
    for ch in prefix:
        value = value * len(CARD_ALPHABET) + _CARD_VALUE[ch]
    return value


def _decode_payload(payload: bytes) -> CardClaims:
    # Reached only with a valid signature, so a failure here means a buggy or hostile signer:
    # still reported as malformed, never as an exception of another kind.
    _version, _flags, key_id, days, group_index, packed = _HEADER.unpack_from(payload)
    try:
        name = payload[_HEADER.size:].decode("utf-8")
    except UnicodeDecodeError:
        raise DomainError("token.malformed") from None
    prefix_value, sequence = divmod(int.from_bytes(packed, "big"), MAX_SEQUENCE + 1)
    if group_index >= len(_GROUP_CODES) or prefix_value >= len(CARD_ALPHABET) ** PREFIX_LEN \
            or sequence < 1 or not 1 <= len(name) <= MAX_NAME_CHARS:
        raise DomainError("token.malformed")
    chars = []
    for _ in range(PREFIX_LEN):
        prefix_value, digit = divmod(prefix_value, len(CARD_ALPHABET))
        chars.append(CARD_ALPHABET[digit])
    card_number = format_card_number("".join(reversed(chars)), sequence)
    issued = EPOCH + dt.timedelta(days=days)
    return CardClaims(card_number, name, _GROUP_CODES[group_index], issued, key_id)


def _b32(data: bytes) -> str:
    """RFC 4648 base32 without padding, as base64.b32encode spells it, in a few C-level steps
    instead of its Python loop over 5-byte groups (a quarter of the cost; the loop was a tenth
    of a sign-up's CPU). Each 5-byte group goes into the low end of an 8-byte slot of one big
    integer; three mask-and-shift steps move its 20-, 10- and 5-bit halves apart until every
    5-bit value has a byte of its own, which translate() turns into its letter."""
    slots = -(-len(data) // 5)
    padded = data + bytes(slots * 5 - len(data))
    wide = bytearray(8 * slots)
    for i in range(5):
        wide[3 + i::8] = padded[i::5]
    value = int.from_bytes(wide, "big")
    for low, high, shift in _spread_masks(slots):
        value = (value & low) | ((value & high) << shift)
    letters = value.to_bytes(8 * slots, "big").translate(_B32_LETTERS)
    return letters.decode("ascii")[:-(-len(data) * 8 // 5)]


_B32_LETTERS = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".ljust(256, b"\0")


@functools.cache
def _spread_masks(slots: int) -> list[tuple[int, int, int]]:
    def every_slot(mask: int) -> int:
        return int.from_bytes(mask.to_bytes(8, "big") * slots, "big")
    return [(every_slot(low), every_slot(high), shift) for low, high, shift in (
        (0x00000000_000FFFFF, 0x000000FF_FFF00000, 12),
        (0x000003FF_000003FF, 0x000FFC00_000FFC00, 6),
        (0x001F001F_001F001F, 0x03E003E0_03E003E0, 3))]


def _decode_text(token: str) -> bytes:
    if not isinstance(token, str) or len(token) > MAX_TOKEN_CHARS * 2:
        raise DomainError("token.malformed")
    text = _WHITESPACE.sub("", token).upper()
    if not text.startswith(PREFIX) or len(text) > MAX_TOKEN_CHARS:
        raise DomainError("token.malformed")
    body = text[len(PREFIX):]
    if not _BASE32_BODY.fullmatch(body):
        raise DomainError("token.malformed")
    try:
        raw = base64.b32decode(body + "=" * (-len(body) % 8))
    except (binascii.Error, ValueError):
        raise DomainError("token.malformed") from None
    # b32decode ignores the unused low bits of the last character and accepts impossible lengths;
    # only the canonical spelling is accepted, so no two texts carry the same token.
    if not raw or _b32(raw) != body:
        raise DomainError("token.malformed")
    return raw
