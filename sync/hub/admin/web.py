"""What every admin page shares: templates, the signed-in user, forms with their CSRF token,
security headers, and the two ways a request is turned away (to the login page, or 403).

Pages are plain server-rendered HTML (Jinja2 with autoescaping), no script, one small stylesheet
served by the hub itself: nothing is fetched from outside, and the Content-Security-Policy says
so to the browser. Every POST carries the session's CSRF token, and the session cookie is
SameSite=Strict as a second line.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable
from urllib.parse import parse_qsl, quote

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.concurrency import run_in_threadpool

from kiosk.domain import mask_id_number
from kiosk.i18n import t
from sync.hub.admin.auth import AdminUser, session_user

COOKIE = "ruhui_admin"
LANG_COOKIE = "ruhui_lang"
MAX_FORM = 64 * 1024
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self' data:; "
                               "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}
templates = Environment(
    loader=FileSystemLoader(Path(__file__).with_name("templates")),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True, lstrip_blocks=True, auto_reload=False,
)
templates.filters["mask_id"] = mask_id_number
# Federation staff read Beijing time (China has one time zone, and no summer time).
BEIJING = dt.timezone(dt.timedelta(hours=8), "UTC+08:00")


def shown_time(value: Any) -> str:
    """A stored time as the pages show it: Beijing time, to the second. Stored times are ISO 8601
    text (UTC at the hub; sign-ups carry their kiosk's offset; no offset: UTC) or Unix seconds."""
    if value is None or value == "":
        return ""
    if isinstance(value, (int, float)):
        moment = dt.datetime.fromtimestamp(value, dt.timezone.utc)
    else:
        try:
            moment = dt.datetime.fromisoformat(str(value))
        except ValueError:  # not a time the hub wrote: shown as it is
            return str(value)[:19].replace("T", " ")
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=dt.timezone.utc)
    return moment.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M:%S")


templates.filters["shown_time"] = shown_time


class LoginRequired(Exception):
    """No live session: answered with a redirect to the login page (then back here)."""

    def __init__(self, next_url: str, expired: bool) -> None:
        self.next_url, self.expired = next_url, expired


class Forbidden(Exception):
    """Signed in, but the role lacks `permission`: answered 403 with a page that says so."""

    def __init__(self, user: AdminUser | None, permission: str) -> None:
        self.user, self.permission = user, permission


@dataclass(frozen=True)
class AdminForm:
    """A POSTed form whose CSRF token matched, with the user who sent it."""

    user: AdminUser
    fields: dict[str, str]

    def get(self, name: str, default: str = "") -> str:
        return self.fields.get(name, default).strip()


def lang_of(request: Request) -> str:
    return "en" if request.cookies.get(LANG_COOKIE) == "en" else "zh"


def now_of(request: Request) -> int:
    return int(request.app.state.clock())


def now_iso(request: Request) -> str:
    """Now by the hub's clock, as the admin tables keep times (UTC, ISO 8601, to the second)."""
    return dt.datetime.fromtimestamp(now_of(request), dt.timezone.utc).isoformat(
        timespec="seconds")



def store_of(request: Request) -> Any:
    return request.app.state.store


def render(request: Request, template: str, *, user: AdminUser | None, status: int = 200,
           headers: dict[str, str] | None = None, **context: Any) -> HTMLResponse:
    """`template` filled with `context`, the user, `t` in the reader's language, and `nav`
    (the page's section, for the menu)."""
    lang = lang_of(request)
    body = templates.get_template(template).render(
        user=user, lang=lang, t=lambda key, **v: t(key, lang, **v), path=request.url.path,
        **context)
    return HTMLResponse(body, status_code=status, headers={**SECURITY_HEADERS, **(headers or {})})


def redirect(url: str) -> RedirectResponse:
    """303 See Other: after a POST the browser GETs `url` (a reload does not post again)."""
    return RedirectResponse(url, status_code=303, headers=SECURITY_HEADERS)


def _next_url(request: Request) -> str:
    return request.url.path + (f"?{request.url.query}" if request.url.query else "")


def _user(request: Request) -> AdminUser | None:
    return session_user(store_of(request), request.cookies.get(COOKIE), now_of(request))


def requires(permission: str) -> Callable[[Request], Any]:
    """A FastAPI dependency for GET pages: the signed-in user holding `permission`."""

    def dependency(request: Request) -> AdminUser:
        user = _user(request)
        if user is None:
            raise LoginRequired(_next_url(request), COOKIE in request.cookies)
        if not user.can(permission):
            raise Forbidden(user, permission)
        return user

    return dependency


async def read_form(request: Request) -> dict[str, str]:
    """An application/x-www-form-urlencoded body as a dict (the last value of a repeated name
    wins); {} for anything else or anything larger than MAX_FORM."""
    if request.headers.get("content-type", "").split(";")[0].strip() \
            != "application/x-www-form-urlencoded":
        return {}
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM:
            return {}
    return dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))


def posts(permission: str) -> Callable[[Request], Any]:
    """A FastAPI dependency for POST actions: the form, once its CSRF token matched the session
    of a user holding `permission`."""

    async def dependency(request: Request) -> AdminForm:
        user = await run_in_threadpool(_user, request)
        if user is None:
            raise LoginRequired("/admin", COOKIE in request.cookies)
        fields = await read_form(request)
        if not user.csrf or fields.get("csrf") != user.csrf:
            raise Forbidden(user, "csrf")
        if not user.can(permission):
            raise Forbidden(user, permission)
        return AdminForm(user, fields)

    return dependency


def login_redirect(error: LoginRequired) -> RedirectResponse:
    query = f"?next={quote(error.next_url, safe='')}" + ("&expired=1" if error.expired else "")
    return RedirectResponse("/admin/login" + query, status_code=303, headers=SECURITY_HEADERS)


def forbidden_page(request: Request, error: Forbidden) -> HTMLResponse:
    return render(request, "message.html", user=error.user, status=403,
                  heading=t("admin.forbidden_title", lang_of(request)),
                  message=t("admin.csrf_failed" if error.permission == "csrf"
                            else "admin.forbidden", lang_of(request),
                            role=t(f"admin.role.{error.user.role}", lang_of(request))
                            if error.user else ""))
