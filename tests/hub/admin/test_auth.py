"""Admin sign-in over real HTTP on each hub store: sessions, roles, CSRF, limits on guessing."""

from __future__ import annotations

import httpx
import pytest

from tests.support.adminhub import PASSWORD, csrf_of
from sync.hub.admin import auth


@pytest.fixture
def hub(admin_hub):
    return admin_hub


def test_pages_need_a_session_and_send_you_back_after_login(hub):
    with httpx.Client(base_url=hub.url, follow_redirects=True) as client:
        first = client.get("/admin?x=1", follow_redirects=False)
        assert first.status_code == 303
        assert first.headers["location"] == "/admin/login?next=%2Fadmin%3Fx%3D1"
        page = client.post("/admin/login", data={"username": "ada", "password": PASSWORD,
                                                 "next": "/admin?x=1"})
        assert page.status_code == 200 and str(page.url).endswith("/admin?x=1")
        cookie = page.history[0].headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=strict" in cookie and "path=/admin" in cookie


def test_login_never_redirects_to_another_site(hub):
    with httpx.Client(base_url=hub.url, follow_redirects=True) as client:
        for target in ("https://evil.example/", "//evil.example/admin", "/admin//evil.example"):
            response = client.post("/admin/login", data={"username": "ada", "password": PASSWORD,
                                                         "next": target})
            assert response.history[0].headers["location"] == "/admin"


def test_wrong_password_is_refused_with_a_message_and_no_session(hub):
    with httpx.Client(base_url=hub.url, follow_redirects=True) as client:
        response = client.post("/admin/login", data={"username": "ada", "password": "nope"})
        assert response.status_code == 401
        assert "用户名或密码不正确" in response.text and "wrong" not in response.text.lower()
        assert client.get("/admin", follow_redirects=False).status_code == 303


def test_guessing_is_cut_off_even_with_the_right_password_then(hub):
    with httpx.Client(base_url=hub.url, follow_redirects=True) as client:
        for _ in range(auth.MAX_FAILURES_PER_USER):
            assert client.post("/admin/login", data={"username": "sam",
                                                      "password": "guess"}).status_code == 401
        blocked = client.post("/admin/login", data={"username": "sam", "password": PASSWORD})
        assert blocked.status_code == 429 and "分钟后再试" in blocked.text
        # another user from the same address is not locked out by sam's failures
        assert client.post("/admin/login", data={"username": "ada",
                                                 "password": PASSWORD}).status_code == 200


def test_sessions_end_after_idle_time_and_on_logout(hub, sign_in):
    client, csrf = sign_in(hub.url, "rita")
    assert client.get("/admin").status_code == 200
    token = auth.token_hash(client.cookies["ruhui_admin"])
    # the session's deadline passes (set in the database, as time passing would)
    hub.store.extend_admin_session(token, 1)
    expired = client.get("/admin", follow_redirects=False)
    assert expired.status_code == 303 and "expired=1" in expired.headers["location"]
    assert "登录已过期" in client.get(expired.headers["location"]).text

    client, csrf = sign_in(hub.url, "rita")
    assert client.post("/admin/logout", data={"csrf": csrf}).status_code == 200
    assert client.get("/admin", follow_redirects=False).status_code == 303


def test_a_post_without_the_session_csrf_token_is_refused(hub, sign_in):
    client, csrf = sign_in(hub.url, "ada")
    assert client.post("/admin/logout", data={"csrf": "forged"}).status_code == 403
    assert client.get("/admin").status_code == 200  # still signed in


def test_disabled_user_loses_the_session_at_once(hub, sign_in):
    client, _ = sign_in(hub.url, "sam")
    assert hub.store.update_admin_user("sam", disabled_at=1)
    assert client.get("/admin", follow_redirects=False).status_code == 303
    refused = client.post("/admin/login", data={"username": "sam", "password": PASSWORD})
    assert refused.status_code == 401


def test_passwords_are_stored_as_slow_salted_hashes():
    first, second = auth.hash_password(PASSWORD), auth.hash_password(PASSWORD)
    assert first != second and first.startswith("scrypt$32768$8$1$") and PASSWORD not in first
    assert auth.check_password(PASSWORD, first) and not auth.check_password(PASSWORD + "x", first)
    assert not auth.check_password(PASSWORD, "md5$whatever")


def test_the_page_names_the_role_and_offers_only_what_it_may_do(hub, sign_in):
    client, _ = sign_in(hub.url, "rita")
    page = client.get("/admin").text
    assert "rita · 只读" in page and 'href="/admin/users"' not in page
    assert csrf_of(page)
