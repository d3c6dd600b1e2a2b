"""Kiosks for tests and benchmarks: open, provision, fill with valid sign-ups."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import httpx

from kiosk.service import Kiosk
from sync.client.api import HubClient
from sync.client.config import SyncConfig
from sync.client.provision import provision
from sync.client.uploader import PushResult, Uploader

WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
CHECK = "10X98765432"


def id_number(n: int, region: str = "110105") -> str:
    """A valid resident ID number, different for each n < 365,000."""
    birth = dt.date(1970, 1, 1) + dt.timedelta(days=n // 1000)
    body = f"{region}{birth:%Y%m%d}{n % 1000:03d}"
    return body + CHECK[sum(int(d) * w for d, w in zip(body, WEIGHTS)) % 11]


def form(n: int, **overrides: object) -> dict:
    values = {"name": "张三丰"[: 2 + n % 2], "id_number": id_number(n),
              "mobile": f"138{n % 100000000:08d}", "group": "courier", "union_org": "CN-110105",
              "channel": "ceremony", "consent": True}
    values.update(overrides)
    return values


def open_kiosk(path: Path) -> Kiosk:
    return Kiosk.open(str(path))


def provisioned(path: Path, hub_store, hub_url: str) -> Kiosk:
    """A kiosk at `path` registered with the hub (code made directly in its store)."""
    from sync.hub.provisioning import make_device_code
    kiosk = open_kiosk(path)
    provision(kiosk, make_device_code(hub_store), hub_url)
    return kiosk


def no_keepalive() -> httpx.HTTPTransport:
    """One connection per request, so a fault proxy's per-connection plan is per request."""
    return httpx.HTTPTransport(limits=httpx.Limits(max_keepalive_connections=0))


def uploader(kiosk: Kiosk, *, batch_size: int = 1000, read_timeout: float = 10.0,
             transport: httpx.BaseTransport | None = None) -> Uploader:
    identity = kiosk.outbox.hub_identity()
    config = SyncConfig(batch_size=batch_size, read_timeout=read_timeout)
    return Uploader(kiosk, HubClient(identity["hub_url"], config=config, transport=transport),
                    batch_size=batch_size)


def push(kiosk: Kiosk, **options) -> "PushResult":
    """One push pass with a fresh client, closed afterwards."""
    with uploader(kiosk, **options) as up:
        return up.push()
