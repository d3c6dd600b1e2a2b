import datetime as dt
import json
import sqlite3

import pytest
from hypothesis import given, strategies as st

from tests.support.idgen import make_id, valid_form
from kiosk.domain import DomainError, DuplicateMemberError, validate_member
from kiosk.storage import DeviceIdentity, Store
from kiosk.storage.migrations import LATEST, migrate
from kiosk.storage.outbox import _runs
from kiosk.storage.store import NewMember

TODAY = dt.date(2026, 11, 25)
PREFIX = "K7A3"


def member(**overrides):
    return validate_member(valid_form(**overrides), TODAY)


class FakeCards:
    """A card issuer (kiosk.storage.store.CardIssuer); signing has its own tests in tests/cards."""

    identity = DeviceIdentity()  # a fresh file's: no prefix from a hub yet
    prefix = PREFIX

    @staticmethod
    def sign(member, card_number: str, issued: dt.date) -> str:
        return f"T:{card_number}:{issued.isoformat()}"


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "kiosk.sqlite3")
    yield s
    s.close()


def enroll(store, m, **kw):
    return store.add_member(m, issuer=FakeCards, consent_version="v1-test", **kw)


def test_a_sign_up_and_its_outbox_and_audit_rows_are_written_together(store):
    stored, created = enroll(store, member(volunteer="小李"))
    assert created and stored.card_number == "K7A3-000001-" + stored.card_number[-1]
    assert stored.token.startswith("T:K7A3-000001")
    outbox = store.pending_outbox()
    assert [(o["record_id"], o["kind"]) for o in outbox] == [(stored.record_id, "member.created")]
    assert outbox[0]["body"]["id_number"] == stored.member.id_number
    assert store.audit_trail(stored.record_id)[0] | {} == {
        "action": "enroll", "actor": "小李", "reason": "", "changes": {}, "at": stored.created_at}
    # Read back through a second, independent connection: it is on disk.
    other = sqlite3.connect(store.path)
    assert other.execute("SELECT count(*) FROM members").fetchone()[0] == 1
    assert other.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_wal_and_full_synchronous_are_in_force(store):
    assert store.conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL


def test_the_same_id_number_twice_is_refused_with_the_existing_card(store):
    first, _ = enroll(store, member())
    with pytest.raises(DuplicateMemberError) as info:
        enroll(store, member(name="李四", mobile="13900139000"))
    assert info.value.card_number == first.card_number
    assert info.value.code == "duplicate_member" and first.card_number in info.value.message_zh
    assert store.count_active() == 1
    assert len(store.pending_outbox()) == 1


def test_a_failed_signature_leaves_nothing_half_written(store):
    class BrokenCards(FakeCards):
        @staticmethod
        def sign(member, card_number, issued):
            raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        store.add_member(member(), issuer=BrokenCards, consent_version="v1")
    assert store.count_active() == 0 and store.pending_outbox() == []
    stored, _ = enroll(store, member())
    assert stored.card_number.startswith("K7A3-000001")  # the sequence was rolled back too


def test_a_resubmitted_record_id_returns_the_same_sign_up(store):
    first, created = enroll(store, member(), record_id="rid-1")
    again, created_again = enroll(store, member(), record_id="rid-1")
    assert created and not created_again and again == first
    with pytest.raises(DomainError) as info:
        enroll(store, member(mobile="13900139000"), record_id="rid-1")
    assert info.value.code == "record_conflict"
    assert store.count_active() == 1


def test_correcting_keeps_an_audit_trail(store):
    stored, _ = enroll(store, member())
    corrected = store.correct(stored.record_id, member(mobile="13900139000"), actor="admin",
                              reason="手机号填错")
    assert corrected.member.mobile == "13900139000"
    trail = store.audit_trail(stored.record_id)
    assert [t["action"] for t in trail] == ["enroll", "correct"]
    assert trail[1]["changes"] == {"mobile": ["13800138000", "13900139000"]}
    assert trail[1]["actor"] == "admin" and trail[1]["reason"] == "手机号填错"
    assert [o["kind"] for o in store.pending_outbox()] == ["member.created", "member.corrected"]
    with pytest.raises(DomainError) as info:
        store.correct(stored.record_id, member(name="王五"), actor="admin", reason=" ")
    assert info.value.code == "reason.required"


def test_voiding_keeps_the_record_and_frees_the_id_number(store):
    stored, _ = enroll(store, member())
    voided = store.void(stored.record_id, actor="admin", reason="重复登记")
    assert voided.status == "voided" and voided.void_reason == "重复登记"
    assert store.get(stored.record_id) is not None  # nothing deleted
    with pytest.raises(DomainError):
        store.void(stored.record_id, actor="admin", reason="again")
    again, created = enroll(store, member())
    assert created and again.card_number != stored.card_number
    assert [t["action"] for t in store.audit_trail(stored.record_id)] == ["enroll", "void"]


def test_search_by_name_last_four_of_mobile_and_card_number(store):
    a, _ = enroll(store, member(name="张三", id_number=make_id(seq=1), mobile="13800001234"))
    b, _ = enroll(store, member(name="李四", id_number=make_id(seq=2), mobile="13800005678"))
    assert [s.record_id for s in store.search("张")] == [a.record_id]
    assert [s.record_id for s in store.search("5678")] == [b.record_id]
    assert [s.record_id for s in store.search(a.card_number.lower().replace("-", ""))] == [a.record_id]
    assert [s.record_id for s in store.search("")] == [b.record_id, a.record_id]  # newest first
    assert store.search("' OR 1=1 --") == []


def test_migrations_can_be_applied_twice(tmp_path):
    path = tmp_path / "k.sqlite3"
    conn = sqlite3.connect(path, isolation_level=None)
    assert migrate(conn) == LATEST
    assert migrate(conn) == LATEST
    # Replaying every step on an up-to-date file changes nothing either.
    from sqlite_utils import Database

    from kiosk.storage.migrations import MIGRATIONS
    schema = conn.execute("SELECT sql FROM sqlite_master ORDER BY name").fetchall()
    for step in MIGRATIONS:
        step(Database(conn))
    assert conn.execute("SELECT sql FROM sqlite_master ORDER BY name").fetchall() == schema


def test_a_database_made_by_the_first_schema_opens_and_keeps_its_rows(tmp_path):
    path = tmp_path / "old.sqlite3"
    conn = sqlite3.connect(path, isolation_level=None)
    assert migrate(conn, upto=1) == 1
    conn.execute(
        "INSERT INTO members (record_id, card_number, name, id_number, id_type, mobile, gender, "
        "birth_date, [group], union_org, channel, consent, token, created_at) VALUES "
        "('old-1', 'K7A3-000001-X', '张三', ?, 'resident', '13800001234', 'M', '1990-03-07', "
        "'courier', 'CN-1', 'ceremony', 1, 'T', '2026-11-01T10:00:00.000+08:00')", (make_id(),))
    conn.execute("INSERT INTO counters VALUES ('card_sequence:K7A3', 1)")
    conn.close()
    store = Store(path)
    try:
        assert store.schema_version == LATEST
        old = store.get("old-1")
        assert old.status == "active" and old.member.name == "张三"
        assert [s.record_id for s in store.search("1234")] == ["old-1"]
        with pytest.raises(DuplicateMemberError):
            enroll(store, member())
        new, _ = enroll(store, member(id_number=make_id(seq=7)))
        assert new.card_number.startswith("K7A3-000002")
    finally:
        store.close()


def test_settings_round_trip_json(store):
    store.set_setting("current_event", {"id": "E1", "n": [1, "二"]})
    assert store.get_setting("current_event") == {"id": "E1", "n": [1, "二"]}
    assert store.get_setting("missing", "default") == "default"


def test_print_queue(store):
    a, _ = enroll(store, member(id_number=make_id(seq=1)))
    b, _ = enroll(store, member(id_number=make_id(seq=2)))
    store.queue_print([a.record_id, b.record_id])
    assert [s.record_id for s in store.print_queue()] == [a.record_id, b.record_id]
    store.mark_printed([a.record_id])
    assert [s.record_id for s in store.print_queue()] == [b.record_id]
    assert json.loads(json.dumps(store.outbox_counts())) == {"pending": 2, "sent": 0, "quarantined": 0}


@given(st.lists(st.integers(1, 200), max_size=60))
def test_receipt_runs_cover_exactly_the_ids_held(ids):
    runs = _runs(ids)
    covered = [i for first, last in runs for i in range(first, last + 1)]
    assert covered == sorted(set(ids))
    assert all(b[0] > a[1] + 1 for a, b in zip(runs, runs[1:]))  # maximal runs


def test_a_receipt_marks_exactly_its_rows_sent(store):
    stored = [enroll(store, member(id_number=make_id(seq=n)))[0] for n in range(6)]
    ids = [row["id"] for row in store.pending_outbox()]
    sent, quarantined = store.apply_receipt("r1", "{}", "sig", held=[ids[0], ids[1], ids[3]],
                                            rejected=[(ids[4], "409.1", "conflict")])
    assert (sent, quarantined) == (3, 1)
    assert [row["id"] for row in store.pending_outbox()] == [ids[2], ids[5]]
    assert store.apply_receipt("r1", "{}", "sig", held=[ids[0]], rejected=[]) == (0, 0)
    assert store.outbox_counts() == {"pending": 2, "sent": 3, "quarantined": 1}
    assert len(stored) == 6


def test_card_numbers_are_never_handed_out_twice_across_stores_and_restarts(tmp_path):
    path = tmp_path / "kiosk.sqlite3"
    first, second = Store(path), Store(path)  # two processes on one file: a desk and the CLI
    numbers = []
    for n in range(20):  # alternating, so each store works from blocks of its own
        numbers.append(enroll((first, second)[n % 2], member(id_number=make_id(seq=n)))[0].card_number)
    first.close()  # exits with part of its block unused: a gap, never a reuse
    second.close()
    again = Store(path)
    try:
        numbers += [enroll(again, member(id_number=make_id(seq=n)))[0].card_number
                    for n in range(20, 30)]
        assert len(set(numbers)) == 30
        last = int(numbers[19].split("-")[1])
        assert all(int(number.split("-")[1]) > last for number in numbers[20:])
    finally:
        again.close()


def test_a_store_that_takes_one_sign_up_leaves_no_gap(tmp_path):
    path = tmp_path / "kiosk.sqlite3"
    for n in range(3):  # `kiosk enroll` run once per worker
        store = Store(path)
        stored, _ = enroll(store, member(id_number=make_id(seq=n)))
        store.close()
        assert stored.card_number.startswith(f"K7A3-00000{n + 1}-")


def test_a_refused_sign_up_in_a_batch_does_not_share_its_number(store):
    enroll(store, member(id_number=make_id(seq=1)))
    items = [NewMember(member(id_number=make_id(seq=n))) for n in (2, 1, 3)]
    results = store.add_members(items, issuer=FakeCards, consent_version="v1")
    assert isinstance(results[1], DuplicateMemberError)
    stored = [results[0][0], results[2][0]]
    assert len({s.card_number for s in stored}) == 2
    assert all(store.get(s.record_id).token == f"T:{s.card_number}:{s.issued}" for s in stored)


def test_settings_and_identity_written_by_another_process_are_seen_at_once(tmp_path):
    path = tmp_path / "kiosk.sqlite3"
    ui, cli = Store(path), Store(path)
    try:
        assert ui.get_setting("device_prefix") is None and ui.sync_device() is None
        cli.set_setting("device_prefix", "A00C")  # `kiosk provision` while the UI runs
        cli.save_sync_device(hub_url="http://hub", device=3, prefix="A00C", hub_sign_key="s",
                             hub_box_key="b", certificate="c")
        assert ui.get_setting("device_prefix") == "A00C"
        assert ui.sync_device()["device"] == 3
        ui.set_setting("device_prefix", "A00D")
        assert ui.get_setting("device_prefix") == "A00D" == cli.get_setting("device_prefix")
        ui.sync_device()["prefix"] = "changed by a caller"
        assert ui.sync_device()["prefix"] == "A00C"
    finally:
        ui.close()
        cli.close()
