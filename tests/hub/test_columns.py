"""The hub's column-by-column ingest of new sign-ups gives exactly what the per-record path gives
(the per-record path is the reference: the domain's rules, canonical_json, sha256)."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings, strategies as st

from kiosk.domain import format_card_number, validate_member
from sync.hub.ingest import _new_signup, _new_signups
from sync.hub.storage.records import Device, NewSignup
from sync.hub.validate import BatchValidator
from sync.protocol.batch import Item
from sync.protocol.problems import ProblemError
from tests.support.kiosks import form, id_number

DEVICE = Device(3, b"k" * 32, "A003", "Q7XK", "kiosk", None)


def body(n: int, **changes) -> dict:
    member = validate_member(form(n), dt.date(2026, 5, 1)).to_dict()
    record = {"record_id": f"6d0f6a52-3c39-4d8e-9a53-{n:012x}",
              "card_number": format_card_number("A003" if n % 5 else "Q7XK", n + 1),
              "created_at": "2026-05-01T10:00:00.000+08:00", "consent_version": "v1", **member}
    record.update(changes)
    return {k: v for k, v in record.items() if v is not None}


changes = st.fixed_dictionaries({}, optional={
    "record_id": st.sampled_from(["6D0F6A52-3C39-4D8E-9A53-2A8F0E6A1B11", "nope", 7, None,
                                  "{6d0f6a52-3c39-4d8e-9a53-2a8f0e6a1b12}"]),
    "card_number": st.sampled_from(["A003-000001-X", "B001-000002-3", "a003-000003-1", None, 5,
                                    format_card_number("A004", 9)]),
    "created_at": st.sampled_from(["2026-13-01T00:00:00", "", None, 20260501,
                                   "2026-05-01", "1990-01-01T00:00:00+08:00"]),
    "name": st.sampled_from(["张𠮷", "阿不都热依木·买买提", " 张三 ", "张 三", "Anna Li", "张3", "",
                             "㐀〇", "·张", "豈", "x" * 31, 12, None, "张\u00b7\u00b7三"]),
    "id_number": st.sampled_from([id_number(5), id_number(6).lower(), "110105200801010013",
                                  id_number(7)[:-1] + "0", "８１００００１９９００３０７１２３４",
                                  "810000199003071234", "11010519900230123X", None, 110105]),
    "mobile": st.sampled_from(["+86 13800138000", "12345", "13800138000", "１３８００１３８０００",
                               None, 13800138000]),
    "id_type": st.sampled_from(["", "resident", "hmt_permit", " resident ", None, True]),
    "group": st.sampled_from(["courier", "nope", "", None, 1]),
    "consent": st.sampled_from([True, False, "yes", None, 1]),
    "gender": st.sampled_from(["F", "M", None]),
    "extra": st.sampled_from(["%s", "a\"b", "\ud800", None, [1, {"b": 2, "a": 1}]]),
})


def outcome(result):
    if isinstance(result, ProblemError):
        return ("refused", result.problem.name, result.details)
    if isinstance(result, tuple) and not isinstance(result, NewSignup):
        seq, record_id, error = result
        return ("refused", seq, record_id, error.problem.name, error.details)
    return result


@settings(max_examples=400)
@given(st.lists(st.tuples(st.integers(0, 3000), changes), min_size=1, max_size=20))
def test_columns_give_what_each_record_gives(entries):
    bodies = [body(n, **c) for n, c in entries]
    seqs = list(range(100, 100 + len(bodies)))
    keys = sorted({k for b in bodies for k in b})
    cols = {k: [b.get(k) for b in bodies] for k in keys}
    got = _new_signups(seqs, cols, DEVICE, BatchValidator())
    validator = BatchValidator()
    for seq, b, result in zip(seqs, bodies, got):
        try:
            expected = _new_signup(Item(seq, "member.created", b), DEVICE, validator)
        except ProblemError as error:
            expected = (seq, Item(seq, "member.created", b).record_id, error)
        assert outcome(result) == outcome(expected)
