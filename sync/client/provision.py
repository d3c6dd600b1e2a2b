"""Registering this kiosk with a hub: `kiosk provision CODE [--hub URL]`."""

from __future__ import annotations

from typing import Any

import httpx

from kiosk.primitives.device_cert import DeviceCert
from sync.client.api import HubClient
from sync.client.errors import SyncError
from sync.protocol.provisioning import normalise_code, proof_message
from sync.protocol.wire import b64d, b64e


def split_code(text: str) -> tuple[str, str]:
    """'XXXX-XXXX-XXXX@http://hub:8600' -> (code, url); the URL part is optional."""
    code, _, url = text.strip().partition("@")
    return code.strip(), url.strip()


def provision(kiosk, code_text: str, hub_url: str | None = None, *,
              transport: httpx.BaseTransport | None = None) -> dict[str, Any]:
    """Register the kiosk's key with the hub named in the code (or `hub_url`); store what the hub
    answers: device number, card prefix, hub keys, certificate, organisations. Returns it."""
    code, url_in_code = split_code(code_text)
    url = hub_url or url_in_code
    if not url:
        raise SyncError("no_hub_url")
    key = kiosk.device_key
    request = {"code": normalise_code(code), "public_key": b64e(key.public_bytes),
               "proof": b64e(key.sign(proof_message(code, key.public_bytes))),
               "name": kiosk.outbox.device_name()}
    with HubClient(url, transport=transport) as client:
        answer = client.provision(request)
    cert = DeviceCert.from_bytes(b64d(answer["certificate"]))
    if cert.public_key != key.public_bytes or not cert.verify(
            answer["prefix"], [_ed25519(b64d(answer["hub_sign_key"]))]):
        raise SyncError("bad_receipt")  # not our certificate, or not signed by that hub
    kiosk.outbox.save_hub_identity(hub_url=url, device=int(answer["device"]),
                                   prefix=answer["prefix"], hub_sign_key=answer["hub_sign_key"],
                                   hub_box_key=answer["hub_box_key"],
                                   certificate=answer["certificate"])
    kiosk.outbox.replace_hub_config(answer.get("orgs", []), answer.get("revocations", []))
    return answer


def _ed25519(raw: bytes):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    return Ed25519PublicKey.from_public_bytes(raw)
