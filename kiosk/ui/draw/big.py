"""The big screen for a projector: the live total, bars by group, the last joiners masked."""

from __future__ import annotations

import flet as ft

from kiosk.join import join_qr_png
from kiosk.ui.draw.common import EMPTY_PNG, ScreenView, sem

BAR_WIDTH = 420
FIGURES_WIDTH = 660  # labels, the longest bar and its count; the QR code wraps below if no room


class BigView(ScreenView):
    def build(self) -> ft.Control:
        self.event = ft.Text("", size=28, weight=ft.FontWeight.BOLD)
        self.total = ft.Text("0", size=96, weight=ft.FontWeight.BOLD, color=ft.Colors.RED_800)
        self.bars = ft.Column([], spacing=8)
        self.recent = ft.Text("", size=28)
        self.join = ft.Text(self.T("ui.big.join"), size=22, visible=False)
        # Workers scan the projector: the join QR code, drawn again only when the URL changes.
        self.join_qr_image = ft.Image(src=EMPTY_PNG, width=260, height=260)
        self.join_qr = sem("big-join-qr", self.join_qr_image)
        self.join_qr.visible = False  # hide the wrapper: a hidden child inside it is an error
        self.join_qr_url: str | None = None
        figures = ft.Column([
            self.event,
            ft.Row([ft.Text(self.T("ui.big.total"), size=28), sem("big-total", self.total)],
                   vertical_alignment=ft.CrossAxisAlignment.CENTER),
            self.bars,
            ft.Text(self.T("ui.big.recent"), size=20),
            sem("big-recent", self.recent),
        ], spacing=16, width=FIGURES_WIDTH)
        # Beside the figures on a wide projector, below them on a narrow screen.
        return ft.Row([figures, ft.Column([self.join, self.join_qr], spacing=12)],
                      wrap=True, spacing=48, vertical_alignment=ft.CrossAxisAlignment.START)

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
        url = self.host.join_url() if self.host.join_url else None
        if url != self.join_qr_url:
            png = join_qr_png(url) if url else None
            self.join_qr_image.src = png or EMPTY_PNG
            self.join_qr_url = url if png else None
        self.join.visible = self.join_qr.visible = self.join_qr_url is not None
