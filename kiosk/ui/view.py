"""The Flet face of one browser tab. All decisions live in kiosk.ui.desk and friends; this module
and kiosk.ui.draw only turn their state into controls and events into their actions.

The page is one frame built once: the top bar and a body holding each screen's root, built on
first use and then shown or hidden (``visible``) and updated in place. Every interactive control
carries a stable semantics identifier (``enroll-name``, ``enroll-submit``, ``group-courier`` …)
and a label from the one translation table (in Chinese 姓名, 身份证号, 手机号, 提交 …), so screen
readers and the browser tests find them.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
from typing import Callable

import flet as ft

from kiosk.i18n import t
from kiosk.service import Kiosk
from kiosk.ui.desk import DeskSession
from kiosk.ui.draw.big import BigView
from kiosk.ui.draw.common import ScreenView
from kiosk.ui.draw.enroll import DoneView, EnrollView, VolunteerView
from kiosk.ui.draw.roster import RosterView
from kiosk.ui.draw.settings import SettingsView, pin_dialog
from kiosk.ui.draw.top import TopBar
from kiosk.ui.sync_status import sync_summary
from kiosk.fonts.web import RARE_FAMILY, UI_FAMILY, WebFonts
from sync.client.background import BackgroundSync

log = logging.getLogger(__name__)
IDLE_CHECK_SECONDS = 5
# The tablet remembers its volunteer in the browser's own storage (localStorage on the web):
# a reload, or the tablet's next morning, does not ask again. It is not personal data of a worker.
VOLUNTEER_PREF = "ruhui.volunteer"
PREF_TIMEOUT = 5.0
VIEWS: dict[str, type[ScreenView]] = {"volunteer": VolunteerView, "enroll": EnrollView,
                                       "done": DoneView, "roster": RosterView, "big": BigView,
                                       "settings": SettingsView}


def is_loopback(ip: str | None) -> bool:
    try:
        return ipaddress.ip_address((ip or "").strip("[]")).is_loopback
    except ValueError:
        return False


class DeskView:
    """One tab's UI: draws `self.desk` and wires events back to it."""

    def __init__(self, page: ft.Page, kiosk: Kiosk, fonts: WebFonts | None,
                 join_url: Callable[[], str | None] | None = None,
                 sync: BackgroundSync | None = None) -> None:
        self.page = page
        self.kiosk = kiosk
        self.sync = sync
        self.fonts = fonts
        self.join_url = join_url
        route = (page.route or "/").rstrip("/")
        # The kiosk machine itself (loopback) starts on the enroll screen at once; a tablet that
        # joins over the LAN (or /tablet) first asks for the volunteer's name.
        ask = route.endswith("/tablet") or not is_loopback(page.client_ip)
        self.desk = DeskSession(kiosk, screen="big" if route.endswith("/big") else "enroll",
                                ask_volunteer=ask)
        self.views: dict[str, ScreenView] = {}
        self.shown_screen: str | None = None
        self.rare_loaded: set[int] = set()
        self.prefs: ft.SharedPreferences | None = None
        self._closed = False

    # --- lifecycle ----------------------------------------------------------------------------
    async def start(self) -> None:
        page = self.page
        page.title = "入会 Ruhui"
        page.theme = ft.Theme(font_family=UI_FAMILY, color_scheme_seed=ft.Colors.RED_700)
        page.theme_mode = ft.ThemeMode.LIGHT
        page.padding = 0
        page.on_keyboard_event = self.on_key
        page.on_disconnect = lambda e: self.close()
        page.on_close = lambda e: self.close()
        self.body = ft.Column([], spacing=0)
        self.top = TopBar(self)
        page.add(ft.Column([self.top.root, ft.Container(self.body, padding=ft.Padding.all(16))],
                           spacing=0, expand=True, scroll=ft.ScrollMode.AUTO,
                           horizontal_alignment=ft.CrossAxisAlignment.STRETCH))
        if self.desk.screen == "volunteer":
            await self.recall_volunteer()
        await self.show()
        self.kiosk.listeners.append(self.on_enrollment)
        if self.sync is not None:
            self.sync.on_status.append(self.on_sync_status)
        page.run_task(self.idle_loop)

    async def recall_volunteer(self) -> None:
        self.prefs = ft.SharedPreferences()  # kept referenced: Flet drops unreferenced services
        try:
            name = await asyncio.wait_for(self.prefs.get(VOLUNTEER_PREF), PREF_TIMEOUT)
        except (RuntimeError, TimeoutError):
            log.warning("the browser's storage did not answer; asking for the volunteer")
            return
        if isinstance(name, str) and name:
            self.desk.start(name)

    async def start_volunteer(self, name: str) -> bool:
        if not self.desk.start(name):
            return False
        if self.prefs is not None:  # remembered before the form shows: a reload finds it
            try:
                await asyncio.wait_for(self.prefs.set(VOLUNTEER_PREF, self.desk.volunteer),
                                       PREF_TIMEOUT)
            except (RuntimeError, TimeoutError):
                log.warning("could not remember the volunteer in the browser")
        await self.show()
        return True

    async def on_change_volunteer(self, e) -> None:
        """Another volunteer takes over this tablet: ask for the name again."""
        self.desk.go("enroll")  # leaves a card screen cleanly
        self.desk.form.clear()
        self.desk.screen = "volunteer"
        if self.prefs is None:
            self.prefs = ft.SharedPreferences()
        await self.show()

    def close(self) -> None:
        self._closed = True
        for listeners, callback in ((self.kiosk.listeners, self.on_enrollment),
                                    (self.sync.on_status if self.sync else [], self.on_sync_status)):
            try:
                listeners.remove(callback)
            except ValueError:
                pass

    def on_sync_status(self, status) -> None:
        """Called in the sync thread: uploads progressed, succeeded or failed."""
        if not self._closed:
            self.page.run_task(self.refresh_live)

    def on_enrollment(self, enrollment) -> None:
        """Called in the enrolling thread after any sign-up (any tab, the phone page, the CLI)."""
        if not self._closed:
            self.page.run_task(self.refresh_live)

    async def refresh_live(self) -> None:
        d = self.desk
        self.top.sync_text.value = self.sync_label()
        self.top.sync_text.update()  # only what changed: no diff of the whole page per sign-up
        view = self.views.get(d.screen)
        if d.screen == "big" and view is not None:
            view.sync()
            view.root.update()
        elif d.screen == "roster" and view is not None and not d.roster.query:
            d.roster.refresh()
            view.sync()
            view.root.update()

    async def idle_loop(self) -> None:
        while not self._closed:
            await asyncio.sleep(IDLE_CHECK_SECONDS)
            if self.desk.expire_if_idle():
                while self.page.pop_dialog() is not None:  # a correction may show a name
                    pass
                await self.show()

    def T(self, key: str, **values) -> str:
        return t(key, self.desk.lang, **values)

    # --- drawing ------------------------------------------------------------------------------
    async def show(self) -> None:
        """Show the desk's current screen, brought up to date, in one page update."""
        screen = self.desk.screen
        if self.shown_screen and self.shown_screen != screen:
            self.views[self.shown_screen].leave()
        view = self.views.get(screen)
        if view is None:
            view = self.views[screen] = VIEWS[screen](self)
            self.body.controls.append(view.root)
        for name, other in self.views.items():
            other.root.visible = name == screen
        view.sync()
        self.top.sync()
        changed = self.shown_screen != screen
        self.shown_screen = screen
        self.page.update()
        if changed:
            await view.shown()

    def sync_label(self) -> str:
        status = self.sync.status if self.sync is not None else None
        return sync_summary(status, self.desk.pending_uploads(), self.T)

    def needs_rare_font(self, text: str) -> bool:
        return self.fonts is not None and bool(self.fonts.rare_chunks_for(text))

    def name_style(self, text: str, **style) -> ft.TextStyle:
        """A style for text holding people's names: rare characters get their font chunk."""
        families = []
        if self.fonts is not None:
            new = [c for c in self.fonts.rare_chunks_for(text) if c not in self.rare_loaded]
            if new:
                self.rare_loaded.update(new)
                self.page.fonts = {f"{RARE_FAMILY} {c}": f"/fonts/rare-{c}.woff2"
                                   for c in sorted(self.rare_loaded)}
            families = [f"{RARE_FAMILY} {c}" for c in sorted(self.rare_loaded)]
        return ft.TextStyle(font_family=UI_FAMILY, font_family_fallback=families or None, **style)

    # --- navigation ---------------------------------------------------------------------------
    def nav_handler(self, screen: str):
        async def handler(e) -> None:
            if self.desk.go(screen) == "locked":
                pin_dialog(self, then=screen)
                return
            await self.show()
        return handler

    async def on_lang(self, e) -> None:
        """Every string comes from the one table: rebuild the screens in the other language."""
        lang = "en" if self.desk.lang == "zh" else "zh"
        self.desk.set_lang(lang)
        self.kiosk.set_desk_language(lang)
        if self.desk.screen == "roster":
            self.desk.roster.refresh()
        self.views.clear()
        self.body.controls = []
        self.shown_screen = None
        self.top = TopBar(self)
        self.page.controls[0].controls[0] = self.top.root
        await self.show()

    async def on_lock(self, e) -> None:
        self.desk.lock_now()
        await self.show()

    async def on_key(self, e: ft.KeyboardEvent) -> None:
        self.desk.touch()
        if e.key == "Enter" and e.ctrl and self.desk.screen == "enroll":
            await self.views["enroll"].on_submit(e)


def make_main(kiosk: Kiosk, fonts: WebFonts | None, join_url=None,
              sync: BackgroundSync | None = None):
    """The Flet entry point: one DeskView per browser tab."""
    async def main(page: ft.Page) -> None:
        await DeskView(page, kiosk, fonts, join_url, sync).start()
    return main
