import os
import stat

import pytest
from hypothesis import given, settings, strategies as st

from kiosk.cards import Keyring, export_public_keyring, load_keyring, load_or_create_device_key
from kiosk.primitives.keys import KEY_DIR, KEY_FILE, key_id_of


@pytest.fixture(scope="module")
def device(tmp_path_factory):
    return load_or_create_device_key(tmp_path_factory.mktemp("key"))


def test_key_file_is_private_from_the_start(tmp_path):
    old = os.umask(0)  # even a careless umask must not make the key readable by others
    try:
        key = load_or_create_device_key(tmp_path)
    finally:
        os.umask(old)
    path = tmp_path / KEY_DIR / KEY_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert path.read_text().startswith("-----BEGIN PRIVATE KEY-----")
    assert len(key.public_bytes) == 32 and key.key_id == key_id_of(key.public_bytes)
    assert [p.name for p in path.parent.iterdir()] == [KEY_FILE]  # no temporary file left


def test_second_load_returns_the_same_key(tmp_path):
    first = load_or_create_device_key(tmp_path)
    second = load_or_create_device_key(tmp_path)
    assert first.public_bytes == second.public_bytes
    signature = first.sign(b"x")
    second.public_key.verify(signature, b"x")


def test_exported_keyring_holds_only_public_keys(tmp_path):
    device = load_or_create_device_key(tmp_path / "a")
    other = load_or_create_device_key(tmp_path / "b")
    keyring = Keyring.for_device(device)
    keyring.add(other.public_key)
    path = export_public_keyring(keyring, tmp_path / "keyring.json")
    text = path.read_text()
    assert "PRIVATE" not in text
    loaded = load_keyring(path)
    assert set(loaded) == {device.key_id, other.key_id}
    loaded[device.key_id].verify(device.sign(b"card"), b"card")


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=400))
def test_the_device_key_signs_exactly_as_openssl_does(device, data):
    """libsodium signs; OpenSSL's signature of the same data must be the same bytes, and verify."""
    signature = device.sign(data)
    assert signature == device.private_key.sign(data)
    device.public_key.verify(signature, data)


def test_the_device_key_repr_shows_no_secret(device):
    assert device._sodium_key.hex() not in repr(device) and "sodium" not in repr(device)
