"""Request limits for the phone page: per-address token buckets and a body-size cap.

A ceremony puts a crowd of phones behind one Wi-Fi router, so they all share one address: the
budgets are sized for a few hundred phones arriving within a minute (each opens the form, may
resubmit once after an error, and opens its e-card), while a script firing thousands of requests
drains the bucket and gets a friendly 429 page until it refills.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable

from starlette.types import ASGIApp, Receive, Scope, Send

MAX_BODY_BYTES = 16 * 1024  # the form is < 2 KB even with every field at its maximum


@dataclass(frozen=True)
class Budget:
    """A token bucket: `burst` requests at once, refilled at `per_minute`."""

    burst: int
    per_minute: float


@dataclass(frozen=True)
class RateLimits:
    """Budgets per client address: page views (form and e-card) and submissions."""

    view: Budget = Budget(burst=1000, per_minute=1000)
    submit: Budget = Budget(burst=600, per_minute=600)


class RateLimiter:
    """Token buckets keyed by (kind, address); used from the event loop only (no locking)."""

    MAX_KEYS = 10_000

    def __init__(self, limits: RateLimits, clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = limits
        self.clock = clock
        self._buckets: dict[tuple[str, str], tuple[float, float]] = {}  # key -> (tokens, at)

    def allow(self, kind: str, address: str) -> bool:
        """Spend one request of `kind` ('view' or 'submit') for `address`; False when spent out."""
        budget: Budget = getattr(self.limits, kind)
        now = self.clock()
        tokens, at = self._buckets.get((kind, address), (float(budget.burst), now))
        tokens = min(float(budget.burst), tokens + (now - at) * budget.per_minute / 60.0)
        if tokens < 1.0:
            self._buckets[(kind, address)] = (tokens, now)
            return False
        if len(self._buckets) >= self.MAX_KEYS:
            self._prune(now)
        self._buckets[(kind, address)] = (tokens - 1.0, now)
        return True

    def _prune(self, now: float) -> None:
        """Forget buckets that have refilled anyway (a stream of new addresses cannot grow memory)."""
        for key, (tokens, at) in list(self._buckets.items()):
            budget: Budget = getattr(self.limits, key[0])
            if tokens + (now - at) * budget.per_minute / 60.0 >= budget.burst:
                del self._buckets[key]
        if len(self._buckets) >= self.MAX_KEYS:
            self._buckets.clear()


class BodyTooLargeError(Exception):
    """The request body is larger than allowed."""


async def read_body(receive_stream, declared: str | None, limit: int = MAX_BODY_BYTES) -> bytes:
    """The request body, or BodyTooLargeError as soon as it passes `limit` bytes."""
    if declared is not None:
        try:
            if int(declared) > limit:
                raise BodyTooLargeError
        except ValueError:
            raise BodyTooLargeError from None
    chunks, size = [], 0
    async for chunk in receive_stream:
        size += len(chunk)
        if size > limit:
            raise BodyTooLargeError
        chunks.append(chunk)
    return b"".join(chunks)


class BodyLimitMiddleware:
    """ASGI middleware refusing bodies over `limit` bytes with 413, for the whole app.

    The phone routes enforce the limit themselves; this is for the app composer to put in front
    of everything else the kiosk serves.
    """

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", ()):
            if name == b"content-length" and (not value.isdigit() or int(value) > self.limit):
                await _send_413(send)
                return
        received = 0
        started = False

        async def limited_receive():
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    raise BodyTooLargeError
            return message

        async def tracking_send(message):
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except BodyTooLargeError:
            if not started:
                await _send_413(send)


async def _send_413(send: Send) -> None:
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"text/plain; charset=utf-8")]})
    await send({"type": "http.response.body", "body": "413 提交内容过大 / Request too large".encode()})
