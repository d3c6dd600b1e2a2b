"""Admin pages: users of these pages (permission `users`: administrators only). List them with
their role and state; add one; change a role; disable or enable; set a new password.

Every action POSTs to /admin/users itself (an `action` field says which), so the page's URL
never holds a user name and a reload after an action shows the list. Passwords are hashed with
auth.hash_password (scrypt); disabling a user or setting their password ends their sessions
(store.update_admin_user). Nobody can disable themselves or change their own role, so the
last administrator cannot lock everyone out by a slip.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from kiosk.i18n import t
from sync.hub.admin import auth
from sync.hub.admin.auth import AdminUser
from sync.hub.admin.web import (AdminForm, lang_of, now_of, posts, render, requires, shown_time,
                                store_of)

router = APIRouter()
MAX_PASSWORD = 200
ACTIONS = ("add", "role", "disable", "enable", "password")


def _users_page(request: Request, user: AdminUser, *, status: int = 200, notice: str = "",
                error: str = "", added: dict | None = None) -> Response:
    rows = [{"username": name, "role": role, "created_at": shown_time(created),
             "disabled": disabled is not None}
            for name, role, created, disabled in store_of(request).admin_users()]
    return render(request, "users.html", user=user, nav="users", status=status, users=rows,
                  roles=tuple(auth.ROLES), notice=notice, error=error,
                  added=added or {"username": "", "role": "staff"},
                  min_password=auth.MIN_PASSWORD)


@router.get("/admin/users")
def users_page(request: Request, user: AdminUser = Depends(requires("users"))) -> Response:
    return _users_page(request, user)


def _password_error(form: AdminForm, lang: str) -> str:
    password, again = form.fields.get("password", ""), form.fields.get("password_again", "")
    if len(password) < auth.MIN_PASSWORD or len(password) > MAX_PASSWORD:
        return t("admin.password_short", lang, n=auth.MIN_PASSWORD)
    if password != again:
        return t("admin.password_mismatch", lang)
    return ""


@router.post("/admin/users")
def change_users(request: Request, form: AdminForm = Depends(posts("users"))) -> Response:
    """One of ACTIONS for the user named in the form; the list again, with what happened."""
    lang, store, me = lang_of(request), store_of(request), form.user
    action, username, role = form.get("action"), form.get("username"), form.get("role")

    def refuse(message: str) -> Response:  # the add form keeps what was typed, passwords aside
        typed = {"username": username[:40], "role": role} if action == "add" else None
        return _users_page(request, me, status=400, error=message, added=typed)

    if action not in ACTIONS:
        return refuse(t("admin.user_unknown", lang, username=username[:40]))
    if not auth.valid_username(username):
        return refuse(t("admin.username_invalid", lang))
    if action in ("add", "role") and role not in auth.ROLES:
        return refuse(t("admin.users.role_invalid", lang))
    if action in ("role", "disable") and username == me.username:
        return refuse(t("admin.users.not_self", lang))
    changes: dict = {"role": {"role": role}, "disable": {"disabled_at": now_of(request)},
                     "enable": {"enable": True}}.get(action, {})
    if action in ("add", "password"):
        problem = _password_error(form, lang)
        if problem:
            return refuse(problem)
        changes = {"password_hash": auth.hash_password(form.fields["password"])}
    if action == "add":
        if not store.add_admin_user(username, changes["password_hash"], role, now_of(request)):
            return refuse(t("admin.user_exists", lang, username=username))
        return _users_page(request, me, notice=t("admin.user_added", lang, username=username,
                                                 role=t(f"admin.role.{role}", lang)))
    if not store.update_admin_user(username, **changes):
        return refuse(t("admin.user_unknown", lang, username=username))
    return _users_page(request, me, notice=t("admin.user_updated", lang, username=username))
