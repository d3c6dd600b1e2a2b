"""Exports as an attacker on the ceremony Wi-Fi would try them: a formula typed as an employer
never reaches a spreadsheet live, every full-ID export is logged (who, when, how many; never an
ID number), and `--full-id` with nobody at a terminal refuses cleanly."""

from __future__ import annotations

import csv
import getpass
import io
import json
import os
import subprocess
import sys
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.cli import main
from kiosk.primitives.csv_cells import FORMULA_START, safe_cell
from sync.hub.export_files import csv_chunks
from tests.support.hubdb import hub_rows
from tests.support.hubserver import ThreadHub
from tests.support.kiosks import form, id_number, open_kiosk, provisioned, push

ROOT = Path(__file__).resolve().parents[2]
FORMULAS = ("=1+1", "+1+1", "-1+1", "@SUM(A1)")


def read_csv(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def plain_writer(rows: list[list[str]]) -> bytes:
    """How kiosk export, its import report and /admin/figures.csv write: csv.writer over
    safe_cell."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerows([safe_cell(v) for v in row] for row in rows)
    return out.getvalue().encode("utf-8")


def national_writer(rows: list[list[str]]) -> bytes:
    """The hub's national layout (CLI and admin page): its header row dropped on reading."""
    data = b"".join(csv_chunks(rows))
    return data.split(b"\r\n", 1)[1]


any_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=20)
texts = st.one_of(any_text, st.builds(str.__add__, st.sampled_from(FORMULA_START), any_text),
                  st.sampled_from(["张三", "美团", 'say "hi"', "a\nb", "a,b", "", "2026-05-01"]))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(texts, min_size=1, max_size=4), min_size=1, max_size=4))
def test_every_csv_writer_keeps_safe_text_and_never_starts_a_cell_with_a_formula(rows):
    for write in (plain_writer, national_writer):
        back = read_csv(write(rows))
        assert len(back) == len(rows)
        for written, cells in zip(rows, back):
            for value, cell in zip(written, cells, strict=True):
                assert not cell.startswith(FORMULA_START)
                assert cell == (value if not value.startswith(FORMULA_START) else "'" + value)


def test_ordinary_values_are_written_unchanged():
    for value in ("张三", "13800138000", "2026-05-01T10:00:00.000+08:00", "", "快递员", "CN-1"):
        assert safe_cell(value) == value
    assert safe_cell(None) == "" and safe_cell(3) == "3"


def kiosk_cli(*args: str, stdin=subprocess.DEVNULL) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kiosk.cli.__main__", *args], stdin=stdin,
                          capture_output=True, env=dict(os.environ), cwd=ROOT, timeout=120)


def enroll_formulas(data: Path) -> None:
    kiosk = open_kiosk(data)
    try:
        for n, employer in enumerate(FORMULAS):
            kiosk.enroll(form(n, employer=employer))
    finally:
        kiosk.close()


def test_kiosk_export_neutralises_formula_employers(tmp_path):
    enroll_formulas(Path(os.environ["KIOSK_DATA_DIR"]))
    out = tmp_path / "export.csv"
    assert kiosk_cli("export", "--csv", str(out)).returncode == 0
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert sorted(r["工作单位(employer)"] for r in rows) == sorted("'" + f for f in FORMULAS)


def test_full_id_without_a_terminal_refuses_cleanly_and_writes_nothing(tmp_path):
    enroll_formulas(Path(os.environ["KIOSK_DATA_DIR"]))
    out = tmp_path / "export.csv"
    proc = kiosk_cli("export", "--csv", str(out), "--full-id")
    assert proc.returncode == 2
    assert b"Traceback" not in proc.stderr and b"EOFError" not in proc.stderr
    stderr = proc.stderr.decode()
    assert "没有终端可以确认完整身份证号导出" in stderr and "--yes" in stderr
    assert stderr.index("没有终端") < stderr.index("No terminal")  # Chinese first
    assert not out.exists()
    kiosk = open_kiosk(Path(os.environ["KIOSK_DATA_DIR"]))
    try:
        assert kiosk.export_log() == []
    finally:
        kiosk.close()


def test_a_full_id_export_is_logged_with_who_when_and_how_many(tmp_path):
    data = Path(os.environ["KIOSK_DATA_DIR"])
    enroll_formulas(data)
    out = tmp_path / "export.csv"
    assert kiosk_cli("export", "--csv", str(out)).returncode == 0  # masked: not logged
    assert kiosk_cli("export", "--csv", str(out), "--full-id", "--yes").returncode == 0
    kiosk = open_kiosk(data)
    try:
        log = kiosk.export_log()
    finally:
        kiosk.close()
    assert len(log) == 1
    assert log[0]["actor"] == getpass.getuser() and log[0]["via"] == "cli"
    assert log[0]["row_count"] == len(FORMULAS) and log[0]["full_ids"] is True
    assert log[0]["at"][:4].isdigit()
    logged = json.dumps(log, ensure_ascii=False)
    assert not any(id_number(n) in logged for n in range(len(FORMULAS)))


def test_hub_exports_neutralise_formulas_and_log_full_ids(tmp_path, capsys, hub_db):
    with ThreadHub(hub_db) as hub:
        kiosk = provisioned(tmp_path / "k", hub.store, hub.url)
        for n, employer in enumerate(FORMULAS):
            kiosk.enroll(form(n, employer=employer))
        push(kiosk)
        kiosk.close()
        plain, national = tmp_path / "people.csv", tmp_path / "national.csv"
        assert main(["hub", "export", "--csv", str(plain), "--db", hub.db]) == 0
        assert main(["hub", "export", "--csv", str(national), "--national", "--db",
                     hub.db]) == 0
        capsys.readouterr()
        rows = list(csv.DictReader(io.StringIO(plain.read_text(encoding="utf-8-sig"))))
        assert sorted(r["employer"] for r in rows) == sorted("'" + f for f in FORMULAS)
        assert sorted(r["id_number"] for r in rows) == sorted(id_number(n)
                                                              for n in range(len(FORMULAS)))
        cells = [c for row in read_csv(national.read_bytes())[1:] for c in row]
        assert not any(c.startswith(FORMULA_START) for c in cells)
        assert sum(c in {"'" + f for f in FORMULAS} for c in cells) == len(FORMULAS)
        log = hub_rows(hub.db, "SELECT username, role, format, scope, full_ids, row_count, "
                       "member_ranges FROM export_log ORDER BY export_id")
        assert [(u, r, f, s, bool(full), n) for u, r, f, s, full, n, _ in log] == [
            (f"cli:{getpass.getuser()}", "cli", "csv", "all", True, len(FORMULAS)),
            (f"cli:{getpass.getuser()}", "cli", "csv", "range", False, len(FORMULAS))]
        assert not any(id_number(n) in str(log) for n in range(len(FORMULAS)))
