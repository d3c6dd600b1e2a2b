"""The hub's HTTP face (FastAPI on Starlette), started by ``kiosk hub``.

Handlers parse, authenticate and translate; the work is in sync.hub.ingest and
sync.hub.provisioning, the SQL in sync.hub.storage (SQLite or PostgreSQL). Every error
leaves as a catalogue problem (sync.protocol.problems), including 404s, bad JSON and unexpected
exceptions (500.1), so a client only ever has to read one shape.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any, Callable

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from kiosk.primitives.keys import key_id_of
from kiosk.domain.card_number import normalise_card_number
from sync.hub import api_models as m
from sync.hub.admin import mount_admin
from sync.hub.body_limit import BodyLimitMiddleware
from sync.hub.ingest import ingest_envelope, now_iso, unrevoked
from sync.hub.keys import HubKeys, load_or_create_hub_keys
from sync.hub.ops import AccessLogMiddleware, readiness
from sync.hub.provisioning import register_device
from sync.hub.storage.interface import HubStore
from sync.hub.storage.records import RequestNonce
from sync.protocol.auth import WINDOW, check_request, parse_auth
from sync.protocol.batch import BATCH_VERSION
from sync.protocol.problems import BY_NAME, PROBLEMS, ProblemError

log = logging.getLogger(__name__)
BATCH_MEDIA_TYPE = "application/vnd.ruhui.batch"
MAX_BODY = 16 * 1024 * 1024
MAX_REPORT = 256 * 1024  # 500 quarantined records take about 60 KB
MAX_PROVISION = 16 * 1024  # a code, a key, a proof and a name: under 1 KB
MAX_OTHER = 1024 * 1024  # the admin pages' forms, and any other route
BODY_CAPS = {"/v1/batches": MAX_BODY, "/v1/reports": MAX_REPORT, "/v1/devices": MAX_PROVISION}


def _problem(name: str, **details: Any) -> JSONResponse:
    p = BY_NAME[name]
    return JSONResponse(p.to_json(details or None), status_code=p.status)


def _count(ranges: Any) -> int:
    """How many sequence numbers a receipt's [[first, last], ...] ranges cover."""
    return sum(int(r[1]) - int(r[0]) + 1 for r in ranges or ())


def _responses(*names: str) -> dict[int | str, dict[str, Any]]:
    out: dict[int | str, dict[str, Any]] = {}
    for name in names:
        p = BY_NAME[name]
        entry = out.setdefault(p.status, {"model": m.ProblemBody, "description": ""})
        entry["description"] = ", ".join(filter(None, [entry["description"], f"{p.code} {name}"]))
    return out


_AUTH_ERRORS = ("auth_missing", "auth_bad_signature", "auth_clock_skew", "unknown_device",
                "device_revoked", "replayed_request", "internal")
_AUTH_HEADERS = [{"name": h, "in": "header", "required": False, "schema": {"type": "string"}}
                 for h in ("Ruhui-Device", "Ruhui-Time", "Ruhui-Nonce", "Ruhui-Signature")]


def _inline_schema(model: type[BaseModel]) -> dict[str, Any]:
    """`model`'s JSON schema with its nested models written out in place: a request body
    described by hand (openapi_extra) cannot point into pydantic's "$defs"."""
    schema = model.model_json_schema()
    defs = schema.pop("$defs", {})

    def expand(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref", "")
            if ref.startswith("#/$defs/"):
                return expand(defs[ref.removeprefix("#/$defs/")])
            return {key: expand(value) for key, value in node.items()}
        return [expand(value) for value in node] if isinstance(node, list) else node

    return expand(schema)


def _store_report(store: HubStore, device: int, report: m.StatusReport, at: str) -> int:
    """Keep `report` on the device's row, and its quarantined records in the review queue
    (named by the catalogue when the code is one of ours); returns how many items are new."""
    summary = {**report.outbox.model_dump(), "last_signup_at": report.last_signup_at,
               "app_version": report.app_version}
    items = [("kiosk", device, r.seq, r.record_id,
              PROBLEMS[r.code].name if r.code in PROBLEMS else (r.name or r.code),
              json.dumps({"code": r.code}), "{}", at) for r in report.quarantined]
    return store.save_device_report(device, json.dumps(summary), at, items)  # type: ignore


class Liveness(BaseModel):
    ok: bool


class Readiness(BaseModel):
    ok: bool
    store: str
    schema_version: int | None = None


def create_app(store: HubStore, keys: HubKeys | None = None, *,
               clock: Callable[[], float] = time.time) -> FastAPI:
    """The hub's ASGI application over `store` (keys made on first use)."""
    keys = keys or load_or_create_hub_keys(store)
    app = FastAPI(title="Ruhui hub", version=f"{BATCH_VERSION}",
                  description="Federation hub of the Ruhui enrollment kiosks: provisioning, "
                              "batch ingest and configuration. Wire format: sync/PROTOCOL.md.")
    app.state.store, app.state.keys, app.state.clock = store, keys, clock
    # every body capped, Content-Length or not (sync.hub.body_limit); the access log outside it
    app.add_middleware(BodyLimitMiddleware, caps=BODY_CAPS, default=MAX_OTHER)
    app.add_middleware(AccessLogMiddleware)  # one JSON line per request (sync.hub.ops)
    mount_admin(app)

    @app.exception_handler(ProblemError)
    async def problem_error(_request: Request, error: ProblemError) -> JSONResponse:
        return JSONResponse(error.to_json(), status_code=error.problem.status)

    @app.exception_handler(RequestValidationError)
    async def invalid(_request: Request, error: RequestValidationError) -> JSONResponse:
        return _problem("malformed", reason="request",
                        fields=[".".join(map(str, e.get("loc", ()))) for e in error.errors()][:20])

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request: Request, error: StarletteHTTPException) -> JSONResponse:
        if error.status_code == 405:
            return _problem("not_found", reason="method")
        if error.status_code == 413:  # a body past its cap (sync.hub.body_limit)
            return _problem("too_large")
        return _problem("not_found") if error.status_code == 404 else _problem("malformed")

    @app.exception_handler(Exception)
    async def crashed(_request: Request, error: Exception) -> JSONResponse:
        log.error("hub error: %s", type(error).__name__)  # no body, no values: may be personal
        return _problem("internal")

    async def authenticate(request: Request, body: bytes, *, remember: bool = True,
                           ) -> tuple[int, RequestNonce]:
        """The device that signed `request`, and the request's nonce. `remember=False` leaves
        the nonce to the caller, to remember in its own transaction (a batch's)."""
        auth = parse_auth(request.headers)
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        nonce = RequestNonce(auth.nonce, int(clock()), WINDOW)

        def check() -> int:
            device = store.device(auth.device)
            if device is None:
                raise ProblemError("unknown_device")
            check_request(auth, device.public_key, request.method, target, body, nonce.now)
            unrevoked(device)  # revoked: told so, once it proved who it is
            if remember:
                replayed = not store.remember_nonce(auth.device, nonce)
            else:
                # The caller remembers it and refuses a replay then; one already on record is
                # refused now, before a replayed batch costs its decryption and checks again.
                replayed = store.nonce_seen(auth.device, nonce.value)
            if replayed:
                raise ProblemError("replayed_request")
            return auth.device

        return await run_in_threadpool(check), nonce

    @app.get("/v1/health", response_model=m.Health, tags=["hub"])
    def health() -> dict[str, Any]:
        """Liveness, the protocol version and the hub key's id."""
        return {"ok": True, "protocol": BATCH_VERSION,
                "hub_key": key_id_of(keys.sign_public).hex(), "hub_time": int(clock())}

    @app.get("/healthz", response_model=Liveness, tags=["operations"])
    def healthz() -> dict[str, Any]:
        """Liveness: the process serves requests (touches no database)."""
        return {"ok": True}

    @app.get("/readyz", response_model=Readiness, tags=["operations"],
             responses=_responses("unavailable"))
    async def readyz() -> Any:
        """Readiness: the database answers and its schema is migrated; 503 otherwise."""
        state = await run_in_threadpool(readiness, store)
        kind = "postgresql" if hasattr(store, "ready") else "sqlite"
        if not state.get("ok"):
            return _problem("unavailable", reason="database", store=kind)
        return {"ok": True, "store": kind, "schema_version": state.get("schema")}

    @app.post("/v1/devices", response_model=m.ProvisionResponse, tags=["devices"],
              responses=_responses("malformed", "auth_bad_signature", "code_unknown", "code_used",
                                   "code_expired", "device_revoked", "too_large", "internal"))
    def provision(request: m.ProvisionRequest) -> dict[str, Any]:
        """Register a kiosk's public key with a one-time code (PROTOCOL.md §4)."""
        return register_device(store, keys, request.model_dump(), int(clock()))

    @app.get("/v1/config", response_model=m.ConfigResponse, tags=["devices"],
             responses=_responses(*_AUTH_ERRORS),
             openapi_extra={"parameters": _AUTH_HEADERS})
    async def config(request: Request) -> dict[str, Any]:
        """Organisations and revoked devices, for a provisioned kiosk (signed request)."""
        await authenticate(request, b"")
        return {"orgs": store.orgs(), "revocations": store.revocations(), "hub_time": int(clock())}

    @app.post("/v1/batches", response_model=m.SignedReceipt, tags=["batches"],
              responses=_responses(*_AUTH_ERRORS, "malformed", "unsupported_version",
                                   "batch_device_mismatch", "too_large", "bundle_tampered",
                                   "undecryptable"),
              openapi_extra={"parameters": _AUTH_HEADERS, "requestBody": {
                  "required": True, "content": {BATCH_MEDIA_TYPE: {
                      "schema": {"type": "string", "format": "binary"}}}}})
    async def batches(request: Request) -> JSONResponse:
        """Ingest one sealed batch (PROTOCOL.md §3); answers the hub's signed receipt."""
        body = await request.body()  # at most MAX_BODY: BodyLimitMiddleware stops it past that
        device, nonce = await authenticate(request, body, remember=False)
        receipt = await run_in_threadpool(ingest_envelope, store, keys, body, auth_device=device,
                                          nonce=nonce)
        rb = receipt.body  # counts only, for the access log line (never values)
        request.state.log_fields = {
            "bytes": len(body), "accepted": _count(rb.get("accepted")),
            "duplicate": _count(rb.get("duplicate")), "rejected": len(rb.get("rejected", ()))}
        # returned as is: the signature covers these exact values (no model may add nulls)
        return JSONResponse(receipt.to_json())

    @app.post("/v1/reports", response_model=m.ReportReceived, tags=["devices"],
              responses=_responses(*_AUTH_ERRORS, "malformed", "too_large"),
              openapi_extra={"parameters": _AUTH_HEADERS, "requestBody": {
                  "required": True, "content": {"application/json": {
                      "schema": _inline_schema(m.StatusReport)}}}})
    async def reports(request: Request) -> dict[str, Any]:
        """A kiosk's status report (PROTOCOL.md §11): its outbox counts, last sign-up, version
        and the records it holds in quarantine, for the admin pages (signed request)."""
        body = await request.body()  # at most MAX_REPORT (BodyLimitMiddleware)
        device, _ = await authenticate(request, body)  # the signature covers these exact bytes
        try:
            report = m.StatusReport.model_validate_json(body)
        except ValidationError as error:
            raise ProblemError("malformed", reason="report", fields=[
                ".".join(map(str, e.get("loc", ()))) for e in error.errors()][:20]) from None
        added = await run_in_threadpool(_store_report, store, device, report, now_iso())
        return {"ok": True, "review_items": added, "hub_time": int(clock())}

    @app.get("/v1/cards/{card_number}", response_model=m.CardStatus, tags=["cards"],
             responses=_responses("not_found"))
    def card(card_number: str) -> dict[str, Any]:
        """Whether a card number is a person's canonical card, an alias of it, or void."""
        status = store.card_status(normalise_card_number(card_number[:40]))
        if status is None:
            raise ProblemError("not_found")
        return status

    return app
