"""A cap on every request body, whether or not the client says how long it is.

A declared Content-Length over the route's cap is answered 413 before a byte of the body is read.
A body without one (chunked) is counted as it streams in, and the request is stopped the moment
the count passes the cap: the hub never holds more than the cap of one request in memory. Both
answer the catalogue's ``too_large`` (413.1). Caps: PROTOCOL.md §3 ("Limits").
"""

from __future__ import annotations

import json
from typing import Any, Awaitable, Callable, Mapping

from starlette.exceptions import HTTPException

from sync.protocol.problems import BY_NAME

Scope = dict[str, Any]
Message = dict[str, Any]
ASGIApp = Callable[[Scope, Callable[[], Awaitable[Message]], Callable[[Message], Awaitable[None]]],
                   Awaitable[None]]


class BodyTooLargeError(HTTPException):
    """A body passed its route's cap while it streamed in (answered as too_large)."""

    def __init__(self) -> None:
        super().__init__(status_code=413)


class BodyLimitMiddleware:
    """Pure ASGI middleware: `caps` maps a path to its cap in bytes, `default` is every other
    path's. The count is checked in ``receive``, so a handler (or FastAPI's body parsing) that
    reads the body gets BodyTooLargeError instead of the byte past the cap."""

    def __init__(self, app: ASGIApp, caps: Mapping[str, int], default: int) -> None:
        self.app, self.caps, self.default = app, dict(caps), default

    async def __call__(self, scope: Scope, receive: Callable[[], Awaitable[Message]],
                       send: Callable[[Message], Awaitable[None]]) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cap = self.caps.get(scope.get("path", ""), self.default)
        for name, value in scope.get("headers", ()):
            if name == b"content-length" and (not value.isdigit() or int(value) > cap):
                await _too_large(send)
                return
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > cap:
                    raise BodyTooLargeError()
            return message

        await self.app(scope, limited, send)


async def _too_large(send: Callable[[Message], Awaitable[None]]) -> None:
    problem = BY_NAME["too_large"]
    body = json.dumps(problem.to_json(), ensure_ascii=False).encode("utf-8")
    await send({"type": "http.response.start", "status": problem.status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})
