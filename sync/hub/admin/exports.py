"""Admin pages: exports for the national real-name membership system.

GET /admin/exports shows the form, the columns (sync.hub.national) and every past export.
POST /admin/exports chooses the members (new since the last "new" export, or those who reached
the hub on a range of dates: sync.hub.export_scope), logs the export with their exact ids, and
answers with the file as an attachment: CSV streamed as it is made, XLSX written to a temporary
file first (a ZIP cannot be sent before its end is written) and deleted once sent. Nothing
personal is in a URL: the request is a POST, the file's name holds only the export number.
POST /admin/exports/{export_id}/again sends an earlier export's members again (a download that
failed half-way), logged as an export of its own.

Full ID numbers only for roles with ``export_full_ids`` who ticked the box; anyone else asking
(a forged form) is refused with 403, and every file is logged whether masked or full.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, Response, StreamingResponse
from starlette.background import BackgroundTask

from kiosk.i18n import t
from sync.hub.admin.auth import AdminUser
from sync.hub.admin.web import (SECURITY_HEADERS, AdminForm, Forbidden, lang_of, now_iso,
                                posts, render, requires, store_of)
from sync.hub.export_files import csv_chunks, national_cells, write_xlsx
from sync.hub.export_scope import FORMATS, ExportRequest, parse_day
from sync.hub.national import NATIONAL_COLUMNS

router = APIRouter()
_MEDIA = {"csv": "text/csv; charset=utf-8",
          "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
PAST_EXPORTS = 100


def _page(request: Request, user: AdminUser, *, error: str = "", status: int = 200,
          form: dict[str, str] | None = None) -> Response:
    columns = [{"zh": c.zh, "en": c.en} for c in NATIONAL_COLUMNS]
    return render(request, "exports.html", user=user, nav="exports", columns=columns,
                  exports=store_of(request).exports(PAST_EXPORTS), error=error, status=status,
                  form=form or {"format": "xlsx", "scope": "new"})


@router.get("/admin/exports")
def exports_page(request: Request, user: AdminUser = Depends(requires("export"))) -> Response:
    return _page(request, user)


def _file_response(request: Request, export_id: int, fmt: str, member_ids: list[int],
                   full_ids: bool) -> Response:
    rows = national_cells(store_of(request), member_ids, full_ids)
    name = f"ruhui-members-{export_id}.{fmt}"
    headers = {**SECURITY_HEADERS, "Content-Disposition": f'attachment; filename="{name}"'}
    if fmt == "csv":
        return StreamingResponse(csv_chunks(rows), media_type=_MEDIA["csv"], headers=headers)
    fd, path = tempfile.mkstemp(prefix="ruhui-export-", suffix=".xlsx")
    os.close(fd)
    try:
        write_xlsx(rows, Path(path))
    except BaseException:
        os.unlink(path)
        raise
    return FileResponse(path, media_type=_MEDIA["xlsx"], headers=headers,
                        background=BackgroundTask(os.unlink, path))


def _asked_full_ids(form: AdminForm) -> bool:
    full = form.get("full_ids") in ("1", "on", "yes")
    if full and not form.user.can("export_full_ids"):
        raise Forbidden(form.user, "export_full_ids")
    return full


@router.post("/admin/exports")
def export_members(request: Request, form: AdminForm = Depends(posts("export"))) -> Response:
    """Choose, log, and send the members asked for (see the module docstring)."""
    lang, user = lang_of(request), form.user
    full_ids = _asked_full_ids(form)
    fmt, scope = form.get("format"), form.get("scope")
    since, until = parse_day(form.get("since")), parse_day(form.get("until"))
    error = ""
    if fmt not in FORMATS or scope not in ("new", "range"):
        error = t("admin.exports.bad_choice", lang)
    elif scope == "range" and (since is None or until is None):
        error = t("admin.exports.dates_needed", lang)
    elif scope == "range" and since > until:
        error = t("admin.exports.dates_order", lang)
    if error:
        return _page(request, user, error=error, status=400,
                     form={k: form.get(k) for k in ("format", "scope", "since", "until")})
    request_ = ExportRequest(user.username, user.role, now_iso(request), fmt, scope, full_ids,
                             since if scope == "range" else None,
                             until if scope == "range" else None)
    export_id, member_ids = store_of(request).start_export(request_)
    return _file_response(request, export_id, fmt, member_ids, full_ids)


@router.post("/admin/exports/{export_id}/again")
def export_again(export_id: int, request: Request,
                 form: AdminForm = Depends(posts("export"))) -> Response:
    """The members of export `export_id` once more, logged as an export of scope 'again'."""
    full_ids = _asked_full_ids(form)
    fmt = form.get("format") if form.get("format") in FORMATS else "xlsx"
    store = store_of(request)
    if not 0 < export_id < 2**63 or store.export_member_ids(export_id) is None:
        return _page(request, form.user, status=404,
                     error=t("admin.exports.unknown", lang_of(request), n=export_id))
    request_ = ExportRequest(form.user.username, form.user.role, now_iso(request), fmt, "again",
                             full_ids)
    new_id, member_ids = store.start_export(request_, again_of=export_id)
    return _file_response(request, new_id, fmt, member_ids, full_ids)
