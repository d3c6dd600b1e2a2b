from sync.client.background import SyncStatus

from kiosk.i18n import t
from kiosk.ui.sync_status import sync_summary


def zh(key, **values):
    return t(key, "zh", **values)


def test_without_background_sync_only_the_pending_count_shows():
    assert sync_summary(None, 3, zh) == "待上传 3 条"


def test_counts_and_the_last_success_show():
    status = SyncStatus(state="idle", pending=2, sent=40, quarantined=1,
                        last_success="2026-11-25T14:05:09+08:00")
    assert sync_summary(status, 2, zh) == "待上传 2 条，已上传 40 条，隔离 1 条 · 上次成功上传：14:05"


def test_progress_shows_during_a_long_upload():
    status = SyncStatus(state="uploading", pending=900, progress_done=300, progress_total=1200)
    assert sync_summary(status, 900, zh) == "正在上传 300/1200"


def test_an_unprovisioned_kiosk_says_so_and_a_failing_one_that_it_will_retry():
    assert sync_summary(SyncStatus(state="unprovisioned", pending=5), 5, zh) == "待上传 5 条 · 未注册总站"
    english = sync_summary(SyncStatus(state="waiting", pending=5), 5, lambda k, **v: t(k, "en", **v))
    assert "will be retried" in english
