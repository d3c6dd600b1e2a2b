"""The shapes of the hub's JSON, for its OpenAPI description (served at /openapi.json).

They describe what the handlers return; the handlers build plain dicts and FastAPI checks them
against these models on the way out, so the description cannot drift from the code.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class ProblemBody(BaseModel):
    code: str = Field(description="catalogue code, e.g. 409.1 (see PROTOCOL.md §6)")
    name: str
    message: str
    message_zh: str
    details: dict[str, Any] | None = None


class Health(BaseModel):
    ok: bool
    protocol: int
    hub_key: str = Field(description="key id (hex) of the hub's signing key")
    hub_time: int


class ProvisionRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = Field(max_length=200)
    public_key: str = Field(max_length=100, description="raw Ed25519 public key, base64url")
    proof: str = Field(max_length=200,
                       description="Ed25519 signature over the provisioning proof message")
    name: str = Field(default="", max_length=60)


class Org(BaseModel):
    code: str
    name: str
    parent: str = ""


class Revocation(BaseModel):
    device: int | None
    key_id: str
    revoked_at: str


class ProvisionResponse(BaseModel):
    device: int
    prefix: str
    hub_sign_key: str
    hub_box_key: str
    certificate: str
    not_after: str
    orgs: list[Org]
    revocations: list[Revocation]
    hub_time: int


class ConfigResponse(BaseModel):
    orgs: list[Org]
    revocations: list[Revocation]
    hub_time: int


class Rejection(BaseModel):
    seq: int
    record_id: str
    code: str
    name: str
    details: dict[str, Any] | None = None


class ReceiptBody(BaseModel):
    v: int
    receipt: str
    device: int
    batch: str
    digest: str
    at: str
    hub_key: str
    accepted: list[list[int]]
    duplicate: list[list[int]]
    rejected: list[Rejection]


class SignedReceipt(BaseModel):
    receipt: ReceiptBody
    signature: str


class CardStatus(BaseModel):
    card_number: str
    status: str = Field(description="canonical | alias | voided")
    canonical_card_number: str


# --- POST /v1/reports: a kiosk's status report (PROTOCOL.md §11) ---------------------------------
MAX_REPORTED_RECORDS = 500


class OutboxCounts(BaseModel):
    pending: int = Field(ge=0, le=10**9)
    sent: int = Field(ge=0, le=10**9)
    quarantined: int = Field(ge=0, le=10**9)


class QuarantinedRecord(BaseModel):
    seq: int = Field(ge=0, lt=2**53, description="the record's sequence number in its batch")
    record_id: str = Field(max_length=64)
    code: str = Field(max_length=20, description="the hub's problem code, e.g. 409.1")
    name: str = Field(default="", max_length=40, description="the problem's name")


class StatusReport(BaseModel):
    """What a kiosk holds, as it last saw it. Unknown fields are ignored (a newer kiosk's)."""

    model_config = ConfigDict(extra="ignore")
    outbox: OutboxCounts
    last_signup_at: str | None = Field(default=None, max_length=40,
                                       description="the kiosk's time of its latest sign-up")
    app_version: str = Field(default="", max_length=40)
    quarantined: list[QuarantinedRecord] = Field(default=[], max_length=MAX_REPORTED_RECORDS)


class ReportReceived(BaseModel):
    ok: bool
    review_items: int = Field(description="quarantined records new to the hub's review queue")
    hub_time: int
