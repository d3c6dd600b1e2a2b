import shutil

import pytest

from kiosk.cards import print_pdf
from kiosk.cards.printing import parse_lpstat_default

PDF = b"%PDF-1.4\n% test\n"


@pytest.fixture
def no_cups(monkeypatch, tmp_path):
    """A CUPS client pointed at a scheduler that does not exist: no printer, whatever the host has."""
    monkeypatch.setenv("CUPS_SERVER", str(tmp_path / "no-cupsd.sock"))


def test_without_printer_the_pdf_is_left_in_the_folder(no_cups, tmp_path):
    outcome = print_pdf(PDF, tmp_path / "out", "K7A3-000042-7")
    assert not outcome.printed and outcome.printer is None
    assert outcome.path == tmp_path / "out" / "K7A3-000042-7.pdf"
    assert outcome.path.read_bytes() == PDF
    assert str(outcome.path) in outcome.message_zh and "未找到打印机" in outcome.message_zh
    assert str(outcome.path) in outcome.message_en and "No printer" in outcome.message_en


def test_failing_lp_is_reported_and_the_pdf_is_kept(no_cups, tmp_path):
    outcome = print_pdf(PDF, tmp_path, "card", printer="ruhui-missing-queue")
    assert not outcome.printed
    if shutil.which("lp"):  # without cups-client the outcome is "no printer", also not printed
        assert "Printing failed" in outcome.message_en and "打印失败" in outcome.message_zh
    assert outcome.path.read_bytes() == PDF
    assert str(outcome.path) in outcome.message_en and str(outcome.path) in outcome.message_zh


def test_name_cannot_leave_the_folder(no_cups, tmp_path):
    outcome = print_pdf(PDF, tmp_path / "out", "../../etc/passwd")
    assert outcome.path.parent == tmp_path / "out"


def test_lpstat_default_is_parsed():
    assert parse_lpstat_default("system default destination: Office_HP\n") == "Office_HP"
    assert parse_lpstat_default("no system default destination\n") is None
