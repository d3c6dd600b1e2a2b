"""kiosk.primitives.fast_json gives what the json module gives, for any input."""

import json

import pytest
from hypothesis import given, settings, strategies as st

from kiosk.primitives import fast_json

scalars = st.one_of(st.none(), st.booleans(), st.integers(-2**70, 2**70), st.text(max_size=12),
                    st.sampled_from(["\ud800", "a\udcff", "\x00\x1f\x7f\u2028", "\ufeff"]))
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=6), inner, max_size=4)),
    max_leaves=20)


def outcome(call, *args, **kwargs):
    try:
        return "ok", call(*args, **kwargs)
    except ValueError:  # JSONDecodeError, UnicodeError
        return "error", "ValueError"
    except TypeError:  # not serialisable
        return "error", "TypeError"


@settings(max_examples=400, deadline=None)
@given(values, st.booleans())
def test_dumps_is_the_standard_librarys(value, sort_keys):
    def standard():
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"),
                          sort_keys=sort_keys).encode("utf-8")
    assert outcome(fast_json.dumps, value, sort_keys=sort_keys) == outcome(standard)


texts = st.one_of(
    values.map(lambda v: json.dumps(v, ensure_ascii=True)),  # valid JSON, escapes and all
    st.text(alphabet='{}[]":,0123456789.eE+-truefalsn \\u\ud800x', max_size=30),
    st.sampled_from(["NaN", "[Infinity]", "1e400", "-0", '{"a":1,"a":2}', "[1,]", " 7 "]))


@settings(max_examples=400, deadline=None)
@given(texts, st.booleans())
def test_loads_is_the_standard_librarys(text, as_bytes):
    data = text.encode("utf-8", "surrogatepass") if as_bytes else text
    got, want = outcome(fast_json.loads, data), outcome(json.loads, data)
    if want[0] == "ok" and isinstance(want[1], float) and want[1] != want[1]:
        assert got[0] == "ok" and got[1] != got[1]  # NaN equals nothing, not even itself
    else:
        assert got == want


def test_dumps_refuses_what_json_refuses():
    with pytest.raises(TypeError):
        fast_json.dumps({"when": object()})
    assert fast_json.dumps({"b": 1, "a": "张"}, sort_keys=True) == '{"a":"张","b":1}'.encode()
