import base64
import dataclasses
import datetime as dt
import string

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from kiosk.cards import CardClaims, Keyring, load_or_create_device_key, sign_card_token, verify_card_token
from kiosk.cards import token as token_mod
from kiosk.domain import DomainError, catalog
from kiosk.domain.card_number import ALPHABET, format_card_number

QR_ALPHANUMERIC = set(string.digits + string.ascii_uppercase + " $%*+-./:")
TOKEN_ERRORS = {"token.malformed", "token.version", "token.unknown_key", "token.bad_signature"}
GROUP_CODES = [code for code, _, _ in catalog.GROUPS]
NAME_CHARS = "张王李赵欧阳娜𠮷䶮堃喆赟·阿不都热依木买提𪚥"


@pytest.fixture(scope="module")
def device(tmp_path_factory):
    return load_or_create_device_key(tmp_path_factory.mktemp("keys"))


@pytest.fixture(scope="module")
def keyring(device):
    return Keyring([device.public_bytes])  # public material only


def claims_for(device, name="张𠮷䶮", number=None, group="courier", issued=dt.date(2025, 6, 1)):
    return CardClaims(number or format_card_number("K7A3", 42), name, group, issued, device.key_id)


names = st.text(alphabet=NAME_CHARS, min_size=1, max_size=30)
card_numbers = st.builds(format_card_number, st.text(alphabet=ALPHABET, min_size=4, max_size=4),
                         st.integers(1, 999_999))
dates = st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2199, 6, 6))


@settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=names, number=card_numbers, group=st.sampled_from(GROUP_CODES), issued=dates)
def test_signed_claims_verify_to_themselves(device, keyring, name, number, group, issued):
    claims = claims_for(device, name, number, group, issued)
    token = sign_card_token(claims, device)
    assert set(token) <= QR_ALPHANUMERIC
    assert verify_card_token(token, keyring) == claims


def test_token_for_a_three_character_name_is_149_characters(device, keyring):
    token = sign_card_token(claims_for(device, name="王赟堃"), device)
    assert token.startswith("RH:") and len(token) == 149


def test_typed_token_may_be_lower_case_and_spaced(device, keyring):
    token = sign_card_token(claims_for(device), device)
    typed = "  " + " ".join(token[i:i + 5] for i in range(0, len(token), 5)).lower() + "\n"
    assert verify_card_token(typed, keyring).name == "张𠮷䶮"


def _normal(ch):
    return ch.upper().strip()


@settings(max_examples=500, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_changed_character_fails(device, keyring, data):
    token = sign_card_token(claims_for(device), device)
    pos = data.draw(st.integers(0, len(token) - 1), label="position")
    replacement = data.draw(
        st.sampled_from(sorted(QR_ALPHANUMERIC - {" "}) + list("a9!中\x00"))
        .filter(lambda ch: _normal(ch) != _normal(token[pos])), label="replacement")
    tampered = token[:pos] + replacement + token[pos + 1:]
    with pytest.raises(DomainError) as excinfo:
        verify_card_token(tampered, keyring)
    assert excinfo.value.code in TOKEN_ERRORS


@settings(max_examples=500, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_changed_byte_fails(device, keyring, data):
    token = sign_card_token(claims_for(device), device)
    raw = bytearray(token_mod._decode_text(token))
    pos = data.draw(st.integers(0, len(raw) - 1), label="position")
    raw[pos] ^= data.draw(st.integers(1, 255), label="xor")
    with pytest.raises(DomainError) as excinfo:
        verify_card_token(token_mod.PREFIX + token_mod._b32(bytes(raw)), keyring)
    assert excinfo.value.code in TOKEN_ERRORS


def _resigned(device, mutate):
    """A token whose payload was changed by `mutate` and then validly signed."""
    payload = bytearray(token_mod._encode_payload(*dataclasses.astuple(claims_for(device))))
    mutate(payload)
    payload = bytes(payload)
    return token_mod.PREFIX + token_mod._b32(payload + device.sign(token_mod.CONTEXT + payload))


def test_newer_version_and_unknown_flags_are_refused(device, keyring):
    for mutate in (lambda p: p.__setitem__(0, 2), lambda p: p.__setitem__(1, 0x02)):
        with pytest.raises(DomainError) as excinfo:
            verify_card_token(_resigned(device, mutate), keyring)
        assert excinfo.value.code == "token.version"


def test_signed_nonsense_is_malformed_not_a_crash(device, keyring):
    bad_group = lambda p: p.__setitem__(12, 200)  # noqa: E731
    bad_utf8 = lambda p: p.__setitem__(slice(18, 19), b"\xff")  # noqa: E731
    for mutate in (bad_group, bad_utf8):
        with pytest.raises(DomainError) as excinfo:
            verify_card_token(_resigned(device, mutate), keyring)
        assert excinfo.value.code == "token.malformed"


def test_token_from_another_device_is_unknown(device, tmp_path):
    stranger = load_or_create_device_key(tmp_path)
    token = sign_card_token(claims_for(stranger), stranger)
    with pytest.raises(DomainError) as excinfo:
        verify_card_token(token, Keyring([device.public_bytes]))
    assert excinfo.value.code == "token.unknown_key"


@pytest.mark.parametrize("text", ["", "RH:", "hello", "RH:AAAA", "RH:" + "A" * 2000, "RH:A1B", None])
def test_garbage_is_malformed(keyring, text):
    with pytest.raises(DomainError) as excinfo:
        verify_card_token(text, keyring)
    assert excinfo.value.code == "token.malformed"


def test_non_canonical_base32_is_refused(device, keyring):
    token = sign_card_token(claims_for(device), device)
    # 91 bytes leave 2 unused bits in the last character; flipping them decodes to the same bytes.
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
    twin = token[:-1] + alphabet[alphabet.index(token[-1]) ^ 1]
    with pytest.raises(DomainError) as excinfo:
        verify_card_token(twin, keyring)
    assert excinfo.value.code == "token.malformed"


@given(st.binary(max_size=400))
def test_token_text_is_rfc_4648_base32_without_padding(raw):
    assert token_mod._b32(raw) == base64.b32encode(raw).decode("ascii").rstrip("=")


def test_claims_hold_no_id_number():
    assert {f.name for f in dataclasses.fields(CardClaims)} == {
        "card_number", "name", "group", "issued", "key_id"}


def test_group_indices_are_pinned():
    # Tokens store a group as its index in catalog.GROUPS: that order must never change.
    assert GROUP_CODES[:11] == [
        "truck_driver", "courier", "care_worker", "domestic_worker", "mall_staff", "food_delivery",
        "estate_agent", "security_guard", "ride_hailing", "other_new_form", "not_eight_groups"]


def test_signing_refuses_claims_it_cannot_encode(device):
    with pytest.raises(ValueError):
        sign_card_token(claims_for(device, number="K7A3-000042-8"), device)
    with pytest.raises(ValueError):
        sign_card_token(dataclasses.replace(claims_for(device), key_id=b"\0" * 8), device)
    with pytest.raises(ValueError):
        sign_card_token(claims_for(device, issued=dt.date(2019, 12, 31)), device)
