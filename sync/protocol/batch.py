"""The batch: what a kiosk sends, before compression and encryption.

A batch is a JSON object whose items are grouped by kind and stored column by column, so that
each field's values sit next to each other (``"group": ["courier", "courier", ...]``) and the
compressor finds the repetition. Figures in PROTOCOL.md §3: columnar JSON + gzip is about 20%
smaller than the same records as a list of objects.

    {"v": 1, "device": 12, "batch": "<32 hex>", "made_at": "2026-...",
     "groups": [{"kind": "member.created", "seq": [101, 102, ...],
                 "cols": {"record_id": ["...", ...], "name": [...], ...}}, ...]}

``seq`` is the kiosk's outbox sequence number: unique per device, increasing, the key the receipt
answers by. A value a record does not have is ``null`` in its column and absent after decoding.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable

from kiosk.primitives import fast_json

from sync.protocol.problems import ProblemError

BATCH_VERSION = 1
KINDS = ("member.created", "member.corrected", "member.voided")
MAX_ITEMS = 5000


@dataclass(frozen=True)
class Item:
    """One outbox row: its sequence number on the device, its kind, the record it is about."""

    seq: int
    kind: str
    body: dict[str, Any]

    @property
    def record_id(self) -> str:
        return str(self.body.get("record_id", ""))


@dataclass(frozen=True)
class Batch:
    device: int
    batch_id: str  # 32 lowercase hex characters
    made_at: str
    items: tuple[Item, ...] = field(default_factory=tuple)

    def to_json(self) -> bytes:
        by_kind: dict[str, list[Item]] = {kind: [] for kind in KINDS}
        for item in self.items:
            if item.kind in by_kind:
                by_kind[item.kind].append(item)
        groups = []
        for kind in KINDS:  # created before corrected before voided keeps each record's history
            items = by_kind[kind]
            if items:
                groups.append({"kind": kind, "seq": [i.seq for i in items],
                               "cols": _columns([i.body for i in items])})
        doc = {"v": BATCH_VERSION, "device": self.device, "batch": self.batch_id,
               "made_at": self.made_at, "groups": groups}
        return fast_json.dumps(doc)

    @classmethod
    def from_json(cls, data: bytes) -> "Batch":
        """Parse and check the shape; ProblemError('malformed' | 'unsupported_version')."""
        return parse_columns(data).to_batch()


@dataclass(frozen=True)
class Group:
    """One group of a batch as it travels: a kind, the items' seqs, and one list per field
    (``None`` where an item has no such field). Shape checked by ``parse_columns``."""

    kind: str
    seq: list[int]
    cols: dict[str, list[Any]]

    def items(self) -> list[Item]:
        names = list(self.cols)
        columns = [self.cols[k] for k in names]
        items = []
        for i, seq in enumerate(self.seq):
            body = {}
            for name, values in zip(names, columns):
                value = values[i]
                if value is not None:
                    body[name] = value
            items.append(Item(seq, self.kind, body))
        return items


@dataclass(frozen=True)
class ColumnarBatch:
    """A parsed batch still in columns: what the hub works on (no dict per record)."""

    device: int
    batch_id: str
    made_at: str
    groups: tuple[Group, ...]

    def to_batch(self) -> Batch:
        items = [item for group in self.groups for item in group.items()]
        items.sort(key=lambda i: (KINDS.index(i.kind) if i.kind in KINDS else 99, i.seq))
        return Batch(self.device, self.batch_id, self.made_at, tuple(items))


def parse_columns(data: bytes) -> ColumnarBatch:
    """Parse and check the shape, keeping the columns; ProblemError('malformed' |
    'unsupported_version' | 'too_large')."""
    try:
        doc = fast_json.loads(data)
    except (UnicodeDecodeError, ValueError):
        raise ProblemError("malformed", reason="json") from None
    except RecursionError:  # nested past the parser's depth: a batch is 5 levels deep at most
        raise ProblemError("malformed", reason="depth") from None
    if not isinstance(doc, dict):
        raise ProblemError("malformed", reason="not an object")
    if doc.get("v") != BATCH_VERSION:
        raise ProblemError("unsupported_version", version=str(doc.get("v"))[:20])
    device, batch_id, made_at, groups = (doc.get(k) for k in ("device", "batch", "made_at",
                                                               "groups"))
    if not (_is_int(device) and isinstance(batch_id, str) and _is_hex32(batch_id)
            and isinstance(made_at, str) and isinstance(groups, list)):
        raise ProblemError("malformed", reason="header")
    parsed: list[Group] = []
    count = 0
    for group in groups:
        parsed.append(_parse_group(group))
        count += len(parsed[-1].seq)
        if count > MAX_ITEMS:
            raise ProblemError("too_large", max_items=MAX_ITEMS)
    return ColumnarBatch(device, batch_id, made_at[:40], tuple(parsed))


def _columns(bodies: list[dict[str, Any]]) -> dict[str, list[Any]]:
    """Each field's values in item order, fields sorted; None where an item lacks the field."""
    keys = list(bodies[0])
    if keys == sorted(keys) and all(list(body) == keys for body in bodies):
        # The usual case (the outbox keeps bodies as sorted JSON): transpose in one go.
        return dict(zip(keys, map(list, zip(*[body.values() for body in bodies]))))
    keys = sorted({k for body in bodies for k in body})
    return {k: [body.get(k) for body in bodies] for k in keys}


def make_items(rows: Iterable[dict[str, Any]]) -> tuple[Item, ...]:
    """Outbox rows (id, kind, body) as batch items."""
    return tuple(Item(int(r["id"]), r["kind"], r["body"]) for r in rows)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2**53


def _all_ints(values: list[Any]) -> bool:
    """Every value passes _is_int (checked per type first: a list of 1,000 costs ~20 us)."""
    return not values or (set(map(type, values)) == {int}
                          and 0 <= min(values) and max(values) < 2**53)


def _is_hex32(text: str) -> bool:
    return len(text) == 32 and all(c in "0123456789abcdef" for c in text)


def _parse_group(group: Any) -> Group:
    if not isinstance(group, dict):
        raise ProblemError("malformed", reason="group")
    kind, seqs, cols = group.get("kind"), group.get("seq"), group.get("cols")
    if not (isinstance(kind, str) and isinstance(seqs, list) and isinstance(cols, dict)
            and _all_ints(seqs)):
        raise ProblemError("malformed", reason="group")
    n = len(seqs)
    if len(set(seqs)) != n:
        raise ProblemError("malformed", reason="repeated seq")
    for values in cols.values():
        if not isinstance(values, list) or len(values) != n:
            raise ProblemError("malformed", reason="column length")
        if not _SCALARS.issuperset(map(type, values)):  # a record is flat: no list, no object
            raise ProblemError("malformed", reason="nested value")
    return Group(kind[:40], seqs, cols)


_SCALARS = frozenset({str, int, float, bool, type(None)})
