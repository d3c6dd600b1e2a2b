"""The one place that reaches into the phone self-registration package (kiosk.selfreg).

The kiosk UI works without it (the join QR and the phone routes are then simply absent).
"""

from __future__ import annotations

import logging

from kiosk.service import Kiosk

log = logging.getLogger(__name__)

try:
    from kiosk import selfreg as _selfreg
except ImportError:  # the phone page is optional for the volunteer UI
    _selfreg = None


def selfreg_router(kiosk: Kiosk):
    """The phone page's router, or None when that package is absent."""
    return _selfreg.build_selfreg_router(kiosk) if _selfreg else None


def join_url(kiosk: Kiosk, *, host: str, port: int) -> str | None:
    if _selfreg is None:
        return None
    try:
        return _selfreg.join_url(kiosk, host=host, port=port)
    except Exception:  # a closed join link or no address: the screen just omits it
        log.exception("join url unavailable")
        return None


def join_qr_png(url: str) -> bytes | None:
    """The join URL as a QR code PNG for a screen, or None without the phone page."""
    if _selfreg is None:
        return None
    from kiosk.selfreg.address import join_qr_png as make_png

    return make_png(url)


def lan_address() -> str:
    """This machine's best LAN address (no packet sent); loopback when there is none."""
    if _selfreg is not None:
        from kiosk.selfreg.address import _interface_addresses, pick_lan_address

        return pick_lan_address(_interface_addresses())
    import socket

    try:
        return socket.gethostbyname(socket.gethostname())
    except OSError:
        return "127.0.0.1"
