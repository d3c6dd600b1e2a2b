"""The big screen for a projector: the live total, bars by group, the last joiners masked."""

from __future__ import annotations

import flet as ft

from kiosk.ui.draw.common import ScreenView, sem

BAR_WIDTH = 420


class BigView(ScreenView):
    def build(self) -> ft.Control:
        self.event = ft.Text("", size=28, weight=ft.FontWeight.BOLD)
        self.total = ft.Text("0", size=96, weight=ft.FontWeight.BOLD, color=ft.Colors.RED_800)
        self.bars = ft.Column([], spacing=8)
        self.recent = ft.Text("", size=28)
        self.join = ft.Text(self.T("ui.big.join"), size=18, visible=False)
        return ft.Column([
            self.event,
            ft.Row([ft.Text(self.T("ui.big.total"), size=28), sem("big-total", self.total)],
                   vertical_alignment=ft.CrossAxisAlignment.CENTER),
            self.bars,
            ft.Text(self.T("ui.big.recent"), size=20),
            sem("big-recent", self.recent),
            self.join,
        ], spacing=16)

    def sync(self) -> None:
        b = self.desk.big
        b.refresh()
        self.event.value = b.event_name
        self.total.value = str(b.total)
        self.bars.controls = [ft.Row([
            ft.Text(bar.label, size=22, width=150),
            ft.Container(bgcolor=ft.Colors.RED_700, height=28, border_radius=4,
                         width=max(4, BAR_WIDTH * bar.share) if bar.count else 4),
            ft.Text(str(bar.count), size=22, weight=ft.FontWeight.BOLD),
        ], spacing=12) for bar in b.bars]
        self.recent.value = " ".join(b.recent)
        self.recent.style = self.host.name_style(self.recent.value)
        self.join.visible = bool(self.host.join_url and self.host.join_url())
