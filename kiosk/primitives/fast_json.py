"""JSON on the hot paths: orjson where it can, the standard library where it cannot.

A sign-up encodes its body once and a sync round decodes and re-encodes every row it sends:
orjson does each about 3x (decoding) to 10x (encoding) faster than the ``json`` module. Results
are the standard library's, byte for byte: orjson is asked first, with the options that make it
refuse whatever it would treat differently (subclasses, dataclasses, dates), and what it
refuses (lone surrogates, integers past 64 bits, NaN, UTF-16 input, ...) goes to ``json``, which
accepts it or raises as before. orjson reads an integer past 64 bits as a float, so a document in
which it found any float is read again by ``json`` (ours hold none). Encoding floats is the one
difference left (1e16 vs 1e+16): nothing encoded here holds any. tests/domain/test_fast_json.py holds
both to this with hypothesis.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

_STRICT = (orjson.OPT_PASSTHROUGH_SUBCLASS | orjson.OPT_PASSTHROUGH_DATACLASS
           | orjson.OPT_PASSTHROUGH_DATETIME)


def loads(data: str | bytes) -> Any:
    """``json.loads(data)``."""
    try:
        doc = orjson.loads(data)
    except orjson.JSONDecodeError:
        return json.loads(data)
    return json.loads(data) if _has_float(doc) else doc


def _has_float(value: Any) -> bool:
    kind = type(value)
    if kind is dict:
        value = value.values()
    elif kind is not list:
        return kind is float
    kinds = set(map(type, value))
    if float in kinds:
        return True
    return (dict in kinds or list in kinds) and any(map(_has_float, value))


def dumps(obj: Any, *, sort_keys: bool = False) -> bytes:
    """``json.dumps(obj, ensure_ascii=False, separators=(",", ":"), sort_keys=sort_keys)``
    as UTF-8."""
    try:
        return orjson.dumps(obj, option=_STRICT | orjson.OPT_SORT_KEYS if sort_keys else _STRICT)
    except TypeError:  # orjson.JSONEncodeError is a TypeError
        return json.dumps(obj, ensure_ascii=False, separators=(",", ":"),
                          sort_keys=sort_keys).encode("utf-8")
