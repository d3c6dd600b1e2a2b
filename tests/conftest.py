import os

import pytest
from hypothesis import settings

# Speed lives in bench/: a loaded CI machine must not fail a property test on a deadline.
settings.register_profile("ruhui", deadline=None)
settings.load_profile("ruhui")


@pytest.fixture(scope="session")
def playwright_driver():
    """One Playwright per test process: its sync API cannot be started twice in one thread, so
    the kiosk's and the phone page's browser tests share it (a browser each)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


@pytest.fixture
def kiosk(tmp_path):
    """A real kiosk (SQLite file, device key) in a folder of its own."""
    from kiosk.service import Kiosk

    k = Kiosk.open(str(tmp_path / "kiosk"))
    yield k
    k.close()


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch, tmp_path):
    """No test sees the developer's kiosk data or font overrides."""
    for name in list(os.environ):
        if name.startswith(("KIOSK_", "RUHUI_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("KIOSK_DATA_DIR", str(tmp_path / "kiosk-data"))


# --- PostgreSQL for the hub tests -----------------------------------------------------------
# RUHUI_TEST_PG (a libpq URL to a server where we may CREATE DATABASE) is used when set. Otherwise
# each pytest process (each xdist worker) starts a throwaway server: initdb into a temp dir, a
# unix socket only, no TCP; fsync off (nothing here tests PostgreSQL's durability, and it makes
# CREATE DATABASE per test cheap). Every test gets a database of its own, dropped afterwards.
from tests.support.pgserver import ThrowawayPostgres, find_pg_bindir  # noqa: E402

PG_MISSING = ("PostgreSQL server binaries (initdb, postgres) not found: the hub tests run on "
              "PostgreSQL too. Install Debian's `postgresql` (scripts/setup does), or set "
              "RUHUI_TEST_PG=postgresql://user@host/db to a server where CREATE DATABASE is allowed.")


@pytest.fixture(scope="session")
def pg_server():
    """A libpq URL of a PostgreSQL server's maintenance database."""
    url = os.environ.get("RUHUI_TEST_PG")
    if url:
        yield url
        return
    bindir = find_pg_bindir()
    if bindir is None:
        pytest.fail(PG_MISSING, pytrace=False)
    server = ThrowawayPostgres(bindir, fast=True)
    try:
        url = server.start()
        yield url
    finally:
        server.stop()


@pytest.fixture
def pg_url(pg_server):
    from tests.support.hubdb import pg_database
    with pg_database(pg_server) as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def hub_db(request, tmp_path) -> str:
    """Where a hub keeps its data, once per store: a SQLite file, then a PostgreSQL database."""
    if request.param == "sqlite":
        return str(tmp_path / "hub.sqlite3")
    return request.getfixturevalue("pg_url")


@pytest.fixture
def sign_in():
    """sign_in(hub_url, username) -> (httpx client signed in to the admin pages, CSRF token);
    the clients are closed after the test. Users: tests/support/adminhub.py."""
    from tests.support.adminhub import signed_in

    clients = []

    def sign_in(base_url: str, username: str):
        client, csrf = signed_in(base_url, username)
        clients.append(client)
        return client, csrf

    yield sign_in
    for client in clients:
        client.close()


@pytest.fixture
def admin_page(playwright_driver):
    """A desktop Chromium page for the hub's admin pages, script off (they use none), downloads
    on; yields (page, every URL it asked for)."""
    from tests.support import chromium

    browser = playwright_driver.chromium.launch(executable_path=chromium.EXECUTABLE,
                                                args=chromium.ARGS)
    context = browser.new_context(locale="zh-CN", accept_downloads=True,
                                  java_script_enabled=False)
    page = context.new_page()
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    yield page, requested
    browser.close()


@pytest.fixture
def admin_hub(hub_db):
    """A real hub (uvicorn on 127.0.0.1, each store in turn) with one admin page user per role
    (tests/support/adminhub.py)."""
    from tests.support.adminhub import add_users
    from tests.support.hubserver import ThreadHub

    with ThreadHub(hub_db) as hub:
        add_users(hub.store)
        yield hub
