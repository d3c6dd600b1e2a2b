"""Small encodings both ends share: base64url without padding, canonical JSON, hashing."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from typing import Any, Mapping


def b64e(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def b64d(text: str) -> bytes:
    """Decode base64url (padding optional); ValueError for anything else."""
    if not isinstance(text, str) or not text.isascii():
        raise ValueError("not base64url")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise ValueError("not base64url") from None


def canonical_json(obj: Any) -> bytes:
    """The one byte form of `obj` that signatures and body hashes are computed over."""
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


_NEEDS_ESCAPE = re.compile(r'[\x00-\x1f"\\\ud800-\udfff]')


def _value_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def canonical_rows(cols: Mapping[str, list[Any]], n: int) -> list[str]:
    """``canonical_json(body).decode()`` for each of `n` records given column by column (the
    body of record i: ``{k: cols[k][i]}`` without the None values), character for character.

    Built once per column instead of once per record: a column of plain strings (nothing JSON
    escapes) goes into a template as is (a column with one value for all, into the template
    itself); any other column is encoded value by value, the way json.dumps encodes the value
    inside the object. A record with a None falls back to json.dumps of its dict.
    tests/sync/test_protocol.py checks the equality with hypothesis."""
    keys = sorted(cols)
    if not keys:
        return ["{}"] * n
    parts, columns, holes = [], [], set()
    for key in keys:
        column = cols[key]
        name = _value_json(key).replace("%", "%%")
        kinds = set(map(type, column))
        if kinds == {str} and not _NEEDS_ESCAPE.search("".join(column)):
            if n > 1 and column.count(column[0]) == n:  # one value for all: into the template
                parts.append(f'{name}:"{column[0].replace("%", "%%")}"')
            else:
                parts.append(f'{name}:"%s"')
                columns.append(column)
            continue
        if kinds == {bool}:
            if column.count(column[0]) == n:
                parts.append(f"{name}:{'true' if column[0] else 'false'}")
            else:
                parts.append(f"{name}:%s")
                columns.append(["true" if value else "false" for value in column])
            continue
        encoded = []
        for i, value in enumerate(column):
            if value is None:
                holes.add(i)
            encoded.append(_value_json(value))
        parts.append(f"{name}:%s")
        columns.append(encoded)
    template = "{" + ",".join(parts) + "}"
    rows = [template % values for values in zip(*columns)] if columns else \
        [template % ()] * n
    for i in holes:
        rows[i] = _value_json({k: cols[k][i] for k in keys if cols[k][i] is not None})
    return rows


def body_hash(body: dict[str, Any]) -> str:
    """SHA-256 of a record body's canonical JSON: equal hashes mean the same sign-up."""
    return hashlib.sha256(canonical_json(body)).hexdigest()


def to_ranges(numbers: list[int]) -> list[list[int]]:
    """[1,2,3,7,8] -> [[1,3],[7,8]]: receipts list outbox sequence numbers compactly."""
    ranges: list[list[int]] = []
    for n in sorted(set(numbers)):
        if ranges and n == ranges[-1][1] + 1:
            ranges[-1][1] = n
        else:
            ranges.append([n, n])
    return ranges


def from_ranges(ranges: list[list[int]]) -> list[int]:
    out: list[int] = []
    for first, last in ranges:
        out.extend(range(first, last + 1))
    return out
