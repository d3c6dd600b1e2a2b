"""The admin PIN: a slow salted hash at rest, and a lock per tab in front of settings."""

from __future__ import annotations

import hashlib

import pytest

from kiosk.ui.desk import DeskSession
from kiosk.service.settings import PIN_SETTING, SCRYPT_N, check_pin, hash_pin
from kiosk.ui.lock import AdminLock


def test_pin_is_stored_as_salted_scrypt_never_in_clear(kiosk):
    lock = AdminLock(kiosk)
    assert lock.set_pin("482913", "482913") is None
    stored = kiosk.store.get_setting(PIN_SETTING)
    assert "482913" not in stored
    scheme, n, r, p, salt, digest = stored.split("$")
    assert scheme == "scrypt" and int(n) == SCRYPT_N >= 2 ** 14  # slow enough to deter guessing
    assert hash_pin("482913") != hash_pin("482913")  # a fresh salt each time
    assert check_pin("482913", stored) and not check_pin("482914", stored)


def test_a_stored_hash_verifies_with_its_own_parameters():
    salt = b"0123456789abcdef"
    digest = hashlib.scrypt(b"1234", salt=salt, n=2 ** 10, r=8, p=1, dklen=32)
    import base64
    stored = f"scrypt${2 ** 10}$8$1${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"
    assert check_pin("1234", stored)
    assert not check_pin("1234", "md5$x") and not check_pin("1234", "garbage")


@pytest.mark.parametrize("pin,confirm,problem", [
    ("12", "12", "ui.lock.pin_format"), ("12ab", "12ab", "ui.lock.pin_format"),
    ("1234567890123", "1234567890123", "ui.lock.pin_format"), ("1234", "1243", "ui.lock.pin_mismatch"),
])
def test_bad_new_pins_are_refused(kiosk, pin, confirm, problem):
    lock = AdminLock(kiosk)
    assert lock.set_pin(pin, confirm) == problem
    assert not lock.has_pin and not lock.unlocked


def test_a_locked_tab_cannot_change_the_pin_or_reach_settings(kiosk):
    AdminLock(kiosk).set_pin("4829", "4829")
    desk = DeskSession(kiosk, ask_volunteer=False)
    assert desk.lock.set_pin("0000", "0000") == "ui.lock.locked"
    assert desk.go("settings") == "locked" and desk.screen == "enroll"
    assert not desk.lock.unlock("0000")
    assert desk.lock.unlock("4829")
    assert desk.go("settings") == "settings"
    desk.lock_now()  # the lock button: settings close at once
    assert desk.screen == "enroll" and not desk.lock.unlocked


def test_unlocking_one_tab_leaves_the_others_locked(kiosk):
    AdminLock(kiosk).set_pin("4829", "4829")
    first, second = DeskSession(kiosk, ask_volunteer=False), DeskSession(kiosk, ask_volunteer=False)
    assert first.lock.unlock("4829")
    assert second.go("settings") == "locked"
