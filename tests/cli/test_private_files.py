"""Every file the kiosk or the hub writes is its owner's alone (0600, folders 0700): the kiosk's
store holds the phone page's MAC secret and the PIN hash, the hub's its private keys, exports
and cards hold members' data. Checked with stat on real files, through the command line (a
real process, with the ordinary umask 022) and through the library."""

from __future__ import annotations

import contextlib
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

from kiosk.cards.printing import print_pdf
from kiosk.cli import main
from sync.hub.keys import load_or_create_hub_keys
from sync.hub.ops import backup_sqlite
from sync.hub.storage.open import open_hub_store
from tests.support.hubserver import ThreadHub
from tests.support.idgen import make_id
from tests.support.kiosks import form, open_kiosk, provisioned

ROOT = Path(__file__).resolve().parents[2]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def assert_private_tree(folder: Path) -> list[Path]:
    """Every folder under `folder` (itself too) 0700 and every file 0600; returns the files."""
    assert mode(folder) == 0o700, folder
    files = []
    for path in folder.rglob("*"):
        assert mode(path) == (0o700 if path.is_dir() else 0o600), (path, oct(mode(path)))
        files += [path] if path.is_file() else []
    return files


@contextlib.contextmanager
def ordinary_umask():
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def kiosk_cli(*args: str, stdin: bytes = b"") -> subprocess.CompletedProcess:
    env = {**os.environ}
    proc = subprocess.run([sys.executable, "-m", "kiosk.cli.__main__", *args], input=stdin,
                          capture_output=True, env=env, cwd=ROOT, timeout=120,
                          preexec_fn=lambda: os.umask(0o022))
    assert proc.returncode == 0, (args, proc.stderr.decode())
    return proc


def test_every_file_the_command_line_writes_is_private(tmp_path):
    data = Path(os.environ["KIOSK_DATA_DIR"])
    data.mkdir(mode=0o755)
    data.chmod(0o755)  # as an older version left it
    out = tmp_path / "out"
    out.mkdir()
    line = json.dumps({"name": "张三", "id_number": make_id(), "mobile": "13800138000",
                       "group": "courier", "union_org": "CN-1", "consent": True},
                      ensure_ascii=False)
    card = json.loads(kiosk_cli("enroll", "--json", "-", stdin=line.encode() + b"\n").stdout)
    number = card["card_number"]
    employer_list = out / "employer.csv"
    employer_list.write_text("姓名,身份证号码,手机号码,职业群体,工会组织,本人同意\n"
                             f"王五,{make_id(seq=11)},13800138001,快递员,CN-1,是\n",
                             encoding="utf-8")
    outputs = [out / name for name in ("export.csv", "full.csv", "report.csv", "card.png",
                                       "card.pdf", "sheet.pdf", "poster.pdf", "hub.csv",
                                       "hub.xlsx", "hub-backup.sqlite3")]
    (out / "export.csv").write_text("older\n")
    (out / "export.csv").chmod(0o644)  # an older export, overwritten: narrowed too
    kiosk_cli("export", "--csv", str(out / "export.csv"))
    kiosk_cli("export", "--csv", str(out / "full.csv"), "--full-id", "--yes")
    kiosk_cli("import", str(employer_list), "--report", str(out / "report.csv"))
    kiosk_cli("card", number, "--png", str(out / "card.png"))
    kiosk_cli("card", number, "--pdf", str(out / "card.pdf"))
    kiosk_cli("card", number, "--print")  # no printer here: the PDF waits in DATA_DIR/print
    kiosk_cli("sheet", "--pdf", str(out / "sheet.pdf"))
    kiosk_cli("poster", "--pdf", str(out / "poster.pdf"))
    kiosk_cli("hub", "export", "--csv", str(out / "hub.csv"))
    kiosk_cli("hub", "export", "--xlsx", str(out / "hub.xlsx"))
    kiosk_cli("hub", "backup", "--out", str(out / "hub-backup.sqlite3"))

    files = {p.name for p in assert_private_tree(data)}
    assert {"kiosk.sqlite3", "hub.sqlite3"} <= files
    for path in outputs:
        assert mode(path) == 0o600, (path, oct(mode(path)))


def test_a_printed_card_left_in_the_print_folder_is_private(tmp_path):
    with ordinary_umask():
        outcome = print_pdf(b"%PDF-1.4\n", tmp_path / "print", "card-X", printer=None)
    assert mode(outcome.path) == 0o600 and mode(tmp_path / "print") == 0o700


def test_the_library_keeps_the_kiosk_store_and_the_hub_store_private(tmp_path):
    data = tmp_path / "kiosk"
    data.mkdir(mode=0o755)
    data.chmod(0o755)
    with ordinary_umask():
        kiosk = open_kiosk(data)
        try:
            kiosk.enroll(form(1))
            kiosk.set_admin_pin("246810")
            files = {p.name for p in assert_private_tree(data)}
            assert {"kiosk.sqlite3", "kiosk.sqlite3-wal", "kiosk.sqlite3-shm"} <= files
        finally:
            kiosk.close()
        hub_dir = tmp_path / "hub"
        store = open_hub_store(hub_dir / "hub.sqlite3")
        try:
            load_or_create_hub_keys(store)  # the hub's private keys, in its file
            files = {p.name for p in assert_private_tree(hub_dir)}
            assert {"hub.sqlite3", "hub.sqlite3-wal", "hub.sqlite3-shm"} <= files
            backup_sqlite(hub_dir / "hub.sqlite3", tmp_path / "backup.sqlite3")
        finally:
            store.close()
    assert mode(tmp_path / "backup.sqlite3") == 0o600


def test_a_usb_bundle_and_its_receipt_are_private(tmp_path, capsys):
    with ordinary_umask(), ThreadHub(tmp_path / "hub" / "hub.sqlite3") as hub:
        kiosk = provisioned(tmp_path / "k", hub.store, hub.url)
        kiosk.enroll(form(1))
        kiosk.close()
        bundle, receipt = tmp_path / "usb" / "bundle.rhb", tmp_path / "usb" / "receipt.json"
        bundle.parent.mkdir()
        data = str(tmp_path / "k")
        assert main(["--data-dir", data, "sync", "--export", str(bundle)]) == 0
        assert main(["hub", "import", str(bundle), "--db", hub.db, "--receipt",
                     str(receipt)]) == 0
        assert main(["--data-dir", data, "sync", "--receipt", str(receipt)]) == 0
        capsys.readouterr()
        assert mode(bundle) == 0o600 and mode(receipt) == 0o600
        assert_private_tree(tmp_path / "k")
        assert os.umask(0o022) == 0o022  # main() put the caller's umask back
