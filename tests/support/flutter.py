"""Driving the Flet (Flutter web) UI in headless Chromium: launch flags, the semantics DOM, typing."""

from __future__ import annotations

import time
from typing import Callable, TypeVar

from playwright.sync_api import Locator, Page, expect

T = TypeVar("T")

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-dev-shm-usage"]
PAINT_MS = 600  # the canvas paints after the semantics DOM: the one documented wait


# Flutter offers its accessibility DOM through a placeholder it adds to <body> at start-up; this
# script (run before the page's own) clicks it the moment it appears, before the app's first frame.
ENABLE_SEMANTICS = """
new MutationObserver((_, observer) => {
  const placeholder = document.querySelector('flt-semantics-placeholder');
  if (placeholder) { observer.disconnect(); placeholder.click(); }
}).observe(document, {childList: true, subtree: true});
"""


def open_app(page: Page, url: str) -> None:
    """Load the app with Flutter's accessibility DOM on (inputs and buttons by name).

    Semantics must be on before the app's first frame: a field focused earlier (the enroll
    form's autofocus) binds Flutter's editing to a hidden <input> of its own, and the field's
    accessible <input> then never shows what is typed.
    """
    if not getattr(page, "_ruhui_semantics", False):
        page.add_init_script(ENABLE_SEMANTICS)
        page._ruhui_semantics = True
    page.goto(url)
    page.bring_to_front()  # focus goes to the active tab only
    page.wait_for_selector("#loading", state="detached", timeout=30_000)
    expect(page.locator("flt-semantics").first).to_be_attached(timeout=10_000)


def by_id(page: Page, identifier: str) -> Locator:
    return page.locator(f'[flt-semantics-identifier="{identifier}"]')


def text_input(page: Page, label: str) -> Locator:
    return page.locator(f'input[aria-label*="{label}"], textarea[aria-label*="{label}"]').first


def settle_paint(page: Page) -> None:
    page.wait_for_timeout(PAINT_MS)


def read_painted(loc: Locator, read: Callable[[bytes], T | None], timeout_s: float = 20) -> T:
    """Screenshot `loc` until `read` finds what it looks for in the PNG, and return that.

    The canvas paints after the semantics DOM, and later still on a loaded machine: polling the
    pixels themselves is the only signal that the picture is there.
    """
    deadline = time.monotonic() + timeout_s
    while True:
        found = read(loc.screenshot())
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"nothing readable painted in {timeout_s} s")
        loc.page.wait_for_timeout(100)


def tab_to(page: Page, loc: Locator, presses: int = 15) -> None:
    """Press Tab until `loc` has the focus (keyboard only, as a volunteer would)."""
    for _ in range(presses):
        try:
            expect(loc).to_be_focused(timeout=300)
            return
        except AssertionError:
            page.keyboard.press("Tab")
    expect(loc).to_be_focused(timeout=1_000)


def type_keys(page: Page, label: str, value: str, click: bool = False) -> None:
    """Type `value` into the text field labelled `label`, and read it back.

    Keyboard first: the field must already hold the focus (autofocus, Enter, Tab); with
    `click` (or when a first try did not land) it is clicked. Typing starts only once the
    field's own <input> is focused, which is when Flutter has bound its editing to it.
    """
    field = text_input(page, label)
    for attempt in range(4):
        if click or attempt:
            page.bring_to_front()  # only the front tab gets the keyboard focus
            if attempt:  # the focus may sit in Flutter's own hidden editing <input>: let it go
                page.evaluate("() => document.activeElement && document.activeElement.blur()")
                expect(field).not_to_be_focused()
            field.click()
        try:
            expect(field).to_be_focused(timeout=3_000)
            page.keyboard.press("Control+a")
            page.keyboard.type(value)
            expect(field).to_have_value(value, timeout=2_000)
            return
        except AssertionError:
            continue
    active = page.evaluate("() => document.activeElement && (document.activeElement.tagName + ' '"
                           " + (document.activeElement.getAttribute('aria-label') || ''))")
    # No value in the message: it may be an ID number.
    raise AssertionError(f"{label}: the field would not keep {len(value)} typed characters "
                         f"(focus on {active})")


def click_and_type(page: Page, label: str, value: str) -> None:
    """Click the field, select what is there and type `value` over it (read back)."""
    type_keys(page, label, value, click=True)
