"""Self-registration from workers' own phones, by QR code (a plain HTML page on the kiosk).

For the app composer: ``app.include_router(build_selfreg_router(kiosk))``. The join link it
checks (token, address, QR code) is kiosk.join.
"""

from kiosk.selfreg.limits import MAX_BODY_BYTES, BodyLimitMiddleware, Budget, RateLimits
from kiosk.selfreg.router import build_selfreg_router

__all__ = ["BodyLimitMiddleware", "Budget", "MAX_BODY_BYTES", "RateLimits", "build_selfreg_router"]
