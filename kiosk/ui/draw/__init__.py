"""Flet drawing of the desk screens, one module per screen.

Each screen is a ``ScreenView``: its controls are built once per tab (and language) and then
updated in place from the plain-Python state in ``kiosk.ui`` by ``sync()``. Nothing is rebuilt
on a keystroke or a submit, so a control the code focuses is never replaced under a pending
``focus()`` call (Flet 1.0.5 drops the connection when a method result arrives for a control
that has left the page), and each update sends only what changed.
"""
