"""The Flutter web client as the kiosk serves it: no outside URL left in it, compressed once.

Flet's client (flet_web/web) is 14 MB as shipped and names one public CDN that ``no_cdn`` does
not cover: the Rive runtime, compiled into main.dart.js and main.dart.wasm. We serve patched
copies where that URL is replaced by a same-length local path (in the wasm module it is a
length-prefixed string, so the length must not change), and a brotli (else gzip) copy of every
file, made once and kept in the cache directory, so a tablet's first load is about a third.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import threading
from dataclasses import dataclass
from pathlib import Path

from flet_web import get_package_web_dir
from flet_web.version import version as flet_web_version

try:  # brotli is optional: without it the client goes out gzip'd (about 15% larger)
    import brotli
except ImportError:  # pragma: no cover - depends on the environment
    brotli = None

RIVE_CDN = b"https://cdn.jsdelivr.net/npm/@rive-app/flutter-native-wasm@44.0.0/"
RIVE_LOCAL_PREFIX = b"/_ruhui/rive/"
# Same length as RIVE_CDN: the local prefix padded inside one path segment.
RIVE_LOCAL = RIVE_LOCAL_PREFIX + b"x" * (len(RIVE_CDN) - len(RIVE_LOCAL_PREFIX) - 1) + b"/"
PATCHED = ("main.dart.js", "main.dart.wasm")
COMPRESSIBLE = (".js", ".mjs", ".wasm", ".json", ".otf", ".ttf", ".html", ".css", ".bin",
                ".symbols", ".map", ".txt")
# Files the browser fetches on a kiosk page; warmed at start so the first tablet does not wait.
WARM = ("main.dart.wasm", "main.dart.mjs", "main.dart.js", "flutter_bootstrap.js", "python.js",
        "canvaskit/skwasm.wasm", "canvaskit/skwasm.js", "canvaskit/chromium/canvaskit.wasm",
        "canvaskit/chromium/canvaskit.js", "canvaskit/canvaskit.wasm", "canvaskit/canvaskit.js",
        "assets/fonts/MaterialIcons-Regular.otf", "assets/AssetManifest.bin.json",
        "assets/AssetManifest.bin", "manifest.json", "flutter.js")
BROTLI_QUALITY = 9  # 11 saves another 12% but takes 40 s on two cores


@dataclass(frozen=True)
class Variant:
    path: Path
    encoding: str | None  # "br", "gzip" or None
    etag: str


class ClientFiles:
    """Looks up client files and their compressed variants (made on first use, then cached)."""

    def __init__(self, cache_dir: Path, web_dir: Path | None = None) -> None:
        self.web_dir = Path(web_dir or get_package_web_dir())
        self.dir = cache_dir / f"client-{flet_web_version}"
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def source(self, rel: str) -> Path | None:
        """The file for `rel` (patched where needed), or None when the client has no such file."""
        if not rel or ".." in rel.split("/") or rel.startswith("/"):
            return None
        original = self.web_dir / rel
        if not original.is_file():
            return None
        if rel in PATCHED:
            return self._made(rel, "", lambda: patch_rive_url(original.read_bytes()))
        return original

    def variant(self, rel: str, accept_encoding: str) -> Variant | None:
        src = self.source(rel)
        if src is None:
            return None
        etag = self._etag(rel, src)
        accepts = {part.split(";")[0].strip() for part in accept_encoding.lower().split(",")}
        if rel.endswith(COMPRESSIBLE):
            if "br" in accepts and brotli is not None:
                return Variant(self._made(rel, ".br", lambda: brotli.compress(
                    src.read_bytes(), quality=BROTLI_QUALITY)), "br", etag + "-br")
            if "gzip" in accepts:
                return Variant(self._made(rel, ".gz", lambda: gzip.compress(
                    src.read_bytes(), 6, mtime=0)), "gzip", etag + "-gz")
        return Variant(src, None, etag)

    def warm(self) -> None:
        """Make the patched and compressed files the browser will ask for (call in a thread)."""
        for rel in WARM:
            self.variant(rel, "br, gzip")

    def _etag(self, rel: str, src: Path) -> str:
        stat = src.stat()
        key = f"{flet_web_version}:{rel}:{stat.st_size}:{stat.st_mtime_ns}"
        return '"' + hashlib.sha1(key.encode()).hexdigest()[:16] + '"'

    def _made(self, rel: str, suffix: str, make) -> Path:
        target = self.dir / (rel + suffix)
        if target.exists():
            return target
        with self._guard:
            lock = self._locks.setdefault(rel + suffix, threading.Lock())
        with lock:
            if not target.exists():
                data = make()
                target.parent.mkdir(parents=True, exist_ok=True)
                tmp = target.with_name(f".{target.name}.{os.getpid()}.{threading.get_ident()}")
                tmp.write_bytes(data)
                tmp.replace(target)
        return target


def patch_rive_url(data: bytes) -> bytes:
    """Replace the Rive CDN URL with the same-length local path (keeps the wasm module valid)."""
    assert len(RIVE_LOCAL) == len(RIVE_CDN)
    return data.replace(RIVE_CDN, RIVE_LOCAL)
