"""The roster: search, scope, counts by group, and per row reprint / correct / void with a reason."""

from __future__ import annotations

import flet as ft

from kiosk.domain.catalog import GROUPS
from kiosk.ui.draw.common import ScreenView, choice_options, sem


class RosterView(ScreenView):
    def build(self) -> ft.Control:
        self.search = ft.TextField(label=self.T("ui.roster.search"), autofocus=True,
                                   on_submit=self.on_search, prefix_icon=ft.Icons.SEARCH)
        self.scope = ft.SegmentedButton(
            segments=[ft.Segment(value="event", label=self.T("ui.roster.scope_event")),
                      ft.Segment(value="today", label=self.T("ui.roster.scope_today"))],
            selected=["event"], on_change=self.on_scope)
        self.counts = ft.Text("", size=16)
        self.message = ft.Text("", color=ft.Colors.GREEN_800, visible=False)
        self.rows = ft.Column([], spacing=0)
        self.empty = ft.Text(self.T("ui.roster.empty"))
        return ft.Column([
            ft.Text(self.T("ui.roster.title"), size=22, weight=ft.FontWeight.BOLD),
            ft.Row([sem("roster-search", self.search), sem("roster-scope", self.scope),
                    sem("roster-sheet", ft.OutlinedButton(self.T("ui.roster.print_sheet"),
                                                          icon=ft.Icons.PRINT, on_click=self.on_sheet))],
                   wrap=True),
            sem("roster-counts", self.counts), self.message, self.rows, self.empty,
        ], spacing=12)

    def sync(self) -> None:
        r = self.desk.roster
        self.search.value = r.query
        self.scope.selected = [r.scope]
        counts = ", ".join(f"{name} {n}" for name, n in r.counts())
        self.counts.value = self.T("ui.roster.total", n=r.total()) + (f" · {counts}" if counts else "")
        self.message.value, self.message.visible = r.message, bool(r.message)
        self.rows.controls = [self.row(row) for row in r.rows]
        self.empty.visible = not r.rows

    def leave(self) -> None:
        self.rows.controls = []  # no names stay in the page behind another screen
        self.desk.roster.message = ""

    def row(self, row) -> ft.Control:
        style = self.host.name_style(row.name, decoration=ft.TextDecoration.LINE_THROUGH
                                     if row.voided else None)
        detail = f"{row.time} · {row.group} · {row.id_number} · {row.mobile}"
        if row.voided:
            detail += f" · {self.T('ui.roster.void_mark')}"
        buttons = [sem(f"roster-{action}-{row.card_number}", ft.TextButton(
            self.T(f"ui.roster.{action}"), disabled=row.voided,
            on_click=self.row_handler(action, row.record_id)))
            for action in ("reprint", "correct", "void")]
        return ft.Container(ft.ResponsiveRow([
            ft.Column([ft.Text(f"{row.name}  {row.card_number}", size=17, style=style),
                       ft.Text(detail, size=14)], spacing=2, col={"xs": 12, "md": 8}),
            ft.Row(buttons, wrap=True, spacing=0, col={"xs": 12, "md": 4}),
        ], vertical_alignment=ft.CrossAxisAlignment.CENTER), padding=8,
            border=ft.Border.only(bottom=ft.BorderSide(1, ft.Colors.GREY_300)))

    # --- events ---------------------------------------------------------------------------------
    def refresh(self) -> None:
        self.desk.roster.refresh()
        self.sync()
        self.host.page.update()

    def on_search(self, e) -> None:
        self.desk.touch()
        self.desk.roster.query = self.search.value or ""
        self.refresh()

    def on_scope(self, e) -> None:
        self.desk.touch()
        self.desk.roster.scope = (list(e.control.selected) or ["event"])[0]
        self.refresh()

    def on_sheet(self, e) -> None:
        self.desk.touch()
        self.desk.roster.message = self.desk.roster.print_sheet()
        self.sync()
        self.host.page.update()

    def row_handler(self, action: str, record_id: str):
        async def handler(e) -> None:
            self.desk.touch()
            if action == "reprint":
                self.desk.reprint(record_id)
                await self.host.show()
            elif action == "void":
                self.void_dialog(record_id)
            else:
                self.correct_dialog(record_id)
        return handler

    def void_dialog(self, record_id: str) -> None:
        page = self.host.page
        reason = ft.TextField(label=self.T("ui.roster.reason"), autofocus=True)

        def confirm(e) -> None:
            if not (reason.value or "").strip():
                reason.error = self.T("error.reason.required")
                page.update()
                return
            self.desk.roster.void(record_id, reason.value, self.desk.volunteer)
            page.pop_dialog()
            self.sync()
            page.update()

        page.show_dialog(ft.AlertDialog(
            title=self.T("ui.roster.void_title"), content=sem("void-reason", reason), actions=[
                sem("void-cancel", ft.TextButton(self.T("ui.cancel"), on_click=lambda e: page.pop_dialog())),
                sem("void-confirm", ft.FilledButton(self.T("ui.roster.void"), on_click=confirm))]))

    def correct_dialog(self, record_id: str) -> None:
        page = self.host.page
        m = self.desk.roster.stored(record_id).member
        fields = {
            "name": ft.TextField(label=self.T("ui.enroll.name"), value=m.name,
                                 text_style=self.host.name_style(m.name)),
            "mobile": ft.TextField(label=self.T("ui.enroll.mobile"), value=m.mobile),
            "employer": ft.TextField(label=self.T("ui.enroll.employer"), value=m.employer),
            "group": ft.Dropdown(label=self.T("ui.enroll.group"), value=m.group,
                                 options=choice_options(GROUPS, self.desk.lang)),
            "reason": ft.TextField(label=self.T("ui.roster.reason")),
        }

        def confirm(e) -> None:
            changes = {k: fields[k].value or "" for k in ("name", "mobile", "employer", "group")}
            errors = self.desk.roster.correct(record_id, changes, fields["reason"].value or "",
                                              self.desk.volunteer)
            if errors:
                for key, control in fields.items():
                    if isinstance(control, ft.TextField):
                        control.error = errors.get(key)
                page.update()
                return
            page.pop_dialog()
            self.sync()
            page.update()

        page.show_dialog(ft.AlertDialog(
            title=self.T("ui.roster.correct_title"),
            content=ft.Column([sem(f"correct-{k}", c) for k, c in fields.items()], tight=True, width=420),
            actions=[sem("correct-cancel", ft.TextButton(self.T("ui.cancel"),
                                                         on_click=lambda e: page.pop_dialog())),
                     sem("correct-confirm", ft.FilledButton(self.T("ui.roster.correct"),
                                                            on_click=confirm))]))
