"""The line every screen shows about uploading: what is pending, sent, refused, and when it last worked."""

from __future__ import annotations

from typing import Callable

from sync.client.background import SyncStatus


def sync_summary(status: SyncStatus | None, pending: int, T: Callable[..., str]) -> str:
    """`status` from the background sync (None when this process runs none: only `pending` is
    known); `T` is the tab's translation function."""
    if status is None:
        return T("ui.sync.pending", n=pending)
    if status.state == "uploading" and status.progress_total:
        return T("sync.progress", done=status.progress_done, total=status.progress_total)
    if status.state == "unprovisioned":  # nothing can have been sent: keep the bar short
        return f'{T("ui.sync.pending", n=pending)} · {T("ui.sync.unprovisioned")}'
    parts = [T("sync.status", pending=status.pending, sent=status.sent,
               quarantined=status.quarantined)]
    if status.state in ("waiting", "refused"):
        parts.append(T("sync.retry_later") if status.state == "waiting" else T("ui.sync.refused"))
    parts.append(T("sync.last_success", at=status.last_success[11:16]) if status.last_success
                 else T("sync.never"))
    return " · ".join(parts)
