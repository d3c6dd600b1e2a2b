"""Admin pages: devices. The kiosks registered with this hub (last sync, their own last status
report, open review items), a one-time code for a new kiosk (as text and as a QR code), and
revoking a device.

A device code is a secret until it is used: it is shown once, in the answer to the POST that
made it (never in a URL, never cached: every admin page is sent with Cache-Control: no-store),
and the hub keeps only its hash (sync.hub.provisioning).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from kiosk.i18n import t
from sync.hub.admin.auth import AdminUser
from sync.hub.admin.qr_svg import qr_svg
from sync.hub.admin.web import (AdminForm, lang_of, now_of, posts, redirect, render, requires,
                                shown_time, store_of)
from sync.hub.ingest import now_iso
from sync.hub.provisioning import make_device_code

router = APIRouter()
MAX_HOURS = 24 * 14  # a code that lives longer is a leak waiting to happen
MAX_NAME = 60  # what the provisioning API keeps of a name


def _device_rows(devices: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**d, "created_at": shown_time(d["created_at"]),
             "last_sync_at": shown_time(d["last_sync_at"]),
             "last_report_at": shown_time(d["last_report_at"]),
             "revoked_at": shown_time(d["revoked_at"]) if d["revoked_at"] else None}
            for d in devices]


def _devices_page(request: Request, user: AdminUser, *, status: int = 200, notice: str = "",
                  error: str = "", name: str = "", hours: str = "24") -> Response:
    devices = _device_rows(store_of(request).device_list())
    return render(request, "devices.html", user=user, nav="devices", status=status,
                  devices=devices, notice=notice, error=error, name=name, hours=hours,
                  max_hours=MAX_HOURS, max_name=MAX_NAME)


@router.get("/admin/devices")
def devices_page(request: Request, done: str = "", device: str = "",
                 user: AdminUser = Depends(requires("view"))) -> Response:
    """Every device, and (for roles that may provision) the form for a new device code."""
    notice = ""
    if done in ("revoked", "already_revoked") and device.isascii() \
            and device.isdigit() and len(device) < 20:
        notice = t("admin.devices.revoked_done" if done == "revoked"
                   else "admin.devices.already_revoked", lang_of(request), device=device)
    return _devices_page(request, user, notice=notice)


@router.post("/admin/devices/code")
def new_device_code(request: Request, form: AdminForm = Depends(posts("provision"))) -> Response:
    """Make a one-time code and show it once: text, QR code, and the command for the kiosk."""
    lang = lang_of(request)
    name, hours_text = form.get("name"), form.get("hours", "24") or "24"
    hours = int(hours_text) if hours_text.isascii() and hours_text.isdigit() \
        and len(hours_text) < 6 else 0
    error = ""
    if len(name) > MAX_NAME:
        error = t("admin.devices.name_too_long", lang, max=MAX_NAME)
    elif not 1 <= hours <= MAX_HOURS:
        error = t("admin.devices.hours_invalid", lang, max=MAX_HOURS)
    if error:
        return _devices_page(request, form.user, status=400, error=error, name=name[:200],
                             hours=hours_text[:10])
    store = store_of(request)
    hub_url = store.get_meta("hub_url") or str(request.base_url).rstrip("/")
    now = now_of(request)
    code = make_device_code(store, name=name, ttl=hours * 3600, hub_url=hub_url, now=now)
    until = shown_time(now + hours * 3600)
    return render(request, "devices_code.html", user=form.user, nav="devices", code=code,
                  name=name, until=until, qr=qr_svg(code, label=t("admin.devices.code_qr", lang)))


def _device_or_404(request: Request, user: AdminUser, device: int) -> dict[str, Any] | Response:
    found = [d for d in store_of(request).device_list() if d["device"] == device]
    if not found:
        lang = lang_of(request)
        return render(request, "message.html", user=user, nav="devices", status=404,
                      heading=t("admin.devices.unknown", lang),
                      message=t("admin.devices.unknown", lang))
    return _device_rows(found)[0]


@router.get("/admin/devices/{device}/revoke")
def revoke_confirmation(request: Request, device: int,
                        user: AdminUser = Depends(requires("revoke"))) -> Response:
    """The confirm step: what revoking does, and the button that does it."""
    found = _device_or_404(request, user, device)
    if isinstance(found, Response):
        return found
    return render(request, "devices_revoke.html", user=user, nav="devices", device=found)


@router.post("/admin/devices/{device}/revoke")
def revoke(request: Request, device: int,
           form: AdminForm = Depends(posts("revoke"))) -> Response:
    """Revoke, once confirmed (the form of the confirm page says so); without the
    confirmation, the confirm page again."""
    found = _device_or_404(request, form.user, device)
    if isinstance(found, Response):
        return found
    if form.get("confirm") != "yes":
        return render(request, "devices_revoke.html", user=form.user, nav="devices",
                      device=found)
    done = "revoked" if store_of(request).revoke_device(device, now_iso()) else "already_revoked"
    return redirect(f"/admin/devices?done={done}&device={device}")
