"""The hub's batch validator gives exactly what kiosk.domain.validate_member gives (oracle)."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, strategies as st

from kiosk.domain import FormError, Member, validate_member
from sync.hub.validate import BatchValidator
from tests.support.kiosks import form, id_number

TODAY = dt.date(2026, 5, 1)
names = st.sampled_from(["张三", "阿不都热依木·买买提", "𠮷", "", "张3", "<b>", "x" * 31, 7])
ids = st.one_of(st.integers(0, 3000).map(id_number), st.sampled_from(
    ["110105199003071230", "11010519900307123", "", "810000199003071234", None, 110105]))
mobiles = st.sampled_from(["13800138000", "+86 138-0013-8000", "12345", "", None, 13800138000])
groups = st.sampled_from(["courier", "food_delivery", "nope", ""])
id_types = st.sampled_from(["", "resident", "hmt_permit", None])
consents = st.sampled_from([True, False, "yes", None])
forms = st.builds(lambda n, i, m, g, t, c, extra: {
    **form(1), "name": n, "id_number": i, "mobile": m, "group": g, "id_type": t, "consent": c,
    **extra}, names, ids, mobiles, groups, id_types, consents,
    st.sampled_from([{}, {}, {}, {"gender": "F"}, {"bogus": "1"}, {"union_org": ""}]))


def outcome(validate, f):
    try:
        return validate(f, TODAY)
    except FormError as error:
        return sorted((e.field, e.code) for e in error.errors)


@given(st.lists(forms, min_size=1, max_size=25))
def test_batch_validator_agrees_with_validate_member(batch):
    validator = BatchValidator()
    for f in batch:
        f = {k: v for k, v in f.items() if v is not None or k in ("id_number", "mobile")}
        assert outcome(validator.validate, f) == outcome(validate_member, f)


@given(st.lists(forms, min_size=1, max_size=25))
def test_column_validator_agrees_with_validate_member(batch):
    """accept_columns over a whole batch: the member validate_member returns (or, from the fast
    checks, its ID number, which needs no normalising), or its errors. (Its form is a record's
    INPUT_FIELDS, as the hub's ingest builds it.)"""
    from kiosk.domain.member import INPUT_FIELDS
    batch = [{k: v for k, v in f.items() if v is not None or k in ("id_number", "mobile")}
             for f in batch]
    keys = sorted({k for f in batch for k in f})
    cols = {k: [f.get(k) for f in batch] for k in keys}
    got = BatchValidator().accept_columns(cols, [TODAY] * len(batch))
    for f, result in zip(batch, got):
        form = {k: v for k, v in f.items() if v is not None  # a None in a column: absent
                and k in INPUT_FIELDS}
        expected = outcome(validate_member, form)
        if isinstance(result, str):
            assert not isinstance(expected, list) and result == expected.id_number \
                == f["id_number"]
        elif isinstance(result, Member):
            assert result == expected
        else:
            assert sorted((e.field, e.code) for e in result.errors) == expected
