"""The kiosk's one ASGI app: the volunteer UI (Flet, no CDN), its client files, the phone page.

    /            the Flet volunteer UI (each tab its own page and DeskSession)
    /big         the same app opened on the big screen (for a projector)
    /join/...    the phone self-registration page (kiosk.selfreg)
    /ws          Flet's websocket
    client files patched, brotli'd and cached for a year by ClientMiddleware
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path

import flet.fastapi as flet_fastapi
from flet_web import get_package_web_dir

from kiosk.join import join_url as make_join_url
from kiosk.selfreg import build_selfreg_router
from kiosk.service import Kiosk
from kiosk.ui.view import make_main
from kiosk.web.client import ClientFiles
from kiosk.fonts.web import WebFonts
from kiosk.web.static import ClientMiddleware
from sync.client.background import BackgroundSync

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WebOptions:
    """How the app is served: the address phones see, and where generated files are cached."""

    cache_dir: Path
    host: str = "127.0.0.1"
    port: int = 8550
    warm: bool = True  # make compressed files and the UI font in a background thread at start


def build_app(kiosk: Kiosk, options: WebOptions, sync: BackgroundSync | None = None):
    """The ASGI app for `kiosk` (serve with uvicorn); `sync`: the background uploads to show."""
    client = ClientFiles(options.cache_dir)
    fonts = WebFonts(options.cache_dir, Path(get_package_web_dir()) / "main.dart.js")

    def join_url() -> str | None:
        try:
            return make_join_url(kiosk, host=options.host, port=options.port)
        except Exception:  # a closed join link or no address: the screen just omits it
            log.exception("join url unavailable")
            return None

    app = flet_fastapi.FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    app.include_router(build_selfreg_router(kiosk))
    flet_app = flet_fastapi.app(make_main(kiosk, fonts, join_url, sync), no_cdn=True,
                                app_name="入会 Ruhui", app_short_name="入会",
                                app_description="Ruhui 入会 enrollment kiosk")
    app.mount("/", flet_app)
    app.add_middleware(ClientMiddleware, client=client, fonts=fonts)
    app.state.client, app.state.fonts = client, fonts
    if options.warm:
        threading.Thread(target=warm, args=(client, fonts), daemon=True, name="warm").start()
    return app


def warm(client: ClientFiles, fonts: WebFonts) -> None:
    """Make the UI font and the compressed client ahead of the first tablet."""
    fonts.ui_font()
    _ = fonts.rare_code_points
    client.warm()
