"""The wire format: round trips (hypothesis), tampering, the error catalogue."""

from __future__ import annotations

import json
import uuid
from dataclasses import replace

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives import serialization
from hypothesis import given, strategies as st

from kiosk.primitives.keys import DeviceKey
from kiosk.i18n import has_text
from sync.protocol.batch import KINDS, Batch, Item
from sync.protocol.envelope import open_batch, read_header, seal_batch
from sync.protocol.problems import PROBLEMS, ProblemError
from sync.protocol.wire import from_ranges, to_ranges

DEVICE = DeviceKey.from_private_key(Ed25519PrivateKey.generate())
BOX = X25519PrivateKey.generate()
BOX_PUBLIC = BOX.public_key().public_bytes(serialization.Encoding.Raw,
                                           serialization.PublicFormat.Raw)

values = st.one_of(st.text(max_size=30), st.booleans(), st.integers(-10**6, 10**6))
bodies = st.dictionaries(st.sampled_from(["record_id", "name", "id_number", "mobile", "group",
                                          "consent", "reason", "note"]), values, max_size=8)
items = st.lists(st.tuples(st.sampled_from(KINDS), bodies), max_size=30)


def make_batch(entries) -> Batch:
    return Batch(12, uuid.uuid4().hex, "2026-05-01T10:00:00+08:00",
                 tuple(Item(seq, kind, body) for seq, (kind, body) in enumerate(entries, 1)))


@given(items)
def test_batch_round_trips_through_json_and_the_envelope(entries):
    batch = make_batch(entries)
    parsed = Batch.from_json(batch.to_json())
    assert sorted(parsed.items, key=lambda i: i.seq) == sorted(batch.items, key=lambda i: i.seq)
    opened = open_batch(seal_batch(batch, DEVICE, BOX_PUBLIC), DEVICE.public_bytes, BOX)
    assert opened == parsed


@given(items, st.randoms())
def test_a_batch_is_the_same_whatever_order_its_bodies_keep_their_fields_in(entries, rng):
    # The outbox keeps bodies with sorted fields, which the encoder takes a shortcut for.
    def shuffled(body):
        keys = list(body)
        rng.shuffle(keys)
        return {k: body[k] for k in keys}

    ordered = make_batch([(kind, dict(sorted(body.items()))) for kind, body in entries])
    mixed = replace(ordered, items=tuple(replace(i, body=shuffled(i.body)) for i in ordered.items))
    assert ordered.to_json() == mixed.to_json()
    assert Batch.from_json(mixed.to_json()).items == tuple(sorted(
        ordered.items, key=lambda i: (KINDS.index(i.kind), i.seq)))


@given(st.lists(st.integers(0, 500), max_size=60))
def test_ranges_round_trip(numbers):
    assert from_ranges(to_ranges(numbers)) == sorted(set(numbers))


def test_any_changed_byte_is_refused_whole():
    envelope = seal_batch(make_batch([("member.created", {"name": "张三"})]), DEVICE, BOX_PUBLIC)
    for offset in range(len(envelope)):
        changed = bytearray(envelope)
        changed[offset] ^= 0x40
        with pytest.raises(ProblemError) as excinfo:
            open_batch(bytes(changed), DEVICE.public_bytes, BOX)
        assert excinfo.value.code in ("422.1", "400.1", "400.2")


def test_another_hub_cannot_read_a_batch():
    envelope = seal_batch(make_batch([("member.created", {"name": "张三"})]), DEVICE, BOX_PUBLIC)
    with pytest.raises(ProblemError) as excinfo:
        open_batch(envelope, DEVICE.public_bytes, X25519PrivateKey.generate())
    assert excinfo.value.code == "422.2"
    assert read_header(envelope).device == 12


def test_malformed_batches_are_coded_not_crashes():
    for raw in (b"", b"[]", b'{"v": 2}', b'{"v": 1}', b"\xff",
                b'{"v":1,"device":1,"batch":"' + b"0" * 32 + b'","made_at":"x","groups":[{"kind":'
                b'"member.created","seq":[1,2],"cols":{"name":["a"]}}]}'):
        with pytest.raises(ProblemError) as excinfo:
            Batch.from_json(raw)
        assert excinfo.value.code in ("400.1", "400.2")


def test_every_problem_has_messages_in_both_languages():
    for problem in PROBLEMS.values():
        assert has_text(f"error.sync.{problem.name}")
        assert problem.code.startswith(str(problem.status))


column_values = st.one_of(st.none(), st.text(max_size=12), st.sampled_from(["%s", "100%", "a\"b",
                          "\\", "\n", "张三", "\ud800", "courier"]),
                          st.booleans(), st.integers(-10**6, 10**6), st.floats(allow_nan=False),
                          st.lists(st.integers(), max_size=2),
                          st.dictionaries(st.sampled_from(["b", "a", "%"]), st.integers(),
                                          max_size=2))
column_names = st.sampled_from(["record_id", "name", "%s", "a\"b", "group", "z", "张"])


@given(st.integers(0, 6).flatmap(lambda n: st.tuples(st.just(n), st.dictionaries(
    column_names, st.one_of(st.lists(column_values, min_size=n, max_size=n),
                            column_values.map(lambda v: [v] * n)), max_size=5))))
def test_canonical_rows_are_canonical_json_of_each_record(case):
    from sync.protocol.wire import canonical_json, canonical_rows
    n, cols = case
    rows = canonical_rows(cols, n)
    assert len(rows) == n
    for i in range(n):
        body = {k: v[i] for k, v in cols.items() if v[i] is not None}
        assert rows[i] == json.dumps(body, ensure_ascii=False, sort_keys=True,
                                     separators=(",", ":"))
        if "\ud800" not in rows[i]:  # (a lone surrogate cannot be UTF-8 at all)
            assert rows[i].encode("utf-8") == canonical_json(body)
