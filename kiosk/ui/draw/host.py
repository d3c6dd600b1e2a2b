"""What a screen drawing may ask of the view that hosts it (kiosk.ui.view.DeskView).

A protocol, so the drawings depend on this small list and not on the view that imports them."""

from __future__ import annotations

from typing import Callable, Protocol

import flet as ft

from kiosk.service import Kiosk
from kiosk.ui.desk import DeskSession


class ScreenHost(Protocol):
    page: ft.Page
    kiosk: Kiosk
    desk: DeskSession
    join_url: Callable[[], str | None] | None

    def T(self, key: str, **values) -> str:
        """A UI string in the desk's language."""

    async def show(self) -> None:
        """Draw the desk's current screen."""

    async def start_volunteer(self, name: str) -> bool:
        """A paired tablet's volunteer gave their name; True when the desk may go on."""

    def sync_label(self) -> str:
        """The upload status line."""

    def needs_rare_font(self, text: str) -> bool:
        """Whether `text` holds characters the UI font lacks (their slice must load first)."""

    def name_style(self, text: str, **style) -> ft.TextStyle:
        """A text style that draws `text`, rare characters included."""
