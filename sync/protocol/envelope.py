"""The sealed batch: compressed, encrypted to the hub, signed by the device.

The same bytes travel as the body of ``POST /v1/batches`` and as a bundle file on a USB stick.
Layout (integers big-endian)::

    offset size  field
    0      4     magic "RHB1" (format version 1)
    4      1     codec: 1 = gzip (RFC 1952) of the batch JSON
    5      4     device number (assigned by the hub at provisioning)
    9      16    batch id
    25     32    ephemeral X25519 public key
    57     12    AES-GCM nonce
    69     n     AES-256-GCM ciphertext of the compressed batch, 16-byte tag at the end;
                 additional data = bytes[0:69]
    69+n   64    Ed25519 signature by the device key over CONTEXT + bytes[0:69+n]

Key: HKDF-SHA256(X25519(ephemeral, hub box key), info = INFO + ephemeral public + hub public).
A fresh ephemeral key per batch means no key is ever reused; only the hub can read a batch, and
any changed byte fails the device signature (a tampered bundle is refused whole).
"""

from __future__ import annotations

import hashlib
import os
import struct
import zlib
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from kiosk.primitives.keys import DeviceKey
from sync.protocol.batch import Batch, ColumnarBatch, parse_columns
from sync.protocol.problems import ProblemError

MAGIC = b"RHB1"
CODEC_GZIP = 1
CONTEXT = b"ruhui/batch/v1\x00"
INFO = b"ruhui/batch-key/v1"
_HEADER = struct.Struct(">4sBI16s32s12s")
HEADER_LEN = _HEADER.size  # 69
SIGNATURE_LEN = 64
TAG_LEN = 16
MAX_PLAIN = 32 * 1024 * 1024  # a decompression bomb stops here
GZIP_LEVEL = 1  # bench/bench_sync.py: ~60 B/record at a third of the CPU of level 6


@dataclass(frozen=True)
class EnvelopeHeader:
    device: int
    batch_id: str
    digest: str  # sha256 of the whole envelope, hex: what the receipt names


def _raw(public_key: X25519PublicKey) -> bytes:
    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def _key(shared: bytes, ephemeral: bytes, hub_box: bytes) -> bytes:
    return HKDF(hashes.SHA256(), 32, None, INFO + ephemeral + hub_box).derive(shared)


def compress(data: bytes) -> bytes:
    c = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, 31)  # wbits 31: gzip framing
    return c.compress(data) + c.flush()


def decompress(data: bytes) -> bytes:
    d = zlib.decompressobj(31)
    try:
        out = d.decompress(data, MAX_PLAIN)
    except zlib.error:
        raise ProblemError("malformed", reason="gzip") from None
    if d.unconsumed_tail or not d.eof:
        raise ProblemError("too_large" if d.unconsumed_tail else "malformed", reason="gzip")
    return out


def seal_batch(batch: Batch, device_key: DeviceKey, hub_box_public: bytes) -> bytes:
    """The envelope for `batch`, readable only by the holder of the hub's box key."""
    ephemeral = X25519PrivateKey.generate()
    eph_pub = _raw(ephemeral.public_key())
    shared = ephemeral.exchange(X25519PublicKey.from_public_bytes(hub_box_public))
    nonce = os.urandom(12)
    header = _HEADER.pack(MAGIC, CODEC_GZIP, batch.device, bytes.fromhex(batch.batch_id),
                          eph_pub, nonce)
    sealed = AESGCM(_key(shared, eph_pub, hub_box_public)).encrypt(
        nonce, compress(batch.to_json()), header)
    signed = header + sealed
    return signed + device_key.sign(CONTEXT + signed)


def read_header(data: bytes) -> EnvelopeHeader:
    """Who claims to have sent `data`, before anything is checked; ProblemError if not ours."""
    if len(data) < HEADER_LEN + TAG_LEN + SIGNATURE_LEN:
        raise ProblemError("malformed", reason="short")
    magic, codec, device, batch_id, _eph, _nonce = _HEADER.unpack_from(data)
    if magic[:3] != MAGIC[:3]:
        raise ProblemError("malformed", reason="magic")
    if magic != MAGIC or codec != CODEC_GZIP:
        raise ProblemError("unsupported_version", version=magic.hex())
    return EnvelopeHeader(device, batch_id.hex(), hashlib.sha256(data).hexdigest())


def open_batch(data: bytes, device_public: bytes, hub_box_private: X25519PrivateKey) -> Batch:
    """Check the device signature, decrypt and parse.

    ProblemError: bundle_tampered (signature), undecryptable, malformed, batch_device_mismatch.
    """
    return open_columns(data, device_public, hub_box_private).to_batch()


def open_columns(data: bytes, device_public: bytes,
                 hub_box_private: X25519PrivateKey) -> ColumnarBatch:
    """``open_batch``, with the items left in their columns (what the hub ingests)."""
    header = read_header(data)
    signed, signature = data[:-SIGNATURE_LEN], data[-SIGNATURE_LEN:]
    try:
        Ed25519PublicKey.from_public_bytes(device_public).verify(signature, CONTEXT + signed)
    except InvalidSignature:
        raise ProblemError("bundle_tampered") from None
    _magic, _codec, _device, _bid, eph_pub, nonce = _HEADER.unpack_from(data)
    hub_box = _raw(hub_box_private.public_key())
    try:
        shared = hub_box_private.exchange(X25519PublicKey.from_public_bytes(eph_pub))
        plain = AESGCM(_key(shared, eph_pub, hub_box)).decrypt(
            nonce, signed[HEADER_LEN:], signed[:HEADER_LEN])
    except (InvalidTag, ValueError):
        raise ProblemError("undecryptable") from None
    batch = parse_columns(decompress(plain))
    if batch.device != header.device or batch.batch_id != header.batch_id:
        raise ProblemError("batch_device_mismatch")
    return batch
