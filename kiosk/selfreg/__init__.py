"""Self-registration from workers' own phones, by QR code (a plain HTML page on the kiosk).

For the app composer: ``app.include_router(build_selfreg_router(kiosk))``; for screens:
``join_url(kiosk)`` and ``join_qr_png(url)``; for volunteers: ``close_join`` / ``rotate_join``.
"""

from kiosk.selfreg.access import JoinAccess, close_join, join_access, rotate_join
from kiosk.selfreg.address import base_url, join_qr_png, join_url, lan_address
from kiosk.selfreg.limits import MAX_BODY_BYTES, BodyLimitMiddleware, Budget, RateLimits
from kiosk.selfreg.router import build_selfreg_router

__all__ = [
    "BodyLimitMiddleware", "Budget", "JoinAccess", "MAX_BODY_BYTES", "RateLimits", "base_url",
    "build_selfreg_router", "close_join", "join_access", "join_qr_png", "join_url", "lan_address",
    "rotate_join",
]
