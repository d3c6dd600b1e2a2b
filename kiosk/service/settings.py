"""What the faces keep in the kiosk's settings: the desk's language and idle timeout, the admin
PIN (a slow salted hash), and the phone page's address, secret and open/closed state.
"""

from __future__ import annotations

import secrets
import threading
from typing import Any

from kiosk.primitives.scrypt_hash import scrypt_hash, scrypt_matches
from kiosk.storage import Store

LANG_SETTING = "ui.lang"
IDLE_SETTING = "ui.idle_seconds"
DEFAULT_IDLE_SECONDS = 120
PIN_SETTING = "ui.admin_pin"
PUBLIC_URL_SETTING = "selfreg.public_url"
JOIN_SECRET_SETTING = "selfreg.secret"
JOIN_ACCESS_SETTING = "selfreg.access"

# scrypt cost: 16 MB of memory per check (128 * N * r bytes), so guessing 4-8 digits is slow.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2 ** 14, 8, 1
PIN_MIN, PIN_MAX = 4, 12

_secret_lock = threading.Lock()  # get-or-create of the join secret, across request threads


def hash_pin(pin: str, salt: bytes | None = None) -> str:
    """'scrypt$N$r$p$salt$hash' (base64), safe to store."""
    return scrypt_hash(pin, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, salt=salt)


def check_pin(pin: str, stored: str) -> bool:
    return scrypt_matches(pin, stored)


def pin_is_acceptable(pin: str) -> bool:
    return pin.isdigit() and PIN_MIN <= len(pin) <= PIN_MAX


class KioskSettings:
    """Part of Kiosk: the settings its faces read and change (needs the store)."""

    store: Store

    # --- the desk -------------------------------------------------------------------------
    def desk_language(self) -> str:
        """The volunteer screens' language, "zh" until a volunteer switches."""
        return self.store.get_setting(LANG_SETTING, "zh")

    def set_desk_language(self, lang: str) -> None:
        self.store.set_setting(LANG_SETTING, lang)

    def idle_seconds(self) -> int:
        """After how long without a touch a desk clears what it shows of a person."""
        return int(self.store.get_setting(IDLE_SETTING, DEFAULT_IDLE_SECONDS))

    def set_idle_seconds(self, seconds: int) -> None:
        self.store.set_setting(IDLE_SETTING, int(seconds))

    # --- the admin PIN --------------------------------------------------------------------
    def has_admin_pin(self) -> bool:
        return bool(self.store.get_setting(PIN_SETTING))

    def set_admin_pin(self, pin: str) -> None:
        """Keep a new PIN (4-12 digits) as a salted scrypt hash; ValueError for another shape."""
        if not pin_is_acceptable(pin):
            raise ValueError("the admin PIN is 4 to 12 digits")
        self.store.set_setting(PIN_SETTING, hash_pin(pin))

    def check_admin_pin(self, pin: str) -> bool:
        """Whether `pin` is the admin PIN (False while none is set)."""
        stored = self.store.get_setting(PIN_SETTING)
        return bool(stored) and check_pin(pin, stored)

    # --- the phone page -------------------------------------------------------------------
    def public_url(self) -> str | None:
        """The address phones use when it is set for this kiosk (else the LAN address is)."""
        return self.store.get_setting(PUBLIC_URL_SETTING)

    def join_secret(self) -> bytes:
        """The key the phone page's MACs are made under: random, made once and kept."""
        with _secret_lock:
            secret = self.store.get_setting(JOIN_SECRET_SETTING)
            if not secret:
                secret = secrets.token_hex(32)
                self.store.set_setting(JOIN_SECRET_SETTING, secret)
        return bytes.fromhex(secret)

    def join_access_state(self) -> dict[str, Any] | None:
        """The phone page's state as last saved (event, token, open), None before the first."""
        state = self.store.get_setting(JOIN_ACCESS_SETTING)
        return state if isinstance(state, dict) else None

    def save_join_access_state(self, state: dict[str, Any]) -> None:
        self.store.set_setting(JOIN_ACCESS_SETTING, state)
