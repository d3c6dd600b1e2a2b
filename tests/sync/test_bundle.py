"""No network for weeks: a bundle on a USB stick, imported (twice), then the same records online.
Each test runs on each hub store (SQLite, PostgreSQL): `kiosk hub import --db` takes either."""

from __future__ import annotations

import json

from tests.support.hubdb import hub_count
from kiosk.cli import main
from tests.support.hubserver import ThreadHub
from tests.support.kiosks import form, provisioned, push


def test_bundle_imported_twice_and_synced_online_holds_each_person_once(tmp_path, capsys, hub_db):
    with ThreadHub(hub_db) as hub:
        kiosk = provisioned(tmp_path / "k", hub.store, hub.url)
        for n in range(30):
            kiosk.enroll(form(n))
        data = str(tmp_path / "k")
        db = hub.db
        bundle, receipt = tmp_path / "usb" / "bundle.rhb", tmp_path / "usb" / "receipt.json"
        bundle.parent.mkdir()
        assert main(["--data-dir", data, "sync", "--export", str(bundle)]) == 0
        assert kiosk.store.outbox_counts()["pending"] == 30  # not sent until a receipt says so
        capsys.readouterr()

        assert main(["hub", "import", str(bundle), "--db", db, "--receipt", str(receipt)]) == 0
        printed = capsys.readouterr().out
        assert '"signature"' in printed and "30" in printed
        assert main(["hub", "import", str(bundle), "--db", db]) == 0  # again: nothing doubles
        assert hub_count(db) == 30

        # the stick comes back: the kiosk applies the hub's receipt
        assert main(["--data-dir", data, "sync", "--receipt", str(receipt)]) == 0
        assert kiosk.store.outbox_counts() == {"pending": 0, "sent": 30, "quarantined": 0}

        # more sign-ups, exported, then the network returns before the stick reaches the hub
        for n in range(30, 40):
            kiosk.enroll(form(n))
        assert main(["--data-dir", data, "sync", "--export", str(bundle)]) == 0
        assert push(kiosk).sent == 10
        assert main(["hub", "import", str(bundle), "--db", db]) == 0
        assert hub_count(db) == 40
        assert hub_count(db, "SELECT count(*) FROM persons") == 40
        assert "110105" not in capsys.readouterr().err  # no ID number in what people see


def test_records_sent_online_after_export_are_marked_by_the_next_sync(tmp_path, hub_db):
    with ThreadHub(hub_db) as hub:
        kiosk = provisioned(tmp_path / "k", hub.store, hub.url)
        for n in range(5):
            kiosk.enroll(form(n))
        bundle = tmp_path / "b.rhb"
        assert main(["--data-dir", str(tmp_path / "k"), "sync", "--export", str(bundle)]) == 0
        assert main(["hub", "import", str(bundle), "--db", hub.db]) == 0
        result = push(kiosk)  # no receipt file came back: the hub answers "duplicate"
        assert (result.sent, kiosk.store.outbox_counts()["pending"]) == (5, 0)
        assert hub_count(hub.db) == 5


def test_a_bundle_with_one_byte_changed_is_refused_whole(tmp_path, capsys, hub_db):
    with ThreadHub(hub_db) as hub:
        kiosk = provisioned(tmp_path / "k", hub.store, hub.url)
        for n in range(5):
            kiosk.enroll(form(n))
        bundle = tmp_path / "b.rhb"
        assert main(["--data-dir", str(tmp_path / "k"), "sync", "--export", str(bundle)]) == 0
        data = bytearray(bundle.read_bytes())
        for offset in (10, 80, len(data) // 2, len(data) - 70, len(data) - 1):
            changed = bytearray(data)
            changed[offset] ^= 0x01
            bundle.write_bytes(bytes(changed))
            capsys.readouterr()
            assert main(["hub", "import", str(bundle), "--db", hub.db]) == 2
            assert "422.1" in capsys.readouterr().err
        assert hub_count(hub.db) == 0


def test_a_receipt_not_signed_by_the_hub_changes_nothing(tmp_path, capsys, hub_db):
    with ThreadHub(hub_db) as hub:
        kiosk = provisioned(tmp_path / "k", hub.store, hub.url)
        kiosk.enroll(form(1))
        bundle, receipt = tmp_path / "b.rhb", tmp_path / "r.json"
        assert main(["--data-dir", str(tmp_path / "k"), "sync", "--export", str(bundle)]) == 0
        assert main(["hub", "import", str(bundle), "--db", hub.db,
                     "--receipt", str(receipt)]) == 0
        doc = json.loads(receipt.read_text())
        doc["receipt"]["accepted"] = [[1, 99]]
        receipt.write_text(json.dumps(doc))
        assert main(["--data-dir", str(tmp_path / "k"), "sync", "--receipt", str(receipt)]) == 2
        assert kiosk.store.outbox_counts()["pending"] == 1
