"""Running the hub: health and readiness, one JSON log line per request, SQLite backups.

Logs carry what an operator needs to follow traffic (route, status, duration, device number,
per-batch counts) and nothing personal: no body, no query string, no header but the device
number, and the route's template rather than its path (``/v1/cards/{card_number}``), so no card
number, name, mobile or ID number ever reaches a log file.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import sys
import time
from pathlib import Path
from typing import Any

from kiosk.primitives.private_files import private_file

ACCESS_LOG = "ruhui.hub.access"
access_log = logging.getLogger(ACCESS_LOG)


class JsonLineFormatter(logging.Formatter):
    """One JSON object per line: ts, level, event, and the record's `fields`."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(), "event": record.getMessage()}
        entry.update(getattr(record, "fields", {}))
        return json.dumps(entry, ensure_ascii=False, separators=(",", ":"))


def configure_logging(stream: Any = None) -> logging.Handler:
    """Send the hub's logs to `stream` (stderr) as JSON lines; returns the handler."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonLineFormatter())
    for name in ("ruhui.hub", "sync.hub"):
        logger = logging.getLogger(name)
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False
    return handler


class AccessLogMiddleware:
    """ASGI middleware: one `request` line per HTTP request, written when the answer is sent.

    A handler may add counts through ``request.state.log_fields`` (a dict); only ints and short
    codes belong there."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = {"code": 500}

        async def send_wrapper(message: dict) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            fields: dict[str, Any] = {
                "method": scope.get("method"), "route": _route(scope),
                "status": status["code"],
                "duration_ms": round((time.perf_counter() - start) * 1000, 1)}
            device = _header(scope, b"ruhui-device")
            if device is not None and device.isdigit() and len(device) <= 10:
                fields["device"] = int(device)
            extra = scope.get("state", {}).get("log_fields")
            if isinstance(extra, dict):
                fields.update(extra)
            access_log.info("request", extra={"fields": fields})


def _route(scope: dict) -> str:
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else "(unmatched)"


def _header(scope: dict, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return value.decode("latin-1")
    return None


def readiness(store: Any) -> dict[str, Any]:
    """Whether the store's database answers and has its schema: {"ok": bool, ...}."""
    try:
        ready = getattr(store, "ready", None)
        if ready is not None:  # PostgreSQL: migrations applied up to what this code knows
            return ready()
        # SQLite applies its schema when it opens; the keys are made right after. A read of
        # them proves the file is there, readable and migrated.
        return {"ok": store.get_meta("hub_sign_key") is not None}
    except Exception as error:  # noqa: BLE001 - any failure means "not ready", said as such
        return {"ok": False, "error": type(error).__name__}


def backup_sqlite(source: str | Path, target: str | Path) -> dict[str, int]:
    """Copy a live SQLite hub database to `target` with SQLite's online backup API.

    One step (``pages=-1``) inside one read transaction: the copy is a consistent snapshot
    (every batch wholly in or wholly out) even while the hub commits, and in WAL mode the hub's
    writers are not blocked meanwhile. Written to a temporary name, checked, then renamed, so
    `target` is never a half copy. Returns counts from the copy."""
    source, target = Path(source), Path(target)
    if not source.exists():
        raise FileNotFoundError(source)
    tmp = target.with_name(f".{target.name}.partial")
    tmp.unlink(missing_ok=True)
    private_file(tmp)  # the copy holds the hub's private keys: 0600 whoever calls
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)
    try:
        dst = sqlite3.connect(tmp)
        try:
            src.backup(dst, pages=-1)
            dst.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
            check = dst.execute("PRAGMA quick_check").fetchone()[0]
            if check != "ok":
                raise sqlite3.DatabaseError(f"backup copy failed its check: {check}")
            counts = {table: dst.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                      for table in ("signups", "persons", "devices")}
        finally:
            dst.close()
    finally:
        src.close()
    os.replace(tmp, target)
    return counts
