"""A real hub (uvicorn on 127.0.0.1) with one admin page user per role, for HTTP and browser tests.

Passwords are hashed once per test process (scrypt is slow on purpose) and the hash reused for
every hub a test starts.
"""

from __future__ import annotations

import functools
import re
import time

import httpx

from sync.hub.admin.auth import hash_password

PASSWORD = "correct horse battery"
USERS = {"ada": "admin", "sam": "staff", "rita": "readonly"}
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@functools.lru_cache(maxsize=1)
def password_hash() -> str:
    return hash_password(PASSWORD)


def add_users(store) -> None:
    for name, role in USERS.items():
        store.add_admin_user(name, password_hash(), role, int(time.time()))


def signed_in(base_url: str, username: str) -> tuple[httpx.Client, str]:
    """An HTTP client signed in as `username`, and its session's CSRF token for POSTs."""
    client = httpx.Client(base_url=base_url, timeout=30, follow_redirects=True)
    response = client.post("/admin/login", data={"username": username, "password": PASSWORD,
                                                  "next": "/admin"})
    assert response.status_code == 200, response.status_code
    return client, csrf_of(response.text)


def csrf_of(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1)


# --- members (tests/test_hub_admin_members*.py) ------------------------------------------------
def named_kiosk(path, hub, name: str):
    """A real kiosk at `path`, provisioned with `hub` under the device name `name`."""
    from sync.client.provision import provision
    from sync.hub.provisioning import make_device_code
    from sync.testing.kiosks import open_kiosk

    kiosk = open_kiosk(path)
    provision(kiosk, make_device_code(hub.store, name=name), hub.url)
    return kiosk


def links_of(html: str) -> list[str]:
    """Every URL a page links to or sends a form to (href, src, action)."""
    return re.findall(r'(?:href|src|action)="([^"]*)"', html)
