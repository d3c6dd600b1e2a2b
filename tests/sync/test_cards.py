"""Cards printed offline by a provisioned kiosk verify with only the hub's public key."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk.cards import Keyring, verify_card_token
from kiosk.primitives.device_cert import DeviceCert, issue_device_cert
from kiosk.primitives.keys import DeviceKey
from kiosk.cards.token import CardClaims, sign_card_token
from kiosk.domain import DomainError
from sync.client import Identity
from tests.support.hubserver import ThreadHub
from tests.support.kiosks import form, open_kiosk, provisioned


@pytest.fixture
def hub(hub_db):
    with ThreadHub(hub_db) as hub:
        yield hub


def test_card_printed_offline_verifies_with_only_the_hub_key(hub, tmp_path):
    kiosk = provisioned(tmp_path / "k", hub.store, hub.url)
    hub_only = Keyring([Identity.of(kiosk).hub_sign_key])
    hub.__exit__(None, None, None)  # offline from here on
    enrolled = kiosk.enroll(form(1))
    claims = verify_card_token(enrolled.token, hub_only)
    assert claims.card_number == enrolled.card_number
    assert enrolled.card_number.startswith(Identity.of(kiosk).prefix)
    # another kiosk of the same hub verifies it too; a stranger's keyring does not
    assert verify_card_token(enrolled.token, provisioned_keyring(kiosk))
    stranger = Keyring([DeviceKey.from_private_key(Ed25519PrivateKey.generate()).public_bytes])
    with pytest.raises(DomainError) as excinfo:
        verify_card_token(enrolled.token, stranger)
    assert excinfo.value.code == "token.unknown_key"


def provisioned_keyring(kiosk):
    return kiosk.keyring()


def test_card_before_provisioning_carries_no_certificate(tmp_path):
    kiosk = open_kiosk(tmp_path / "k")
    enrolled = kiosk.enroll(form(1))
    assert verify_card_token(enrolled.token, kiosk.keyring())
    assert len(enrolled.token) < 160


def _cert_and_key(prefix="A001", not_after=dt.date(2030, 1, 1)):
    hub = DeviceKey.from_private_key(Ed25519PrivateKey.generate())
    device = DeviceKey.from_private_key(Ed25519PrivateKey.generate())
    cert = issue_device_cert(hub, 7, device.public_bytes, prefix, not_after)
    return hub, device, cert


def _claims(device, card="A001-000001-X", issued=dt.date(2026, 5, 1)):
    from kiosk.domain import format_card_number
    card = format_card_number(card[:4], 1)
    return CardClaims(card, "张𠮷", "courier", issued, device.key_id)


def test_certificate_is_bound_to_prefix_key_and_validity():
    hub, device, cert = _cert_and_key()
    keyring = Keyring([hub.public_bytes])
    token = sign_card_token(_claims(device), device, cert.to_bytes())
    assert verify_card_token(token, keyring).name == "张𠮷"
    assert DeviceCert.from_bytes(cert.to_bytes()) == cert
    # a card number outside the certified prefix
    other = sign_card_token(_claims(device, card="B002-000001-X"), device, cert.to_bytes())
    with pytest.raises(DomainError):
        verify_card_token(other, keyring)
    # a card issued after the certificate ran out
    late = sign_card_token(_claims(device, issued=dt.date(2031, 1, 1)), device, cert.to_bytes())
    with pytest.raises(DomainError):
        verify_card_token(late, keyring)
    # a certificate the hub did not sign
    forged = dataclasses.replace(cert, signature=bytes(64))
    with pytest.raises(DomainError):
        verify_card_token(sign_card_token(_claims(device), device, forged.to_bytes()), keyring)
    # a certificate for another key cannot be attached
    with pytest.raises(ValueError):
        sign_card_token(_claims(device), DeviceKey.from_private_key(
            Ed25519PrivateKey.generate()), cert.to_bytes())
