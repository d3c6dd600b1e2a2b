"""What the screen drawings share: semantics identifiers, choice lists, the screen base class."""

from __future__ import annotations

import asyncio
import logging

import flet as ft

from kiosk.fonts.web import UI_FAMILY
from kiosk.ui.draw.host import ScreenHost

log = logging.getLogger(__name__)
BIG_TARGET = 56  # px: touch targets on a tablet
FOCUS_TIMEOUT = 3.0
# A 1x1 transparent PNG: what the card image holds when no card is on screen.
EMPTY_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d49444154789c6360606060000000050001a5f645400000000049454e44ae426082")


def sem(identifier: str, control: ft.Control) -> ft.Semantics:
    """Give `control` a stable identifier for scripts and assistive technology."""
    return ft.Semantics(identifier=identifier, content=control)


def ui_style(**style) -> ft.TextStyle:
    """A text style naming the kiosk's font. A style set on a control (a button's text_style, a
    checkbox label) replaces the theme's, and without a family Flutter would draw its Chinese
    from fallback slices fetched later: blank gaps until they arrive."""
    return ft.TextStyle(font_family=UI_FAMILY, **style)


def choice_options(table, lang: str) -> list[ft.DropdownOption]:
    return [ft.DropdownOption(key=code, text=zh if lang == "zh" else en) for code, zh, en in table]


async def focus(control: ft.Control) -> None:
    """Move the keyboard focus to `control`; a control the client no longer draws is skipped."""
    try:
        await asyncio.wait_for(control.focus(), FOCUS_TIMEOUT)
    except (RuntimeError, TimeoutError) as error:  # hidden meanwhile: nothing to focus
        log.debug("focus skipped: %s", error)


class ScreenView:
    """One screen's controls: `build` once, then `sync` from the state before each showing."""

    def __init__(self, host: ScreenHost) -> None:
        self.host = host
        self.root = self.build()

    @property
    def desk(self):
        return self.host.desk

    def T(self, key: str, **values) -> str:
        return self.host.T(key, **values)

    def build(self) -> ft.Control:
        raise NotImplementedError

    def sync(self) -> None:
        """Bring the controls in line with the state (the caller sends one page update)."""

    def leave(self) -> None:
        """The screen is hidden: drop whatever personal data its controls hold."""

    async def shown(self) -> None:
        """After the update that showed this screen (e.g. move the focus)."""
