import concurrent.futures
import sqlite3

import pytest

from tests.support.idgen import make_id, valid_form
from kiosk.domain import DuplicateMemberError, FormError
from kiosk.group_commit import GroupCommitWriter
from kiosk.service import EnrollRequest


def test_a_refused_sign_up_in_a_batch_leaves_the_others_stored(kiosk):
    first = kiosk.enroll(valid_form(id_number=make_id(seq=1)))
    results = kiosk.enroll_many([
        EnrollRequest(valid_form(id_number=make_id(seq=2))),
        EnrollRequest(valid_form(id_number=make_id(seq=1))),          # already a member
        EnrollRequest(valid_form(id_number=make_id(seq=3), mobile="1")),  # bad mobile
        EnrollRequest(valid_form(id_number=make_id(seq=4)), record_id="r-4"),
        EnrollRequest(valid_form(id_number=make_id(seq=4)), record_id="r-4"),  # resubmitted
    ])
    assert isinstance(results[1], DuplicateMemberError)
    assert results[1].card_number == first.card_number
    assert isinstance(results[2], FormError)
    assert results[0].created and results[3].created and not results[4].created
    assert results[3].card_number == results[4].card_number
    conn = sqlite3.connect(kiosk.paths.database)
    assert conn.execute("SELECT count(*) FROM members").fetchone()[0] == 3
    assert conn.execute("SELECT count(*) FROM outbox").fetchone()[0] == 3
    numbers = [r.card_number for r in (first, results[0], results[3])]
    assert len(set(numbers)) == 3


def test_sign_ups_waiting_together_share_one_commit(kiosk):
    batches = []
    enroll_many = kiosk.enroll_many

    def recording(requests):
        batches.append(len(requests))
        return enroll_many(requests)

    kiosk.enroll_many = recording
    writer = GroupCommitWriter(kiosk)
    try:
        with kiosk.store.transaction():  # the disk is "busy": sign-ups pile up meanwhile
            first = writer.submit(EnrollRequest(valid_form(id_number=make_id(seq=100))))
            futures = [writer.submit(EnrollRequest(valid_form(id_number=make_id(seq=n))))
                       for n in range(20)]
            futures.append(writer.submit(EnrollRequest(valid_form(id_number=make_id(seq=5)))))
        done = [f.result(timeout=30) for f in [first, *futures[:-1]]]
        with pytest.raises(DuplicateMemberError):
            futures[-1].result(timeout=30)
    finally:
        writer.close()
    assert len({e.card_number for e in done}) == 21
    # The writer blocks in its first batch (the store is busy); all that arrive meanwhile wait
    # and go in together: two commits for 22 sign-ups, whatever the thread timing.
    assert sum(batches) == 22 and len(batches) <= 2
    assert kiosk.store.count_active() == 21


def test_the_writer_keeps_order_and_durability_under_concurrent_submitters(kiosk):
    writer = GroupCommitWriter(kiosk)
    try:
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            futures = list(pool.map(lambda n: writer.submit(EnrollRequest(
                valid_form(id_number=make_id(seq=n % 1000, region=f"1101{n // 1000:02d}")))),
                range(300)))
        enrollments = [f.result(timeout=60) for f in futures]
    finally:
        writer.close()
    assert len({e.record_id for e in enrollments}) == 300
    conn = sqlite3.connect(kiosk.paths.database)
    assert conn.execute("SELECT count(*) FROM members").fetchone()[0] == 300
