"""Serving the Flutter client fast: compressed, cached for a year, fonts made locally.

An ASGI middleware in front of the Flet app answers GET/HEAD for the client's own files (the
patched, brotli'd copies from ClientFiles), Flutter's FontManifest (with our UI font added) and
every font file; everything else (the page itself, the websocket, the phone page) passes through.
The page (index.html) is sent ``no-cache`` so a new kiosk version is picked up at once; the
files it loads are ``immutable`` for a year (their names are fixed per Flet version, which is
pinned, and the cache directory is per version), so a tablet's second load is a few KB.
"""

from __future__ import annotations

import json
import mimetypes
from pathlib import Path

import anyio
from starlette.datastructures import Headers
from starlette.responses import FileResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kiosk.web.client import RIVE_LOCAL_PREFIX, ClientFiles
from kiosk.fonts.web import UI_FAMILY, WebFonts

LONG_CACHE = "public, max-age=31536000, immutable"
NO_CACHE = "no-cache"
FONT_PREFIXES = ("/assets/fonts/", "/fonts/")

mimetypes.add_type("application/wasm", ".wasm")
mimetypes.add_type("text/javascript", ".mjs")
mimetypes.add_type("font/woff2", ".woff2")


class ClientMiddleware:
    def __init__(self, app: ASGIApp, client: ClientFiles, fonts: WebFonts) -> None:
        self.app = app
        self.client = client
        self.fonts = fonts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        headers = Headers(scope=scope)
        response = await anyio.to_thread.run_sync(self._lookup, path, headers)
        if response is not None:
            await response(scope, receive, send)
            return
        await self.app(scope, receive, self._no_cache_sender(send))

    @staticmethod
    def _no_cache_sender(send: Send):
        async def sender(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {k.lower() for k, _ in message.get("headers", [])}
                if b"cache-control" not in names:
                    message.setdefault("headers", []).append((b"cache-control", NO_CACHE.encode()))
            await send(message)
        return sender

    def _lookup(self, path: str, headers: Headers) -> Response | None:
        """A response for the client's files, or None to let the Flet app answer."""
        if path.startswith(RIVE_LOCAL_PREFIX.decode()):
            # The app uses no Rive animation; the patched client points here instead of a CDN.
            return Response(status_code=404, headers={"cache-control": LONG_CACHE})
        if path == "/assets/FontManifest.json":
            return Response(self._font_manifest(), media_type="application/json",
                            headers={"cache-control": NO_CACHE})
        for prefix in FONT_PREFIXES:
            if path.startswith(prefix):
                font = self._font_file(path[len(prefix):])
                if font is not None:
                    return self._file(font, None, headers, f'"{font.stem}-{font.stat().st_size}"')
        rel = path.lstrip("/")
        if not rel or rel == "index.html" or rel.endswith(".html"):
            return None
        variant = self.client.variant(rel, headers.get("accept-encoding", ""))
        if variant is None:
            return None
        return self._file(variant.path, variant.encoding, headers, variant.etag,
                          media_type=mimetypes.guess_type(rel)[0])

    def _font_file(self, name: str) -> Path | None:
        if name == self.fonts.ui_font_name:
            return self.fonts.ui_font()
        if name.startswith("rare-") and name.endswith(".woff2") and name[5:-6].isdigit():
            return self.fonts.rare_chunk(int(name[5:-6]))
        if self.fonts.is_fallback_url(name):
            return self.fonts.fallback_slice(name)
        return None

    def _font_manifest(self) -> bytes:
        manifest = json.loads((self.client.web_dir / "assets" / "FontManifest.json").read_text())
        # Flutter loads every manifest font before the first frame: keep only what the kiosk
        # draws with (Material icons), not the KaTeX and Cupertino fonts (20 files, 1 MB).
        manifest = [f for f in manifest if f.get("family") == "MaterialIcons"]
        manifest.append({"family": "Roboto", "fonts": [{"asset": "fonts/roboto.woff2"}]})
        manifest.append({"family": UI_FAMILY, "fonts": [{"asset": f"fonts/{self.fonts.ui_font_name}"}]})
        return json.dumps(manifest).encode()

    @staticmethod
    def _file(path: Path, encoding: str | None, headers: Headers, etag: str,
              media_type: str | None = None) -> Response:
        common = {"cache-control": LONG_CACHE, "etag": etag, "vary": "Accept-Encoding"}
        if headers.get("if-none-match") == etag:
            return Response(status_code=304, headers=common)
        if encoding:
            common["content-encoding"] = encoding
        return FileResponse(path, media_type=media_type or mimetypes.guess_type(path.name)[0],
                            headers=common)
