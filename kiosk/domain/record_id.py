"""Record ids: UUID version 7 (RFC 9562 §5.7), made on the device that takes the sign-up.

A record id names one sign-up everywhere: the kiosk's store, its outbox, the hub, receipts.
Version 7 starts with the Unix time in milliseconds, so ids made one after another sort one after
another: the kiosk's index on record ids grows at its right-hand end, where version 4's random
ids each landed on some page in its middle (splitting pages, and writing a page that was not in
cache). The time it shows is on the record anyway (created_at). 74 random bits keep ids made in
the same millisecond, on any number of devices, apart.
"""

from __future__ import annotations

import os
import time

_VERSION_7 = 0x7 << 76
_VARIANT_RFC = 0x2 << 62
_RANDOM_BITS = ~(0xF << 76 | 0x3 << 62) & ((1 << 80) - 1)


def new_record_id(now_ns: int | None = None) -> str:
    """A new version 7 UUID in its usual text form (lower-case hex, 8-4-4-4-12)."""
    millis = (time.time_ns() if now_ns is None else now_ns) // 1_000_000
    value = (millis << 80 | int.from_bytes(os.urandom(10), "big") & _RANDOM_BITS
             | _VERSION_7 | _VARIANT_RFC)
    text = f"{value:032x}"
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"
