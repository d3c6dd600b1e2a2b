"""Admin pages: members. Find a person, see every sign-up and change behind them, correct or
void a sign-up with a reason, and (for roles allowed to) see a full ID number once, logged.

Names and mobile digits are personal data: the search form is POSTed, so they never sit in a URL,
an access log or the browser's history; pages link to people by their opaque member_id and to
sign-ups by their record id (a random UUID). Only the event, which is not personal, may be given
in a GET query (``/admin/members?event=...``), so other pages can link to a ceremony's members.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from kiosk.domain import catalog, mask_id_number, mask_mobile, normalise_card_number
from kiosk.i18n import has_text, t
from sync.hub.admin.auth import AdminUser
from sync.hub.admin.member_correction import (CHOICES, EDITABLE, MAX_REASON, REQUIRED_CHOICES,
                                              check_correction, form_values)
from sync.hub.admin.web import (AdminForm, lang_of, now_iso, posts, redirect, render, shown_time,
                                requires, store_of)

router = APIRouter()
PAGE_SIZE = 50
_MOBILE4 = re.compile(r"[0-9]{4}")
_RECORD_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_DONE = ("corrected", "voided", "unchanged")


def _is_id(member_id: int) -> bool:
    return 0 < member_id < 2**63  # what either database can hold; anything else is unknown


# --- search ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class MemberQuery:
    """What the search form asked for, normalised as the store compares it."""

    name: str = ""
    card_number: str = ""
    mobile4: str = ""
    event: str = ""
    page: int = 1

    @classmethod
    def of(cls, fields: dict[str, str]) -> "MemberQuery":
        card = fields.get("card_number", "").strip()[:40]
        try:
            page = max(1, min(int(fields.get("page", "1")), 100_000))
        except ValueError:
            page = 1
        return cls(name=fields.get("name", "").strip()[:30],
                   card_number=normalise_card_number(card) if card else "",
                   mobile4=fields.get("mobile4", "").strip()[:10],
                   event=fields.get("event", "").strip()[:60], page=page)

    @property
    def mobile4_ok(self) -> bool:
        return not self.mobile4 or bool(_MOBILE4.fullmatch(self.mobile4))

    @property
    def empty(self) -> bool:
        return not (self.name or self.card_number or self.mobile4 or self.event)

    def criteria(self) -> dict[str, Any]:
        return {"name": self.name, "card_number": self.card_number, "mobile4": self.mobile4,
                "event": self.event}


def _result_row(hit: dict[str, Any], lang: str) -> dict[str, Any]:
    body = hit["body"]
    return {"member_id": hit["member_id"], "name": body.get("name", ""),
            "id_masked": mask_id_number(hit["id_number"]),
            "mobile_masked": mask_mobile(str(body.get("mobile", ""))),
            "group": catalog.label(catalog.GROUPS, body.get("group", ""), lang)
            or body.get("group", ""),
            "union_org": body.get("union_org", ""), "card_number": hit["canonical_card"],
            "signups": hit["signups"], "status": "active" if hit["active"] else "voided"}


def _search_page(request: Request, user: AdminUser, query: MemberQuery) -> Response:
    lang, error, rows, more = lang_of(request), "", [], False
    if not query.mobile4_ok:
        error = t("admin.members.mobile4_invalid", lang)
    else:
        hits = store_of(request).search_members(**query.criteria(),
                                                offset=(query.page - 1) * PAGE_SIZE,
                                                limit=PAGE_SIZE + 1)
        more = len(hits) > PAGE_SIZE
        rows = [_result_row(hit, lang) for hit in hits[:PAGE_SIZE]]
    return render(request, "members.html", user=user, nav="members", query=asdict(query),
                  searched=not query.empty, rows=rows, more=more, error=error,
                  status=400 if error else 200)


@router.get("/admin/members")
def members_page(request: Request, event: str = "", page: str = "1",
                 user: AdminUser = Depends(requires("view"))) -> Response:
    """The search form; the newest members, or one event's (the only criterion a URL may hold)."""
    return _search_page(request, user, MemberQuery.of({"event": event, "page": page}))


@router.post("/admin/members")
def members_search(request: Request, form: AdminForm = Depends(posts("view"))) -> Response:
    """A search, and its further pages (each page button POSTs the criteria again)."""
    return _search_page(request, form.user, MemberQuery.of(form.fields))


# --- one person ----------------------------------------------------------------------------------
def _person_view(record: dict[str, Any], lang: str) -> dict[str, Any]:
    """The record with what the page shows worked out: labels, masks, before -> after texts."""
    body = record["body"]
    labels = {key: catalog.label(table, str(body.get(key, "")), lang) or str(body.get(key, ""))
              for key, table in CHOICES.items()}
    labels["id_type"] = catalog.label(catalog.ID_TYPES, str(body.get("id_type", "")), lang)
    labels["gender"] = catalog.label(catalog.GENDERS, str(body.get("gender", "")), lang)
    signups = [{**s, "group": s["body"].get("group", ""),
                "channel": catalog.label(catalog.CHANNELS, s["body"].get("channel", ""), lang)
                or s["body"].get("channel", ""), "event": s["body"].get("event", ""),
                "created_at": shown_time(s["created_at"]),
                "received_at": shown_time(s["received_at"])} for s in record["signups"]]
    kiosk_changes = [{**c, "received_at": shown_time(c["received_at"])}
                     for c in record["kiosk_changes"]]
    hub_changes = [{**c, "at": shown_time(c["at"]),
                    "fields": [(f, _shown_value(f, c["before"].get(f, ""), lang),
                                _shown_value(f, c["after"].get(f, ""), lang))
                               for f in sorted(set(c["before"]) | set(c["after"]))]}
                   for c in record["hub_changes"]]
    return {**record, "labels": labels, "signups": signups, "kiosk_changes": kiosk_changes,
            "hub_changes": hub_changes, "id_masked": mask_id_number(record["id_number"]),
            "mobile_masked": mask_mobile(str(body.get("mobile", ""))),
            "since": shown_time(record["created_at"])}


def _shown_value(field: str, value: Any, lang: str) -> str:
    """A before/after value as the history shows it: ID numbers and mobiles masked, codes
    with their labels."""
    text = str(value if value is not None else "")
    if field == "id_number":
        return mask_id_number(text)
    if field == "mobile":
        return mask_mobile(text)
    if field == "status":
        return t(f"admin.status.{text}", lang) if text in ("active", "voided") else text
    table = CHOICES.get(field) or {"id_type": catalog.ID_TYPES,
                                   "gender": catalog.GENDERS}.get(field)
    return (catalog.label(table, text, lang) or text) if table else text


def _field_label(field: str, lang: str) -> str:
    key = f"join.label.{field}"  # the phone form's labels, where it has the field
    return t(key if has_text(key) else f"admin.field.{field}", lang)


def _person_page(request: Request, user: AdminUser, member_id: int, *, status: int = 200,
                 full_id: str = "", notice: str = "", error: str = "",
                 error_record: str = "") -> Response:
    lang = lang_of(request)
    record = store_of(request).member_record(member_id) if _is_id(member_id) else None
    if record is None:
        return render(request, "message.html", user=user, nav="members", status=404,
                      heading=t("error.not_found", lang), message=t("error.not_found", lang))
    return render(request, "member.html", user=user, nav="members", status=status,
                  person=_person_view(record, lang), full_id=full_id, notice=notice,
                  error=error, error_record=error_record, shown_at=shown_time(now_iso(request)),
                  field_label=lambda f: _field_label(f, lang), MAX_REASON=MAX_REASON)


@router.get("/admin/members/{member_id}")
def member_page(request: Request, member_id: int, done: str = "",
                user: AdminUser = Depends(requires("view"))) -> Response:
    """The person: canonical fields (ID masked), every sign-up, aliases and the history."""
    notice = t(f"admin.member.done.{done}", lang_of(request)) if done in _DONE else ""
    return _person_page(request, user, member_id, notice=notice)


@router.post("/admin/members/{member_id}/full-id")
def show_full_id(request: Request, member_id: int,
                 form: AdminForm = Depends(posts("export_full_ids"))) -> Response:
    """The person page once more, with the full ID number, after logging who saw it and when
    (a POST, so the number is shown only as the answer to this one deliberate request)."""
    store = store_of(request)
    record = store.member_record(member_id) if _is_id(member_id) else None
    if record is None:
        return _person_page(request, form.user, member_id)
    store.log_id_view(record["canonical_record"], member_id, form.user.username, now_iso(request),
                      "member_page")
    return _person_page(request, form.user, member_id, full_id=record["id_number"])


# --- correcting and voiding a sign-up ------------------------------------------------------------
def _signup_or_404(request: Request, user: AdminUser, record_id: str) -> dict[str, Any] | Response:
    signup = store_of(request).signup_of(record_id) if _RECORD_ID.fullmatch(record_id) else None
    if signup is None:
        lang = lang_of(request)
        return render(request, "message.html", user=user, nav="members", status=404,
                      heading=t("error.not_found", lang), message=t("error.not_found", lang))
    return signup


def _correction_page(request: Request, user: AdminUser, signup: dict[str, Any],
                     values: dict[str, str], *, checked: Any = None, status: int = 200,
                     id_shown: bool) -> Response:
    lang = lang_of(request)
    choices = {key: [(code, zh if lang == "zh" else en) for code, zh, en in table]
               for key, table in CHOICES.items()}
    return render(request, "member_correct.html", user=user, nav="members", status=status,
                  signup=signup, values=values, choices=choices, editable=EDITABLE,
                  required_choices=REQUIRED_CHOICES, checked=checked, id_shown=id_shown,
                  id_masked=mask_id_number(signup["id_number"]), MAX_REASON=MAX_REASON,
                  field_label=lambda f: _field_label(f, lang))


@router.get("/admin/signups/{record_id}/correct")
def correction_form(request: Request, record_id: str,
                    user: AdminUser = Depends(requires("correct"))) -> Response:
    """The sign-up's fields, pre-filled. The ID number is pre-filled only for a role that may
    see it in full, and that showing is logged like any other."""
    signup = _signup_or_404(request, user, record_id)
    if isinstance(signup, Response):
        return signup
    if signup["status"] != "active":
        return _person_page(request, user, signup["member_id"], status=409,
                            error=t("admin.correct.voided", lang_of(request)))
    values = form_values(signup["body"])
    id_shown = user.can("export_full_ids")
    if id_shown:
        store_of(request).log_id_view(record_id, signup["member_id"], user.username,
                                      now_iso(request), "correction_form")
    else:
        values["id_number"] = ""
    return _correction_page(request, user, signup, values, id_shown=id_shown)


@router.post("/admin/signups/{record_id}/correct")
def correct_signup(request: Request, record_id: str,
                   form: AdminForm = Depends(posts("correct"))) -> Response:
    """Check the form by the kiosk's rules; on any error show them and store nothing; else
    store the correction and go to the person (whom a new ID number may have changed)."""
    signup = _signup_or_404(request, form.user, record_id)
    if isinstance(signup, Response):
        return signup
    lang = lang_of(request)
    if signup["status"] != "active":
        return _person_page(request, form.user, signup["member_id"], status=409,
                            error=t("admin.correct.voided", lang))
    id_shown = form.user.can("export_full_ids")
    checked = check_correction(signup["body"], form.fields, keep_id_when_empty=not id_shown)
    if not checked.ok:
        values = {k: form.fields.get(k, "")[:200] for k in EDITABLE}
        return _correction_page(request, form.user, signup, values, checked=checked,
                                status=400, id_shown=id_shown)
    store = store_of(request)
    if not checked.changes:
        return redirect(f"/admin/members/{signup['member_id']}?done=unchanged")
    store.apply_member_correction(record_id, checked.changes, form.user.username, now_iso(request),
                                  checked.reason)
    moved = store.signup_of(record_id)
    return redirect(f"/admin/members/{moved['member_id']}?done=corrected")


@router.post("/admin/signups/{record_id}/void")
def void_signup(request: Request, record_id: str,
                form: AdminForm = Depends(posts("correct"))) -> Response:
    """Void a sign-up, with a reason; it stays in the database, no longer exported or counted."""
    signup = _signup_or_404(request, form.user, record_id)
    if isinstance(signup, Response):
        return signup
    lang = lang_of(request)
    reason = form.get("reason")[:MAX_REASON]
    if not reason:
        return _person_page(request, form.user, signup["member_id"], status=400,
                            error=t("error.reason.required", lang), error_record=record_id)
    if not store_of(request).void_signup(record_id, form.user.username, now_iso(request), reason):
        return _person_page(request, form.user, signup["member_id"], status=409,
                            error=t("admin.member.already_voided", lang))
    return redirect(f"/admin/members/{signup['member_id']}?done=voided")
