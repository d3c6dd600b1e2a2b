"""Admin pages: the review queue. Records the hub refused at ingest (source 'hub', with the body
the kiosk sent for a new sign-up) and records kiosks report holding in quarantine (source
'kiosk', from POST /v1/reports), one item per device, sequence number and problem.

Resolving an item keeps who, when, how and a note; nothing is deleted. For a conflict (the kiosk
sent another version of a record the hub holds) the item shows the two versions field by field
and can take the kiosk's: its values go through the same rules as any correction at the hub
(kiosk.domain's validate_member) and are stored as a correction by this user, with the note as
the reason, so the record keeps its body hash and the member's history shows the change.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from kiosk.domain import catalog, mask_id_number, mask_mobile
from kiosk.i18n import has_text, t
from sync.hub.admin.auth import AdminUser
from sync.hub.admin.member_correction import CHOICES, EDITABLE, MAX_REASON, check_correction
from sync.hub.admin.web import (AdminForm, Forbidden, lang_of, now_iso, posts, redirect,
                                render, requires, shown_time, store_of)
from sync.protocol.problems import BY_NAME

router = APIRouter()
PAGE_SIZE = 100
STATES = ("open", "resolved", "all")
RESOLUTIONS = ("hub_kept", "kiosk_accepted", "nothing_to_do")


def field_label(field: str, lang: str) -> str:
    for key in (f"join.label.{field}", f"admin.field.{field}"):
        if has_text(key):
            return t(key, lang)
    return field


def _problem(name: str) -> dict[str, str]:
    """The catalogue's code and messages for problem `name` (a kiosk may report one we lack)."""
    problem = BY_NAME.get(name)
    if problem is None:
        return {"name": name, "code": "", "zh": name, "en": name}
    return {"name": name, "code": problem.code, "zh": problem.message("zh"),
            "en": problem.message("en")}


def _failed_fields(details: dict[str, Any], lang: str) -> list[str]:
    """invalid_record's details.fields ("field:code") as the form's label and the rule's
    message."""
    out = []
    for entry in details.get("fields") or []:
        field, _, code = str(entry).partition(":")
        message = t(f"error.{code}", lang) if has_text(f"error.{code}") else code
        out.append(f"{field_label(field, lang)}: {message}" if code else field_label(field, lang))
    return out


def _item_view(item: dict[str, Any], lang: str) -> dict[str, Any]:
    return {**item, "problem_info": _problem(item["problem"]),
            "reported_at": shown_time(item["reported_at"]),
            "resolved_at": shown_time(item["resolved_at"]),
            "failed_fields": _failed_fields(item["details"], lang)}


# --- the list --------------------------------------------------------------------------------
@router.get("/admin/review")
def review_page(request: Request, state: str = "open", page: str = "1",
                user: AdminUser = Depends(requires("view"))) -> Response:
    """Open items (or resolved, or all with the open ones first), newest first."""
    state = state if state in STATES else "open"
    number = int(page) if page.isascii() and page.isdigit() and len(page) < 7 else 1
    number = max(1, number)
    store, lang = store_of(request), lang_of(request)
    items = store.review_items(state=state, offset=(number - 1) * PAGE_SIZE,
                               limit=PAGE_SIZE + 1)
    return render(request, "review.html", user=user, nav="review", state=state, page=number,
                  states=STATES, counts=store.review_counts(), more=len(items) > PAGE_SIZE,
                  items=[_item_view(i, lang) for i in items[:PAGE_SIZE]])


# --- one item ----------------------------------------------------------------------------------
def _shown_value(field: str, value: Any, lang: str) -> str:
    """A value as the page may show it: ID numbers and mobiles masked, codes as labels."""
    if value is None or value == "":
        return ""
    text = str(value)
    if field == "id_number":
        return mask_id_number(text)
    if field == "mobile":
        return mask_mobile(text)
    if field in CHOICES:
        return catalog.label(CHOICES[field], text, lang) or text
    return text


def differences(hub: dict[str, Any], sent: dict[str, Any], lang: str) -> list[tuple[str, ...]]:
    """(label, hub's value, kiosk's value) for each field the two versions disagree on: the
    form's fields first, in the kiosk's order, then the others by name."""
    keys = [k for k in EDITABLE if k in hub or k in sent]
    keys += sorted((set(hub) | set(sent)) - set(keys))
    return [(field_label(k, lang), _shown_value(k, hub.get(k), lang),
             _shown_value(k, sent.get(k), lang))
            for k in keys if (hub.get(k) or "") != (sent.get(k) or "")]


def _item_page(request: Request, user: AdminUser, item_id: int, *, status: int = 200,
               notice: str = "", error: str = "", note: str = "") -> Response:
    store, lang = store_of(request), lang_of(request)
    item = store.review_item(item_id)
    if item is None:
        return render(request, "message.html", user=user, nav="review", status=404,
                      heading=t("admin.review.unknown", lang),
                      message=t("admin.review.unknown", lang))
    signup = store.signup_of(item["record_id"])
    conflict = item["problem"] == "record_conflict" and bool(item["body"]) and signup is not None
    diff = differences(signup["body"], item["body"], lang) if conflict else []
    resolved_label = (t(f"admin.review.resolution.{item['resolution']}", lang)
                      if item["resolution"] in RESOLUTIONS else item["resolution"] or "")
    return render(request, "review_item.html", user=user, nav="review", status=status,
                  item=_item_view(item, lang), signup=signup, conflict=conflict, diff=diff,
                  resolved_label=resolved_label, resolutions=RESOLUTIONS, notice=notice,
                  error=error, note=note, MAX_REASON=MAX_REASON)


@router.get("/admin/review/{item_id}")
def review_item_page(request: Request, item_id: int, done: str = "",
                     user: AdminUser = Depends(requires("view"))) -> Response:
    """The item: device, record, problem, for a conflict the two versions side by side, and
    (for roles that may resolve) the resolve actions."""
    notice = t("admin.review.done", lang_of(request)) if done else ""
    return _item_page(request, user, item_id, notice=notice)


@router.post("/admin/review/{item_id}/resolve")
def resolve(request: Request, item_id: int,
            form: AdminForm = Depends(posts("review"))) -> Response:
    """Resolve an open item as one of RESOLUTIONS, with a note (required to accept the kiosk's
    version, whose correction it explains)."""
    store, lang, user = store_of(request), lang_of(request), form.user
    resolution, note = form.get("resolution"), form.get("note")[:MAX_REASON]
    item = store.review_item(item_id)
    if item is None:
        return _item_page(request, user, item_id)  # says there is no such item, 404
    if resolution not in RESOLUTIONS:
        return _item_page(request, user, item_id, status=400,
                          error=t("admin.review.resolution_invalid", lang), note=note)
    if item["resolved_at"]:
        return _item_page(request, user, item_id, status=409,
                          error=t("admin.review.already", lang))
    if resolution == "kiosk_accepted":
        refused = _accept_kiosk_version(request, user, item, note)
        if refused:
            return _item_page(request, user, item_id, status=400, error=refused, note=note)
    if not store.resolve_review_item(item_id, resolution, user.username, now_iso(request), note):
        return _item_page(request, user, item_id, status=409,
                          error=t("admin.review.already", lang))
    return redirect(f"/admin/review/{item_id}?done=1")


def _accept_kiosk_version(request: Request, user: AdminUser, item: dict[str, Any],
                          note: str) -> str:
    """Store the kiosk's version of a conflicting record as a correction by `user`; returns
    why not ("" when done)."""
    if not user.can("correct"):
        raise Forbidden(user, "correct")
    lang, store = lang_of(request), store_of(request)
    if not note:
        return t("error.reason.required", lang)
    signup = store.signup_of(item["record_id"])
    if item["problem"] != "record_conflict" or not item["body"] or signup is None:
        return t("admin.review.cannot_accept", lang)
    if signup["status"] != "active":
        return t("admin.correct.voided", lang)
    sent = {k: "" if item["body"].get(k) is None else str(item["body"][k]) for k in EDITABLE}
    checked = check_correction(signup["body"], {**sent, "reason": note},
                               keep_id_when_empty=False)
    if not checked.ok:
        problems = [*(e for errors in checked.errors.values() for e in errors),
                    *checked.other_errors]
        return t("admin.review.accept_invalid", lang, fields="; ".join(
            f"{field_label(e.field, lang)}: {e.message_zh if lang == 'zh' else e.message_en}"
            for e in problems))
    if checked.changes:
        store.apply_member_correction(item["record_id"], checked.changes, user.username,
                                      now_iso(request), note)
    return ""
