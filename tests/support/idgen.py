"""Valid identity numbers for tests, computed from the textbook MOD 11-2 table (not our code)."""

from __future__ import annotations

import datetime as dt

WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
CHECK = ["1", "0", "X", "9", "8", "7", "6", "5", "4", "3", "2"]


def check_char(first17: str) -> str:
    return CHECK[sum(int(d) * w for d, w in zip(first17, WEIGHTS)) % 11]


def make_id(region: str = "110105", birth: dt.date = dt.date(1990, 3, 7), seq: int = 123) -> str:
    body = f"{region}{birth:%Y%m%d}{seq:03d}"
    return body + check_char(body)


def valid_form(**overrides: object) -> dict:
    form = {"name": "张三", "id_number": make_id(), "mobile": "13800138000",
            "group": "courier", "union_org": "CN-110105", "channel": "ceremony", "consent": True}
    form.update(overrides)
    return form
