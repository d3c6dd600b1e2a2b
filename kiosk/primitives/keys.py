"""The device's Ed25519 signing key, and keyrings of public keys that verify card tokens.

The private key lives in ``<data_dir>/keys/device_ed25519.pem`` (PKCS#8 PEM, mode 0600, in a 0700
directory). A key is named by its *key id*: the first 8 bytes of SHA-256 over the 32 raw public
bytes. Tokens carry the key id, so a verifier picks the right public key from a ``Keyring``.
A keyring holds public material only and can be exported to a small JSON file, so a verifier on
another machine never needs anything secret.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from nacl.bindings import crypto_sign, crypto_sign_seed_keypair

KEY_DIR = "keys"
KEY_FILE = "device_ed25519.pem"
KEY_ID_LEN = 8
KEYRING_FORMAT = "ruhui-keyring/1"


def key_id_of(public_raw: bytes) -> bytes:
    """The 8-byte id of a raw 32-byte Ed25519 public key."""
    return hashlib.sha256(public_raw).digest()[:KEY_ID_LEN]


def _raw_public(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


@dataclass(frozen=True)
class DeviceKey:
    """This device's signing key; `public_bytes` and `key_id` are what others may know."""

    private_key: Ed25519PrivateKey
    public_bytes: bytes
    key_id: bytes
    # libsodium's form of the same key (seed + public key): it signs in about 60% of OpenSSL's
    # time, and every sign-up signs a card on the path that waits for the disk.
    _sodium_key: bytes = field(repr=False, compare=False)

    @classmethod
    def from_private_key(cls, private_key: Ed25519PrivateKey) -> DeviceKey:
        public_raw = _raw_public(private_key.public_key())
        seed = private_key.private_bytes(serialization.Encoding.Raw,
                                         serialization.PrivateFormat.Raw,
                                         serialization.NoEncryption())
        return cls(private_key, public_raw, key_id_of(public_raw),
                   crypto_sign_seed_keypair(seed)[1])

    @property
    def public_key(self) -> Ed25519PublicKey:
        return self.private_key.public_key()

    def sign(self, data: bytes) -> bytes:
        """A 64-byte Ed25519 signature over `data` (deterministic: the same as OpenSSL's)."""
        return crypto_sign(data, self._sodium_key)[:64]


def load_or_create_device_key(data_dir: Path) -> DeviceKey:
    """The device key under `data_dir`, generated and stored (0600) on first use."""
    key_dir = Path(data_dir) / KEY_DIR
    key_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(key_dir, 0o700)  # mkdir's mode is filtered by umask and ignored when the dir exists
    path = key_dir / KEY_FILE
    if not path.exists():
        _create_key_file(path)
    pem = path.read_bytes()
    private_key = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(private_key, Ed25519PrivateKey):
        raise ValueError(f"{path} does not hold an Ed25519 private key")
    return DeviceKey.from_private_key(private_key)


def _create_key_file(path: Path) -> None:
    """Write a new key so that it is never readable by others and never half-written.

    The PEM goes to a temporary file opened with mode 0600 from the start, is fsynced, then
    hard-linked to its final name: link() fails if another process won the race, in which case its
    key is kept and ours is dropped (two kiosk processes starting at once must agree on one key).
    """
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.fchmod(fd, 0o600)  # exact mode whatever the umask
        os.write(fd, pem)
        os.fsync(fd)
    finally:
        os.close(fd)
    try:
        os.link(tmp, path)
    except FileExistsError:
        pass
    finally:
        os.unlink(tmp)
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)  # the new name survives a power cut
    finally:
        os.close(dir_fd)


class Keyring(Mapping[bytes, Ed25519PublicKey]):
    """Public keys that may sign card tokens, looked up by key id."""

    def __init__(self, public_keys: Iterable[bytes | Ed25519PublicKey] = ()) -> None:
        self._keys: dict[bytes, Ed25519PublicKey] = {}
        self._raw: dict[bytes, bytes] = {}
        for key in public_keys:
            self.add(key)

    @classmethod
    def for_device(cls, device_key: DeviceKey) -> Keyring:
        """A keyring holding the device's own public key."""
        return cls([device_key.public_bytes])

    def add(self, public_key: bytes | Ed25519PublicKey) -> bytes:
        """Add a public key (32 raw bytes or a key object); returns its key id."""
        if isinstance(public_key, Ed25519PublicKey):
            raw = _raw_public(public_key)
        else:
            raw = bytes(public_key)
            public_key = Ed25519PublicKey.from_public_bytes(raw)  # ValueError unless 32 bytes
        key_id = key_id_of(raw)
        self._keys[key_id] = public_key
        self._raw[key_id] = raw
        return key_id

    def __getitem__(self, key_id: bytes) -> Ed25519PublicKey:
        return self._keys[key_id]

    def __iter__(self) -> Iterator[bytes]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)

    def to_json(self) -> str:
        keys = [{"key_id": kid.hex(), "public_key": base64.b64encode(raw).decode("ascii")}
                for kid, raw in self._raw.items()]
        return json.dumps({"format": KEYRING_FORMAT, "keys": keys}, indent=2) + "\n"

    @classmethod
    def from_json(cls, text: str) -> Keyring:
        """Parse `to_json` output; key ids are recomputed, never trusted from the file."""
        doc = json.loads(text)
        if not isinstance(doc, dict) or doc.get("format") != KEYRING_FORMAT:
            raise ValueError(f"not a {KEYRING_FORMAT} file")
        return cls(base64.b64decode(entry["public_key"], validate=True) for entry in doc["keys"])


def export_public_keyring(keyring: Keyring, path: Path) -> Path:
    """Write `keyring` (public keys only) as JSON to `path`, atomically."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(keyring.to_json(), encoding="utf-8")
    os.replace(tmp, path)
    return path


def load_keyring(path: Path) -> Keyring:
    """Read a keyring written by `export_public_keyring`."""
    return Keyring.from_json(Path(path).read_text(encoding="utf-8"))
