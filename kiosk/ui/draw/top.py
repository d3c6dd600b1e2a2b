"""The bar on every screen: the current event, sign-ups not yet uploaded, who works, navigation."""

from __future__ import annotations

import flet as ft

from kiosk.ui.draw.common import ScreenView, sem

NAV = (("enroll", "ui.nav.enroll", ft.Icons.HOW_TO_REG), ("roster", "ui.nav.roster", ft.Icons.LIST),
       ("big", "ui.nav.big", ft.Icons.TV), ("settings", "ui.nav.settings", ft.Icons.SETTINGS))
WHITE = ft.ButtonStyle(color=ft.Colors.WHITE)


class TopBar(ScreenView):
    def build(self) -> ft.Control:
        host = self.host
        self.event_text = ft.Text("", size=18, weight=ft.FontWeight.BOLD, color=ft.Colors.WHITE)
        self.sync_text = ft.Text("", size=14, color=ft.Colors.WHITE)
        self.who = ft.TextButton("", icon=ft.Icons.PERSON, style=WHITE, on_click=host.on_change_volunteer)
        self.nav = ft.Row([sem(f"nav-{screen}", ft.TextButton(
            self.T(key), icon=icon, on_click=host.nav_handler(screen), style=WHITE))
            for screen, key, icon in NAV], wrap=True, spacing=0)
        self.lock = ft.TextButton(self.T("ui.nav.lock"), icon=ft.Icons.LOCK, style=WHITE,
                                  on_click=host.on_lock)
        # A Semantics wrapper must hide with its content (Flet draws an error for a hidden one).
        self.who_sem, self.lock_sem = sem("nav-volunteer", self.who), sem("nav-lock", self.lock)
        self.lang = ft.TextButton("", icon=ft.Icons.TRANSLATE, style=WHITE, on_click=host.on_lang)
        return ft.Container(
            ft.Row([
                ft.Column([sem("current-event", self.event_text),
                           ft.Row([sem("sync-status", self.sync_text), self.who_sem],
                                  wrap=True, spacing=4)], spacing=0, tight=True),
                ft.Row([self.nav, self.lock_sem, sem("nav-lang", self.lang)],
                       wrap=True, spacing=0),
            ], alignment=ft.MainAxisAlignment.SPACE_BETWEEN, wrap=True),
            bgcolor=ft.Colors.RED_800, padding=ft.Padding.symmetric(horizontal=16, vertical=6))

    def sync(self) -> None:
        d = self.desk
        self.event_text.value = self.host.kiosk.current_event().name
        self.sync_text.value = self.host.sync_label()
        self.who.content = self.T("ui.top.volunteer", name=d.volunteer)
        self.who_sem.visible = bool(d.volunteer) and d.screen != "volunteer"
        self.nav.visible = d.screen != "volunteer"
        self.lock_sem.visible = d.lock.unlocked
        self.lang.content = "English" if d.lang == "zh" else "中文"
