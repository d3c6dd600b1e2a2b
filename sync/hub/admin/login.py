"""Signing in and out, the language switch, the front page and the stylesheet."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from sync.hub.admin import auth
from sync.hub.admin.web import (COOKIE, LANG_COOKIE, AdminForm, lang_of, now_of,
                                posts, read_form, redirect, render, requires, store_of)
from kiosk.i18n import t

router = APIRouter()
_CSS = Path(__file__).with_name("admin.css").read_bytes()


def _safe_next(url: str) -> str:
    """Only a path of these pages: never another site (an open redirect)."""
    return url if url.startswith("/admin") and not url.startswith("/admin//") \
        and "\\" not in url else "/admin"


@router.get("/admin/admin.css")
def stylesheet() -> Response:
    return Response(_CSS, media_type="text/css",
                    headers={"Cache-Control": "max-age=3600", "X-Content-Type-Options": "nosniff"})


@router.get("/admin/login")
def login_page(request: Request, next: str = "/admin", expired: str = "") -> Response:
    return render(request, "login.html", user=None, next=_safe_next(next[:500]),
                  notice=t("admin.session_expired", lang_of(request)) if expired else "")


@router.post("/admin/login")
async def login(request: Request) -> Response:
    form = await read_form(request)
    username, password = form.get("username", "").strip()[:40], form.get("password", "")[:200]
    next_url = _safe_next(form.get("next", "/admin")[:500])
    store, now = store_of(request), now_of(request)
    address = request.client.host if request.client else "-"
    lang = lang_of(request)

    def attempt() -> tuple[str, str | None]:
        if auth.login_blocked(store, username, address, now):
            return "blocked", None
        user = auth.check_login(store, username, password)
        if user is None:
            auth.record_failure(store, username, address, now)
            return "wrong", None
        return "ok", auth.new_session(store, user, now)

    outcome, token = await run_in_threadpool(attempt)
    if token is None:
        key, status = (("admin.login_blocked", 429) if outcome == "blocked"
                       else ("admin.login_failed", 401))
        return render(request, "login.html", user=None, status=status, next=next_url,
                      username=username, error=t(key, lang, minutes=auth.FAILURE_WINDOW // 60))
    response = redirect(next_url)
    response.set_cookie(COOKIE, token, max_age=auth.ABSOLUTE, path="/admin", httponly=True,
                        samesite="strict", secure=request.url.scheme == "https")
    return response


@router.post("/admin/logout")
def logout(request: Request, form: AdminForm = Depends(posts("view"))) -> Response:
    store_of(request).end_admin_session(auth.token_hash(request.cookies.get(COOKIE, "")))
    response = redirect("/admin/login")
    response.delete_cookie(COOKIE, path="/admin")
    return response


@router.get("/admin/lang/{lang}")
def switch_language(lang: str, request: Request, back: str = "/admin") -> Response:
    response = redirect(_safe_next(back[:500]))
    response.set_cookie(LANG_COOKIE, "en" if lang == "en" else "zh", max_age=365 * 86400,
                        path="/admin", samesite="strict")
    return response


@router.get("/admin")
def home(request: Request, user: auth.AdminUser = Depends(requires("view"))) -> Response:
    counts = store_of(request).counts()
    return render(request, "home.html", user=user, nav="home", counts=counts)
