"""kiosk doctor's read-only look at the kiosk's file (kiosk.storage.health)."""

from kiosk.service import Kiosk
from kiosk.storage.health import check_file
from kiosk.storage.migrations import LATEST


def test_a_kiosks_own_file_is_intact_and_current(tmp_path):
    with Kiosk.open(str(tmp_path / "k")) as kiosk:
        path = kiosk.paths.database
    assert check_file(path) == (LATEST, True, False, "")


def test_a_file_that_is_not_a_database_is_named_as_such_and_not_changed(tmp_path):
    path = tmp_path / "kiosk.sqlite3"
    path.write_bytes(b"\x00" * 8192)
    health = check_file(path)
    assert health.error and not health.intact
    assert path.read_bytes() == b"\x00" * 8192  # read-only: doctor mends nothing by itself


def test_a_file_from_a_newer_kiosk_is_told_apart(tmp_path):
    import sqlite3
    with Kiosk.open(str(tmp_path / "k")) as kiosk:
        path = kiosk.paths.database
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {LATEST + 1}")
    conn.close()
    assert check_file(path).newer
