"""One browser tab at the desk: who is working, which screen, the lock, the idle timeout."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from kiosk.service import Kiosk
from kiosk.ui.bigscreen import BigScreenState
from kiosk.ui.enroll import DoneState, EnrollForm
from kiosk.ui.lock import AdminLock
from kiosk.ui.roster import RosterState
from kiosk.ui.settings import EventSettings

SCREENS = ("volunteer", "enroll", "done", "roster", "big", "settings")


@dataclass
class DeskSession:
    """Per-tab state: the Kiosk (store, key, event) is shared, everything here is this tab's."""

    kiosk: Kiosk
    volunteer: str = ""
    lang: str = "zh"
    screen: str = "enroll"
    done: DoneState | None = None
    last_activity: float = field(default_factory=time.monotonic)
    clock: object = time.monotonic
    ask_volunteer: bool = True  # a joining tablet asks for a name; the kiosk machine itself need not

    def __post_init__(self) -> None:
        self.lang = self.kiosk.desk_language() if self.lang == "zh" else self.lang
        self.lock = AdminLock(self.kiosk)
        self.form = EnrollForm(self.kiosk, volunteer=self.volunteer, lang=self.lang)
        self.roster = RosterState(self.kiosk, lang=self.lang)
        self.big = BigScreenState(self.kiosk, lang=self.lang)
        self.settings = EventSettings(self.kiosk)
        if self.ask_volunteer and not self.volunteer and self.screen != "big":
            self.screen = "volunteer"

    # --- who ------------------------------------------------------------------------------
    def start(self, volunteer: str) -> bool:
        name = " ".join(volunteer.split())
        if not name or len(name) > 30 or any(ch in "<>" for ch in name):
            return False
        self.volunteer = self.form.volunteer = name
        self.go("enroll")
        return True

    # --- navigation -----------------------------------------------------------------------
    def go(self, screen: str) -> str:
        """Switch screen; settings need the PIN (the caller shows the PIN prompt otherwise)."""
        if screen not in SCREENS:
            raise ValueError(screen)
        if screen not in ("big", "volunteer") and self.ask_volunteer and not self.volunteer:
            screen = "volunteer"
        if screen == "settings" and not self.lock.unlocked:
            return "locked"
        if self.screen == "done" and screen != "done":
            self.done = None  # the card leaves the screen with its data
        if screen == "roster":
            self.roster.full_data = self.lock.unlocked
            self.roster.refresh()
        if screen == "big":
            self.big.refresh()
        if screen == "settings":
            self.settings.load()
        self.screen = screen
        self.touch()
        return screen

    def set_lang(self, lang: str) -> None:
        self.lang = self.form.lang = self.roster.lang = self.big.lang = lang

    def submit(self) -> bool:
        enrollment = self.form.submit()
        if enrollment is None:
            return False
        self.done = DoneState(self.kiosk, enrollment.stored)
        self.form.clear()  # the form is empty behind the done screen already
        self.screen = "done"
        self.touch()
        return True

    def reprint_duplicate(self) -> None:
        if self.form.duplicate is not None:
            self.done = DoneState(self.kiosk, self.form.duplicate, reprint=True)
            self.form.clear()
            self.screen = "done"

    def reprint(self, record_id: str) -> None:
        self.done = DoneState(self.kiosk, self.roster.stored(record_id), reprint=True)
        self.screen = "done"

    def next_worker(self) -> None:
        self.done = None
        self.form.clear()
        self.go("enroll")

    def lock_now(self) -> None:
        self.lock.lock()
        self.roster.full_data = False
        if self.screen == "settings":
            self.go("enroll")
        elif self.screen == "roster":
            self.roster.refresh()

    # --- idle -----------------------------------------------------------------------------
    def touch(self) -> None:
        self.last_activity = self.clock()

    @property
    def idle_seconds(self) -> int:
        return self.kiosk.idle_seconds()

    def holds_personal_data(self) -> bool:
        return (self.screen == "done" or self.form.holds_personal_data
                or (self.screen == "roster" and (self.roster.full_data or bool(self.roster.query)))
                or self.lock.unlocked)

    def expire_if_idle(self) -> bool:
        """Clear any personal data after the idle timeout; True when something was cleared."""
        if self.clock() - self.last_activity < self.idle_seconds or not self.holds_personal_data():
            return False
        self.done = None
        self.form.clear()
        self.lock.lock()
        self.roster.full_data = False
        self.roster.query = ""
        if self.screen != "big":
            self.screen = "volunteer" if self.ask_volunteer and not self.volunteer else "enroll"
        return True

    def pending_uploads(self) -> int:
        return self.kiosk.outbox.counts()["pending"]
