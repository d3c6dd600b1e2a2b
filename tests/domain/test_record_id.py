import time
import uuid

from hypothesis import given, strategies as st

from kiosk.domain.record_id import new_record_id

MILLIS = st.integers(min_value=0, max_value=2**48 - 1)  # version 7's time field


@given(MILLIS, st.integers(min_value=0, max_value=999_999))
def test_a_record_id_is_a_version_7_uuid_carrying_its_millisecond(millis, nanos):
    text = new_record_id(millis * 1_000_000 + nanos)
    parsed = uuid.UUID(text)
    assert str(parsed) == text  # the usual lower-case 8-4-4-4-12 form, as the hub stores it
    assert parsed.version == 7 and parsed.variant == uuid.RFC_4122
    assert parsed.int >> 80 == millis


@given(MILLIS, MILLIS)
def test_ids_from_different_milliseconds_sort_by_time(first, second):
    a, b = new_record_id(first * 1_000_000), new_record_id(second * 1_000_000)
    if first < second:
        assert a < b
    elif first > second:
        assert a > b


def test_ids_made_together_are_distinct_and_carry_the_clock():
    before = time.time_ns() // 1_000_000
    ids = [new_record_id() for _ in range(10_000)]
    after = time.time_ns() // 1_000_000
    assert len(set(ids)) == len(ids)
    assert all(before <= uuid.UUID(i).int >> 80 <= after for i in ids)
