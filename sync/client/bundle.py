"""No network for weeks: the pending outbox as one signed bundle file, and the hub's receipt back.

A bundle is exactly a sealed batch (sync.protocol.envelope): encrypted to the hub, signed by the
device, so a lost USB stick reveals nobody and a changed byte is refused whole. The records stay
pending on the kiosk until a receipt names them, from a file (`kiosk sync --receipt FILE`) or at
the next online sync (the hub then answers "duplicate", which marks them just the same).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from kiosk.primitives.private_files import private_file
from sync.client.identity import Identity
from sync.client.uploader import apply_receipt, build_envelope
from sync.protocol.batch import MAX_ITEMS


def export_bundle(kiosk, path: str | Path) -> int:
    """Write the pending rows (up to the format's limit) to `path`, atomically; returns how many."""
    identity = Identity.of(kiosk)
    rows = kiosk.outbox.pending_batch(MAX_ITEMS)
    if not rows:
        return 0
    _batch, envelope = build_envelope(kiosk, identity, rows)
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp")
    with open(private_file(tmp), "wb") as f:  # sign-ups with ID numbers: 0600
        f.write(envelope)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    return len(rows)


def import_receipt(kiosk, path: str | Path) -> tuple[int, int]:
    """Apply a receipt file the hub printed for one of our bundles; returns (sent, quarantined)."""
    doc: Any = json.loads(Path(path).read_text(encoding="utf-8"))
    return apply_receipt(kiosk, Identity.of(kiosk), doc)
