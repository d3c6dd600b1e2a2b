"""The admin PIN: a slow salted hash (scrypt) in the settings table, and the per-tab lock."""

from __future__ import annotations

from kiosk.primitives.scrypt_hash import scrypt_hash, scrypt_matches
from kiosk.storage import Store

PIN_SETTING = "ui.admin_pin"
# scrypt cost: ~50 ms and 16 MB per check on a laptop, so guessing 4-8 digits is slow.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2 ** 14, 8, 1
PIN_MIN, PIN_MAX = 4, 12


def hash_pin(pin: str, salt: bytes | None = None) -> str:
    """'scrypt$N$r$p$salt$hash' (base64), safe to store."""
    return scrypt_hash(pin, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, salt=salt)


def check_pin(pin: str, stored: str) -> bool:
    return scrypt_matches(pin, stored)


def pin_is_acceptable(pin: str) -> bool:
    return pin.isdigit() and PIN_MIN <= len(pin) <= PIN_MAX


class AdminLock:
    """Guards settings, export and the roster's full data; one per browser tab."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.unlocked = False

    @property
    def has_pin(self) -> bool:
        return bool(self.store.get_setting(PIN_SETTING))

    def set_pin(self, pin: str, confirm: str) -> str | None:
        """Set a new PIN (first time, or while unlocked); an i18n key for what is wrong, else None."""
        if self.has_pin and not self.unlocked:
            return "ui.lock.locked"
        if not pin_is_acceptable(pin):
            return "ui.lock.pin_format"
        if pin != confirm:
            return "ui.lock.pin_mismatch"
        self.store.set_setting(PIN_SETTING, hash_pin(pin))
        self.unlocked = True
        return None

    def unlock(self, pin: str) -> bool:
        stored = self.store.get_setting(PIN_SETTING)
        self.unlocked = bool(stored) and check_pin(pin, stored)
        return self.unlocked

    def lock(self) -> None:
        self.unlocked = False
