"""The Users admin page over real HTTP on each hub store (SQLite, PostgreSQL): administrators
list, add, re-role, disable, enable and set passwords; the new state takes effect at once
(sessions end, roles change what a session may do); staff and read-only users are refused."""

from __future__ import annotations

import httpx
import pytest

from tests.support import hubdb
from tests.support.adminhub import PASSWORD, signed_in
from sync.hub.admin import auth

NEW_PASSWORD = "a much longer passphrase"


@pytest.fixture
def hub(admin_hub):
    return admin_hub


def act(client, csrf, action: str, username: str, **fields) -> httpx.Response:
    return client.post("/admin/users", data={"csrf": csrf, "action": action,
                                             "username": username, **fields})


def can_sign_in(hub, username: str, password: str) -> bool:
    with httpx.Client(base_url=hub.url) as client:
        answer = client.post("/admin/login", data={"username": username, "password": password})
        return answer.status_code == 303


def user_row(hub, username: str) -> tuple:
    return hubdb.hub_rows(hub.db, "SELECT role, disabled_at, password_hash FROM admin_users "
                                  "WHERE username = ?", (username,))[0]


def test_admin_sees_every_user_with_role_and_state(hub, sign_in):
    client, _ = sign_in(hub.url, "ada")
    page = client.get("/admin/users")
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    for name, role in (("ada", "管理员"), ("sam", "工作人员"), ("rita", "只读")):
        assert f"<td>{name}</td><td>{role}</td>" in page.text
    assert page.text.count("<td>启用</td>") == 3
    assert 'href="/admin/users"' in page.text  # in the menu for an admin only
    assert PASSWORD not in page.text and "scrypt" not in page.text


def test_admin_adds_a_user_who_can_then_sign_in(hub, sign_in):
    client, csrf = sign_in(hub.url, "ada")
    added = act(client, csrf, "add", "zhao", role="staff", password=NEW_PASSWORD,
                password_again=NEW_PASSWORD)
    assert added.status_code == 200 and "用户 zhao（工作人员）已添加" in added.text
    role, disabled, stored = user_row(hub, "zhao")
    assert (role, disabled) == ("staff", None)
    assert stored.startswith("scrypt$") and auth.check_password(NEW_PASSWORD, stored)
    assert can_sign_in(hub, "zhao", NEW_PASSWORD)
    again = act(client, csrf, "add", "zhao", role="admin", password=NEW_PASSWORD,
                password_again=NEW_PASSWORD)
    assert again.status_code == 400 and "用户 zhao 已存在" in again.text
    assert user_row(hub, "zhao")[0] == "staff"


@pytest.mark.parametrize("fields,message", [
    ({"password": "short", "password_again": "short"}, "密码至少 10 个字符"),
    ({"password": NEW_PASSWORD, "password_again": NEW_PASSWORD + "!"}, "两次输入的密码不一致"),
    ({"password": NEW_PASSWORD, "password_again": NEW_PASSWORD, "role": "root"}, "请选择角色"),
])
def test_adding_a_user_checks_the_password_and_role(hub, sign_in, fields, message):
    client, csrf = sign_in(hub.url, "ada")
    refused = act(client, csrf, "add", "zhao", **{"role": "staff", **fields})
    assert refused.status_code == 400 and message in refused.text
    assert 'value="zhao"' in refused.text  # the form keeps the name typed
    assert hubdb.hub_count(hub.db, "SELECT count(*) FROM admin_users") == 3
    bad_name = act(client, csrf, "add", " ", role="staff", password=NEW_PASSWORD,
                   password_again=NEW_PASSWORD)
    assert bad_name.status_code == 400 and "用户名应为1–40个可见字符" in bad_name.text


def test_a_new_role_applies_to_the_users_open_session_at_once(hub, sign_in):
    sam, sam_csrf = sign_in(hub.url, "sam")
    assert sam.get("/admin/devices").text.count("/admin/devices/code") == 1
    client, csrf = sign_in(hub.url, "ada")
    changed = act(client, csrf, "role", "sam", role="readonly")
    assert changed.status_code == 200 and "用户 sam 已更新" in changed.text
    assert user_row(hub, "sam")[0] == "readonly"
    refused = sam.post("/admin/devices/code", data={"csrf": sam_csrf, "hours": "24"})
    assert refused.status_code == 403


def test_disabling_ends_sessions_and_sign_in_until_enabled(hub, sign_in):
    rita, _ = sign_in(hub.url, "rita")
    client, csrf = sign_in(hub.url, "ada")
    assert act(client, csrf, "disable", "rita").status_code == 200
    assert user_row(hub, "rita")[1] is not None
    assert "<td>rita</td><td>只读</td>\n    <td>已停用</td>" in client.get("/admin/users").text
    assert rita.get("/admin/devices", follow_redirects=False).status_code == 303
    assert not can_sign_in(hub, "rita", PASSWORD)
    assert act(client, csrf, "enable", "rita").status_code == 200
    assert user_row(hub, "rita")[1] is None and can_sign_in(hub, "rita", PASSWORD)


def test_a_new_password_replaces_the_old_one_and_ends_sessions(hub, sign_in):
    sam, _ = sign_in(hub.url, "sam")
    client, csrf = sign_in(hub.url, "ada")
    short = act(client, csrf, "password", "sam", password="short", password_again="short")
    assert short.status_code == 400 and can_sign_in(hub, "sam", PASSWORD)
    done = act(client, csrf, "password", "sam", password=NEW_PASSWORD,
               password_again=NEW_PASSWORD)
    assert done.status_code == 200 and "用户 sam 已更新" in done.text
    assert sam.get("/admin/devices", follow_redirects=False).status_code == 303
    assert not can_sign_in(hub, "sam", PASSWORD) and can_sign_in(hub, "sam", NEW_PASSWORD)
    unknown = act(client, csrf, "password", "nobody", password=NEW_PASSWORD,
                  password_again=NEW_PASSWORD)
    assert unknown.status_code == 400 and "没有用户 nobody" in unknown.text


def test_an_admin_cannot_disable_or_demote_themselves(hub, sign_in):
    client, csrf = sign_in(hub.url, "ada")
    for action, fields in (("disable", {}), ("role", {"role": "staff"})):
        refused = act(client, csrf, action, "ada", **fields)
        assert refused.status_code == 400 and "不能停用自己或修改自己的角色" in refused.text
    assert user_row(hub, "ada")[:2] == ("admin", None)


@pytest.mark.parametrize("username", ["sam", "rita"])
def test_staff_and_read_only_are_refused_every_user_action(hub, sign_in, username):
    client, csrf = sign_in(hub.url, username)
    assert client.get("/admin/users").status_code == 403
    assert 'href="/admin/users"' not in client.get("/admin").text
    before = hubdb.hub_rows(hub.db, "SELECT * FROM admin_users ORDER BY username")
    for action, target, fields in (
            ("add", "mallory", {"role": "admin", "password": NEW_PASSWORD,
                                "password_again": NEW_PASSWORD}),
            ("role", "rita" if username == "sam" else "sam", {"role": "admin"}),
            ("role", username, {"role": "admin"}),
            ("disable", "ada", {}), ("enable", "ada", {}),
            ("password", "ada", {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD})):
        assert act(client, csrf, action, target, **fields).status_code == 403, action
    assert hubdb.hub_rows(hub.db, "SELECT * FROM admin_users ORDER BY username") == before
    assert can_sign_in(hub, "ada", PASSWORD)


def test_user_actions_need_the_form_token(hub):
    client, _ = signed_in(hub.url, "ada")
    try:
        refused = client.post("/admin/users", data={"action": "disable", "username": "sam"})
        assert refused.status_code == 403 and user_row(hub, "sam")[1] is None
    finally:
        client.close()
