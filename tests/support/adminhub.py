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


# --- members (tests/hub/admin/test_members.py) ---------------------------------------------------
def named_kiosk(path, hub, name: str):
    """A real kiosk at `path`, provisioned with `hub` under the device name `name`."""
    from sync.client.provision import provision
    from sync.hub.provisioning import make_device_code
    from tests.support.kiosks import open_kiosk

    kiosk = open_kiosk(path)
    provision(kiosk, make_device_code(hub.store, name=name), hub.url)
    return kiosk


def links_of(html: str) -> list[str]:
    """Every URL a page links to or sends a form to (href, src, action)."""
    return re.findall(r'(?:href|src|action)="([^"]*)"', html)


# --- figures and exports (tests/hub/admin/test_figures.py, test_exports.py, test_browser_exports.py) ---
def sign_up_on(kiosk, day: str, n: int, **fields):
    """Person `n` (tests.support.kiosks.form) signed up at `kiosk` on `day` (YYYY-MM-DD), as if
    the kiosk's clock said so: the sign-up waiting in its outbox is dated that day."""
    from tests.support.kiosks import form

    enrolled = kiosk.enroll(form(n, **fields))
    with kiosk.store.transaction() as conn:
        conn.execute("UPDATE outbox SET body = json_set(body, '$.created_at', ?) "
                     "WHERE record_id = ?", (f"{day}T10:00:00.000+08:00", enrolled.record_id))
    return enrolled


def export_file(client, csrf: str, **fields):
    """POST the Exports form; the response (the file, or a page when refused)."""
    return client.post("/admin/exports", data={"csrf": csrf, **fields})


def xlsx_rows(content: bytes) -> list[tuple]:
    """Every row (header first) of the first sheet of an XLSX file, as text."""
    import io

    import openpyxl
    book = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    try:
        return [tuple("" if v is None else v for v in row)
                for row in book.worksheets[0].iter_rows(values_only=True)]
    finally:
        book.close()


# --- devices, status reports, review queue (tests/hub/admin/test_devices.py, test_review.py) ---------
def signed_post(kiosk, path: str, body: bytes, content_type: str) -> httpx.Response:
    """POST `body` to the kiosk's hub, signed with the kiosk's key as every request after
    provisioning is."""
    from sync.client import Identity
    from sync.protocol.auth import sign_request

    ident = Identity.of(kiosk)
    headers = sign_request(kiosk.device_key, ident.device, "POST", path, body, int(time.time()))
    headers["content-type"] = content_type
    return httpx.post(ident.hub_url + path, content=body, headers=headers, timeout=10)


def send_other_version(kiosk, rows: list[dict], **changes) -> dict:
    """Send outbox `rows` the hub already holds again, each body with `changes`: what a kiosk
    restored from an older copy, or edited behind its own back, would send. Returns the hub's
    receipt body (the hub answers 409.1 record_conflict for each)."""
    from sync.client import Identity
    from sync.client.uploader import build_envelope
    from sync.protocol.receipt import verify_receipt

    altered = [{**row, "body": {**row["body"], **changes}} for row in rows]
    ident = Identity.of(kiosk)
    envelope = build_envelope(kiosk, ident, altered)[1]
    answer = signed_post(kiosk, "/v1/batches", envelope, "application/vnd.ruhui.batch")
    assert answer.status_code == 200, answer.text
    return verify_receipt(answer.json(), ident.hub_sign_key).body


def sync_round(kiosk) -> None:
    """One sync round as the kiosk's background thread and `kiosk sync` run it (pull config,
    push, status report)."""
    from sync.client import sync_once
    from tests.support.kiosks import uploader

    with uploader(kiosk) as up:
        sync_once(kiosk, up, lambda **_: None)


def sign_in_page(page, url: str, username: str) -> None:
    """Open `url` in the browser page and sign in as `username` on the login page it leads to."""
    page.goto(url)
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()


def assert_stayed_local(requested: list[str], *secrets: str) -> None:
    """Every URL the page asked for went to 127.0.0.1 and holds none of `secrets` (also not
    percent-encoded)."""
    from urllib.parse import unquote, urlsplit

    assert requested, "the page made no request?"
    for url in requested:
        assert urlsplit(url).hostname == "127.0.0.1", url
        assert not any(s in unquote(url) for s in secrets), url
