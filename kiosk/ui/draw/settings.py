"""Event setup (behind the admin PIN) and the PIN prompt itself."""

from __future__ import annotations

import flet as ft

from kiosk.domain.catalog import GROUPS
from kiosk.ui.draw.common import BIG_TARGET, ScreenView, choice_options, sem

LABELS = {"name": "ui.settings.name", "date": "ui.settings.date", "place": "ui.settings.place",
          "union_org": "ui.settings.union_org", "union_name": "ui.settings.union_name",
          "card_header": "ui.settings.card_header"}
IDLE_RANGE = (15, 3600)


class SettingsView(ScreenView):
    def build(self) -> ft.Control:
        self.fields = {key: ft.TextField(label=self.T(label), on_change=self.set_handler(key))
                       for key, label in LABELS.items()}
        self.group = ft.Dropdown(label=self.T("ui.settings.default_group"),
                                 options=[ft.DropdownOption(key="", text=self.T("ui.settings.no_group")),
                                          *choice_options(GROUPS, self.desk.lang)],
                                 on_select=self.set_handler("default_group"))
        self.idle = ft.TextField(label=self.T("ui.settings.idle"), on_change=self.on_idle,
                                 keyboard_type=ft.KeyboardType.NUMBER)
        self.join = ft.Text("", selectable=True)
        return ft.Column([
            ft.Text(self.T("ui.settings.title"), size=22, weight=ft.FontWeight.BOLD),
            *[sem(f"settings-{k.replace('_', '-')}", c) for k, c in self.fields.items()],
            sem("settings-default-group", self.group),
            sem("settings-idle", self.idle),
            ft.Row([sem("settings-save", ft.FilledButton(self.T("ui.settings.save"), height=BIG_TARGET,
                                                         on_click=self.on_save)),
                    sem("settings-new-event", ft.OutlinedButton(self.T("ui.settings.new_event"),
                                                                height=BIG_TARGET,
                                                                on_click=self.on_new_event))],
                   wrap=True),
            self.join,
            ft.Text(self.T("ui.settings.export_hint"), size=14, color=ft.Colors.GREY_700),
        ], spacing=12, width=560)

    def sync(self) -> None:
        s = self.desk.settings
        for key, field in self.fields.items():
            field.value = s.values.get(key, "")
            field.error = self.T(s.errors[key]) if key in s.errors else None
        self.group.value = s.values.get("default_group") or None
        self.idle.value = str(self.desk.idle_seconds)
        url = self.host.join_url() if self.host.join_url else None
        self.join.value = self.T("ui.settings.join", url=url) if url else ""

    def set_handler(self, key: str):
        def handler(e) -> None:
            self.desk.touch()
            self.desk.settings.set(key, e.control.value or "")
        return handler

    def on_idle(self, e) -> None:
        self.desk.touch()
        value = (e.control.value or "").strip()
        if value.isdigit() and IDLE_RANGE[0] <= int(value) <= IDLE_RANGE[1]:
            self.host.kiosk.set_idle_seconds(int(value))

    async def on_save(self, e, as_new: bool = False) -> None:
        self.desk.touch()
        if self.desk.settings.save(as_new=as_new) is not None:
            self.desk.form.clear()
            self.desk.go("enroll")
            await self.host.show()
            return
        self.sync()
        self.host.page.update()

    async def on_new_event(self, e) -> None:
        await self.on_save(e, as_new=True)


def pin_dialog(host, then: str) -> None:
    """Ask for the admin PIN (or set one on first use), then go to `then`."""
    page, lock, T = host.page, host.desk.lock, host.T
    first = not lock.has_pin
    pin = ft.TextField(label=T("ui.lock.new_pin" if first else "ui.lock.pin"), password=True,
                       autofocus=True, keyboard_type=ft.KeyboardType.NUMBER)
    confirm = ft.TextField(label=T("ui.lock.confirm_pin"), password=True,
                           keyboard_type=ft.KeyboardType.NUMBER)

    async def ok(e) -> None:
        host.desk.touch()
        if first:
            problem = lock.set_pin(pin.value or "", confirm.value or "")
            if problem:
                pin.error = T(problem)
                page.update()
                return
        elif not lock.unlock(pin.value or ""):
            pin.error, pin.value = T("ui.lock.wrong_pin"), ""
            page.update()
            return
        page.pop_dialog()
        host.desk.go(then)
        await host.show()

    if first:
        confirm.on_submit = ok
    else:
        pin.on_submit = ok
    content = [sem("pin-value", pin)] + ([sem("pin-confirm", confirm)] if first else [])
    page.show_dialog(ft.AlertDialog(
        title=T("ui.lock.set_title" if first else "ui.lock.title"),
        content=ft.Column(content, tight=True, width=320), actions=[
            sem("pin-cancel", ft.TextButton(T("ui.cancel"), on_click=lambda e: page.pop_dialog())),
            sem("pin-ok", ft.FilledButton(T("ui.ok"), on_click=ok))]))
