"""The store is handed a ready card issuer and checks, inside the sign-up's own transaction, that
the device identity it was made for is still the file's; the service makes a new one when not."""

import pytest

from tests.support.idgen import make_id, valid_form
from kiosk.service import EnrollRequest, Kiosk
from kiosk.storage import DeviceIdentity, StaleIssuerError, Store
from kiosk.storage.store import NewMember


class FakeCards:
    identity = DeviceIdentity()
    prefix = "K7A3"

    @staticmethod
    def sign(member, card_number, issued):
        return f"T:{card_number}"


def test_an_issuer_made_before_another_process_provisioned_is_refused_and_nothing_written(
        tmp_path, kiosk):
    path = tmp_path / "kiosk.sqlite3"
    desk, provisioning = Store(path), Store(path)
    try:
        member = kiosk.validate(valid_form())
        provisioning.set_setting("device_prefix", "A00C")
        with pytest.raises(StaleIssuerError) as info:
            desk.add_member(member, issuer=FakeCards, consent_version="v1")
        assert info.value.identity == DeviceIdentity(prefix="A00C")
        with pytest.raises(StaleIssuerError):
            desk.add_members([NewMember(member)], issuer=FakeCards, consent_version="v1")
        assert desk.count_active() == 0 and desk.pending_outbox() == []
    finally:
        desk.close()
        provisioning.close()


def test_a_running_kiosk_numbers_its_next_card_with_a_prefix_set_by_another_process(tmp_path):
    with Kiosk.open(str(tmp_path / "k")) as desk, Kiosk.open(str(tmp_path / "k")) as cli:
        before = desk.enroll(valid_form(id_number=make_id(seq=1)))
        assert before.card_number.startswith(desk.device_prefix)
        cli.store.set_setting("device_prefix", "A00C")  # what `kiosk provision` leaves
        after = desk.enroll(valid_form(id_number=make_id(seq=2)))
        [batched] = desk.enroll_many([EnrollRequest(valid_form(id_number=make_id(seq=3)))])
        assert after.card_number.startswith("A00C-") and batched.card_number.startswith("A00C-")
        assert desk.verify(after.token).card_number == after.card_number


def test_a_sign_up_checks_the_issuer_at_the_cost_of_one_pragma(kiosk):
    members = [kiosk.validate(valid_form(id_number=make_id(seq=n))) for n in range(5)]
    for member in members[:4]:  # the next card number is then in a block already reserved
        kiosk.enroll_member(member)
    statements: list[str] = []
    kiosk.store.conn.set_trace_callback(statements.append)
    try:
        kiosk.enroll_member(members[4])
    finally:
        kiosk.store.conn.set_trace_callback(None)
    assert [s.split("(")[0].strip() for s in statements] == [
        "BEGIN IMMEDIATE", "PRAGMA data_version", "INSERT INTO members", "INSERT INTO outbox",
        "COMMIT"]
