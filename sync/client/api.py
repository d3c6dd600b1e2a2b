"""The kiosk's HTTP calls to the hub (httpx), and the one place where httpx errors are caught.

Each call returns parsed JSON or raises a sync.client.errors exception: RetryLaterError for a
failed transport, a timeout, a 5xx or a retryable problem; DeviceRefusedError or
RequestRefusedError for the hub's refusals. A 401.3 (clock skew) answer teaches the client the
hub's time, and the request is signed again once with the corrected clock.
"""

from __future__ import annotations

import time
from typing import Any, Callable

import httpx

from kiosk.primitives.keys import DeviceKey
from sync.client.config import SyncConfig
from sync.client.errors import RetryLaterError, SyncError, error_for_problem
from sync.protocol.auth import sign_request

BATCH_MEDIA_TYPE = "application/vnd.ruhui.batch"


class HubClient:
    """Calls to one hub. `transport`: an httpx transport (tests inject faults or a TestClient's)."""

    def __init__(self, base_url: str, *, config: SyncConfig | None = None,
                 transport: httpx.BaseTransport | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        config = config or SyncConfig()
        timeout = httpx.Timeout(config.read_timeout, connect=config.connect_timeout)
        self.http = httpx.Client(base_url=base_url.rstrip("/"), timeout=timeout,
                                 transport=transport, headers={"user-agent": "ruhui-kiosk"})
        self.clock = clock
        self.clock_offset = 0.0  # hub time minus ours, learnt from 401.3 answers

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> "HubClient":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- calls ----------------------------------------------------------------------------
    def provision(self, request: dict[str, Any]) -> dict[str, Any]:
        return self._call("POST", "/v1/devices", json_body=request)

    def get_config(self, key: DeviceKey, device: int) -> dict[str, Any]:
        return self._signed("GET", "/v1/config", b"", key, device)

    def post_batch(self, envelope: bytes, key: DeviceKey, device: int) -> dict[str, Any]:
        return self._signed("POST", "/v1/batches", envelope, key, device,
                            content_type=BATCH_MEDIA_TYPE)

    def post_report(self, body: bytes, key: DeviceKey, device: int, *,
                    timeout: httpx.Timeout | None = None) -> dict[str, Any]:
        return self._signed("POST", "/v1/reports", body, key, device,
                            content_type="application/json", timeout=timeout)

    # --- plumbing -------------------------------------------------------------------------
    def _signed(self, method: str, path: str, body: bytes, key: DeviceKey, device: int,
                content_type: str | None = None,
                timeout: httpx.Timeout | None = None) -> dict[str, Any]:
        for attempt in (1, 2):
            headers = sign_request(key, device, method, path, body,
                                   int(self.clock() + self.clock_offset))
            if content_type:
                headers["content-type"] = content_type
            try:
                return self._call(method, path, content=body, headers=headers, timeout=timeout)
            except RetryLaterError as error:
                hub_time = error.details.get("hub_time")
                if error.problem == "401.3" and attempt == 1 and isinstance(hub_time, int):
                    self.clock_offset = hub_time - self.clock()
                    continue
                raise
        raise AssertionError("unreachable")

    def _call(self, method: str, path: str, *, json_body: Any = None, content: bytes | None = None,
              headers: dict[str, str] | None = None,
              timeout: httpx.Timeout | None = None) -> dict[str, Any]:
        try:
            response = self.http.request(method, path, json=json_body, content=content,
                                         headers=headers,
                                         timeout=timeout or httpx.USE_CLIENT_DEFAULT)
            payload = response.content
        except httpx.TimeoutException as error:
            raise RetryLaterError("timeout", reason=type(error).__name__) from None
        except httpx.TransportError as error:  # connect, read, write, protocol: all retryable
            raise RetryLaterError("network", reason=type(error).__name__) from None
        try:
            doc = response.json() if payload else None
        except ValueError:
            doc = None
        if response.is_success and isinstance(doc, dict):
            return doc
        if isinstance(doc, dict) and isinstance(doc.get("code"), str):
            details = doc.get("details") if isinstance(doc.get("details"), dict) else {}
            raise error_for_problem(doc["code"], details)
        if response.status_code >= 500 or response.status_code in (408, 429) \
                or response.is_success:
            # a proxy's page, a half answer: the hub may or may not have stored it; idempotency
            # makes sending again safe
            raise RetryLaterError("unavailable", str(response.status_code))
        raise error_for_problem(f"{response.status_code}.0")


__all__ = ["HubClient", "SyncError"]
