"""The phone page: a plain HTML form served by the kiosk, an e-card after submit.

Routes (beside the Flet app, on the same ASGI app):

    GET  /join/{token}                    the form (a friendly page when the token is closed or wrong)
    POST /join/{token}                    a sign-up; 303 to the e-card, or the form again with errors
    GET  /join/card/{record_id}/          the e-card page (only on the phone that signed up)
    GET  /join/card/{record_id}/card.png  the card image

No JavaScript and no outside request: the Content-Security-Policy allows nothing but this page's
own inline style, its own images and posting to itself. Blocking work stays off the event loop,
so it keeps answering a crowd of phones: sign-ups go to one writer thread (SQLite serialises them
anyway), reads and card images to the thread pool. The fresh form is rendered once per token and
language; each view only splices in its nonce.
"""

from __future__ import annotations

import asyncio
import gzip
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.concurrency import run_in_threadpool

from kiosk.domain import DomainError, DuplicateMemberError, FormError, mask_id_number
from kiosk.domain.catalog import (EDUCATION_LEVELS, ETHNICITIES, GROUPS, HUKOU_TYPES,
                                  PLATFORM_SUGGESTIONS, POLITICAL_STATUSES)
from kiosk.domain.event import Event
from kiosk.domain.id_number import normalise_id_number
from kiosk.i18n import t
from kiosk.join.access import AccessGate, AccessKeys, access_keys, random_token, record_id_for
from kiosk.selfreg.limits import MAX_BODY_BYTES, BodyTooLargeError, RateLimiter, RateLimits, read_body
from kiosk.group_commit import GroupCommitWriter
from kiosk.service import EnrollRequest, Kiosk

log = logging.getLogger(__name__)

# What a phone may send; event, union, channel and volunteer come from the kiosk, not the phone.
PHONE_FIELDS = ("name", "id_number", "mobile", "group", "employer", "ethnicity", "education",
                "political_status", "hukou", "consent")
SESSION_COOKIE = "rh_sid"
CARD_COOKIE = "rh_card"
CARD_COOKIE_DAYS = 180
CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'; "
       "frame-ancestors 'none'; base-uri 'none'")
_SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",  # the join token is in the URL
    "X-Frame-Options": "DENY",
}
_GZIP_MIN = 1024

_templates = Environment(
    loader=FileSystemLoader(Path(__file__).with_name("templates")),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True, lstrip_blocks=True, auto_reload=False,
)


def _lang(value: str | None) -> str:
    return "en" if value == "en" else "zh"


def _options(table: tuple[tuple[str, str, str], ...], lang: str) -> list[tuple[str, str]]:
    return [(code, en if lang == "en" else zh) for code, zh, en in table]


@dataclass
class _FormPage:
    """What the form template needs besides the catalogue."""

    action: str
    nonce: str
    lang: str
    event_name: str
    other_lang_url: str
    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)
    summary: list[tuple[str, str]] = field(default_factory=list)


def build_selfreg_router(kiosk: Kiosk, *, limits: RateLimits | None = None,
                         max_body: int = MAX_BODY_BYTES) -> APIRouter:
    """The phone self-registration routes for `kiosk`, to include in the kiosk's ASGI app.

    `limits`: per-address budgets (default sized for a crowd behind one router); `max_body`:
    the largest form body accepted (413 beyond).
    """
    keys: AccessKeys = access_keys(kiosk)
    limiter = RateLimiter(limits or RateLimits())
    gate = AccessGate(kiosk)
    # Sign-ups are serialised by SQLite anyway: one writer thread takes them in arrival order and
    # stores those that arrived together in one durable commit (a crowd shares the fsync).
    writer = GroupCommitWriter(kiosk)
    blank_forms: dict[tuple, tuple[str, str]] = {}  # the fresh form, split where the nonce goes
    router = APIRouter()

    # --- helpers ----------------------------------------------------------------------------
    def render(request: Request, template: str, status: int = 200, *,
               headers: dict[str, str] | None = None, **context: Any) -> Response:
        lang = context.setdefault("lang", "zh")
        context.setdefault("other_lang_url", "")
        context["t"] = lambda key, **values: t(key, lang, **values)
        body = _templates.get_template(template).render(**context).encode("utf-8")
        return html_response(request, body, status, headers)

    def html_response(request: Request, body: bytes, status: int = 200,
                      headers: dict[str, str] | None = None) -> Response:
        all_headers = {**_SECURITY_HEADERS, "Cache-Control": "no-store", "Vary": "Accept-Encoding",
                       **(headers or {})}
        if len(body) >= _GZIP_MIN and "gzip" in request.headers.get("accept-encoding", ""):
            body = gzip.compress(body, compresslevel=6, mtime=0)
            all_headers["Content-Encoding"] = "gzip"
        return HTMLResponse(body, status_code=status, headers=all_headers)

    def message(request: Request, status: int, kind: str, lang: str,
                link_url: str = "", headers: dict[str, str] | None = None) -> Response:
        return render(request, "message.html", status, headers=headers, lang=lang,
                      heading=t(f"join.{kind}_title", lang), body=t(f"join.{kind}_body", lang),
                      link_url=link_url, link_text=t("join.reopen", lang))

    def client(request: Request) -> str:
        return request.client.host if request.client else "-"

    def cookie_root(request: Request, token: str) -> str:
        return str(request.url_for("selfreg_form", token=token).path).rsplit("/", 1)[0] or "/"

    def form_path(request: Request, token: str, lang: str) -> str:
        path = str(request.url_for("selfreg_form", token=token).path)
        return f"{path}?lang=en" if lang == "en" else path

    def form_html(request: Request, token: str, lang: str, event_name: str, nonce: str,
                  **extra: Any) -> str:
        path = str(request.url_for("selfreg_form", token=token).path)
        page = _FormPage(action=path, nonce=nonce, lang=lang, event_name=event_name,
                         other_lang_url=path if lang == "en" else f"{path}?lang=en", **extra)
        return _templates.get_template("form.html").render(
            **vars(page), t=lambda key, **values: t(key, lang, **values),
            groups=_options(GROUPS, lang), ethnicities=_options(ETHNICITIES, lang),
            education_levels=_options(EDUCATION_LEVELS, lang),
            political_statuses=_options(POLITICAL_STATUSES, lang),
            hukou_types=_options(HUKOU_TYPES, lang), platforms=PLATFORM_SUGGESTIONS)

    def with_session(request: Request, token: str, session: str, response: Response) -> Response:
        if request.cookies.get(SESSION_COOKIE) != session:
            response.set_cookie(SESSION_COOKIE, session, httponly=True, samesite="lax",
                                path=cookie_root(request, token))
        return response

    async def open_event(token: str) -> Event | None:
        """The event `token` admits to; None when the token is closed or wrong."""
        state = gate.fresh() or await run_in_threadpool(gate.load)
        return state[1] if gate.admits(state[0], token) else None

    # --- the form -----------------------------------------------------------------------------
    # Plain Starlette routes (request in, response out): FastAPI's parameter validation would
    # add a tenth of a millisecond to every request and nothing here needs it.
    @router.route("/join", methods=["GET"], include_in_schema=False)
    @router.route("/join/", methods=["GET"], include_in_schema=False)
    async def selfreg_no_token(request: Request) -> Response:
        return message(request, 404, "closed", _lang(request.query_params.get("lang")))

    @router.route("/join/{token}", methods=["GET"], name="selfreg_form", include_in_schema=False)
    async def selfreg_form(request: Request) -> Response:
        token = request.path_params["token"]
        lang = _lang(request.query_params.get("lang"))
        if not limiter.allow("view", client(request)):
            return message(request, 429, "too_many", lang, headers={"Retry-After": "60"})
        event = await open_event(token)
        if event is None:
            return message(request, 404, "closed", lang)
        session = request.cookies.get(SESSION_COOKIE) or random_token()
        key = (token, lang, event.name, event.default_group)
        if key not in blank_forms:
            marker = "\x00nonce\x00"
            html = form_html(request, token, lang, event.name, marker,
                             values={"group": event.default_group} if event.default_group else {})
            if len(blank_forms) > 16:
                blank_forms.clear()
            before, after = html.split(marker)
            blank_forms[key] = (before, after)
        before, after = blank_forms[key]
        nonce = keys.sign_nonce(token, session, random_token())
        return with_session(request, token, session,
                            html_response(request, (before + nonce + after).encode("utf-8")))

    @router.route("/join/{token}", methods=["POST"], name="selfreg_submit", include_in_schema=False)
    async def selfreg_submit(request: Request) -> Response:
        token = request.path_params["token"]
        lang = _lang(request.query_params.get("lang"))
        if not limiter.allow("submit", client(request)):
            return message(request, 429, "too_many", lang, headers={"Retry-After": "60"})
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type != "application/x-www-form-urlencoded":
            return message(request, 415, "bad_request", lang, form_path(request, token, lang))
        try:
            body = await read_body(request.stream(), request.headers.get("content-length"), max_body)
        except BodyTooLargeError:
            return message(request, 413, "too_large", lang, form_path(request, token, lang),
                           headers={"Connection": "close"})
        try:
            pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False,
                              max_num_fields=64, encoding="utf-8", errors="strict")
        except (UnicodeDecodeError, ValueError):
            return message(request, 400, "bad_request", lang, form_path(request, token, lang))
        posted: dict[str, str] = {}
        for key, value in pairs:
            posted.setdefault(key, value)  # the first value of a repeated name counts
        lang = _lang(posted.get("lang"))

        event = await open_event(token)
        if event is None:
            return message(request, 404, "closed", lang)
        session = request.cookies.get(SESSION_COOKIE, "")
        nonce = keys.open_nonce(token, session, posted.get("nonce", "")) if session else None
        if nonce is None:
            # No session cookie, a forged or foreign nonce, or a token rotated since: nothing saved.
            return message(request, 403, "expired", lang, form_path(request, token, lang))

        form = {name: posted.get(name, "") for name in PHONE_FIELDS}
        form["consent"] = "1" if posted.get("consent") else ""
        record_id = record_id_for(nonce)
        try:
            enrollment = await asyncio.wrap_future(writer.submit(EnrollRequest(
                form, channel="self_service", record_id=record_id, queue_print=True)))
        except FormError as error:
            return invalid_form(request, token, session, event.name, lang, posted, form,
                                [(e.field, e.message_en if lang == "en" else e.message_zh)
                                 for e in error.errors])
        except DuplicateMemberError as error:
            masked = mask_id_number(normalise_id_number(form["id_number"]))
            text = t("join.already_member", lang, masked=masked, card_number=error.card_number)
            return invalid_form(request, token, session, event.name, lang, posted, form,
                                [("id_number", text)])
        except DomainError as error:
            if error.code == "record_conflict":
                # The same form (nonce) came before with other data: the member it stored stands.
                return card_redirect(request, record_id, lang)
            log.error("self-registration refused (record %s): %s", record_id, error.code)
            return message(request, 503, "unavailable", lang, form_path(request, token, lang))
        except Exception:  # nothing was saved; the worker gets a page, not a stack trace
            log.exception("self-registration failed (record %s)", record_id)
            return message(request, 503, "unavailable", lang, form_path(request, token, lang))
        return card_redirect(request, enrollment.record_id, lang)

    def invalid_form(request: Request, token: str, session: str, event_name: str, lang: str,
                     posted: dict[str, str], form: dict[str, str],
                     problems: list[tuple[str, str]]) -> Response:
        errors: dict[str, list[str]] = {}
        summary: list[tuple[str, str]] = []
        for field_name, text in problems:
            on_page = field_name in PHONE_FIELDS
            if on_page:
                errors.setdefault(field_name, []).append(text)
            summary.append((field_name if on_page else "", text))
        html = form_html(request, token, lang, event_name, posted.get("nonce", ""), values=form,
                         errors=errors, summary=summary)
        return with_session(request, token, session, html_response(request, html.encode("utf-8")))

    def card_redirect(request: Request, record_id: str, lang: str) -> Response:
        page = str(request.url_for("selfreg_card", record_id=record_id).path)
        response = RedirectResponse(f"{page}?lang=en" if lang == "en" else page, status_code=303,
                                    headers={"Cache-Control": "no-store"})
        response.set_cookie(CARD_COOKIE, keys.card_cookie(record_id), httponly=True, samesite="lax",
                            max_age=CARD_COOKIE_DAYS * 86400, path=page.rstrip("/"))
        return response

    # --- the e-card ---------------------------------------------------------------------------
    async def owned_card(request: Request, record_id: str):
        if not keys.card_cookie_ok(record_id, request.cookies.get(CARD_COOKIE)):
            return None
        stored = await run_in_threadpool(kiosk.find_member, record_id)
        return stored if stored is not None and stored.status == "active" else None

    @router.route("/join/card/{record_id}/", methods=["GET"], name="selfreg_card",
                  include_in_schema=False)
    async def selfreg_card(request: Request) -> Response:
        record_id = request.path_params["record_id"]
        lang = _lang(request.query_params.get("lang"))
        if not limiter.allow("view", client(request)):
            return message(request, 429, "too_many", lang, headers={"Retry-After": "60"})
        stored = await owned_card(request, record_id)
        if stored is None:
            return message(request, 404, "card_missing", lang)
        path = str(request.url_for("selfreg_card", record_id=record_id).path)
        return render(request, "card.html", lang=lang,
                      other_lang_url=path if lang == "en" else f"{path}?lang=en",
                      png_url=str(request.url_for("selfreg_card_png", record_id=record_id).path),
                      name=stored.member.name, card_number=stored.card_number,
                      headers={"Cache-Control": "private, no-cache"})

    @router.route("/join/card/{record_id}/card.png", methods=["GET"], name="selfreg_card_png",
                  include_in_schema=False)
    async def selfreg_card_png(request: Request) -> Response:
        record_id = request.path_params["record_id"]
        if not limiter.allow("view", client(request)):
            return Response(status_code=429, headers={"Retry-After": "60"})
        stored = await owned_card(request, record_id)
        if stored is None:
            return Response(status_code=404)
        png = await run_in_threadpool(kiosk.card_png, stored)
        return Response(png, media_type="image/png",
                        headers={"Cache-Control": "private, max-age=86400",
                                 "X-Content-Type-Options": "nosniff"})

    return router
