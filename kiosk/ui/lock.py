"""The admin lock of one browser tab: open with the kiosk's admin PIN (kiosk.service.settings)."""

from __future__ import annotations

from kiosk.service import Kiosk
from kiosk.service.settings import pin_is_acceptable


class AdminLock:
    """Guards settings, export and the roster's full data; one per browser tab."""

    def __init__(self, kiosk: Kiosk) -> None:
        self.kiosk = kiosk
        self.unlocked = False

    @property
    def has_pin(self) -> bool:
        return self.kiosk.has_admin_pin()

    def set_pin(self, pin: str, confirm: str) -> str | None:
        """Set a new PIN (first time, or while unlocked); an i18n key for what is wrong, else None."""
        if self.has_pin and not self.unlocked:
            return "ui.lock.locked"
        if not pin_is_acceptable(pin):
            return "ui.lock.pin_format"
        if pin != confirm:
            return "ui.lock.pin_mismatch"
        self.kiosk.set_admin_pin(pin)
        self.unlocked = True
        return None

    def unlock(self, pin: str) -> bool:
        self.unlocked = self.kiosk.check_admin_pin(pin)
        return self.unlocked

    def lock(self) -> None:
        self.unlocked = False
