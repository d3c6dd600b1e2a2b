"""Which consent text a worker accepted: a short hash of the notice, kept with every record."""

from __future__ import annotations

import hashlib

from kiosk.i18n.consent import CONSENT_TEXTS

CONSENT_KEYS = ("consent.label", "consent.notice")


def consent_version() -> str:
    """'v1-' + 12 hex chars of the hash of both languages' label and notice.

    Changing a word of the notice changes the version, so the record shows what was agreed to.
    """
    text = "\n".join(part for key in CONSENT_KEYS for part in CONSENT_TEXTS[key])
    return "v1-" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]
