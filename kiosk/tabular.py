"""Spreadsheet columns: how forms become rows (export) and rows become forms (collective import).

Headers are written as ``中文(field)``; on import a column is recognised by that form, by the
field name alone, or by the Chinese words an employer's list commonly uses. Code fields are
written as their Chinese labels (what people in Excel read) and read back from labels or codes.
"""

from __future__ import annotations

import re
from typing import Any, Iterable

from kiosk.domain import catalog

COLUMNS: tuple[tuple[str, str], ...] = (
    ("card_number", "会员卡号"), ("name", "姓名"), ("id_type", "证件类型"),
    ("id_number", "身份证号"), ("gender", "性别"), ("birth_date", "出生日期"),
    ("mobile", "手机号"), ("ethnicity", "民族"), ("education", "学历"),
    ("political_status", "政治面貌"), ("hukou", "户籍类型"), ("group", "职业群体"),
    ("employer", "工作单位"), ("union_org", "工会组织"), ("channel", "入会方式"),
    ("event", "活动"), ("volunteer", "登记人"), ("consent", "本人同意"),
    ("status", "状态"), ("created_at", "登记时间"), ("record_id", "记录编号"),
)
CODE_TABLES = {
    "ethnicity": catalog.ETHNICITIES, "education": catalog.EDUCATION_LEVELS,
    "political_status": catalog.POLITICAL_STATUSES, "hukou": catalog.HUKOU_TYPES,
    "group": catalog.GROUPS, "channel": catalog.CHANNELS, "id_type": catalog.ID_TYPES,
    "gender": catalog.GENDERS,
}
# Header words seen in employers' lists, beyond our own.
_ALIASES = {
    "身份证号码": "id_number", "证件号码": "id_number", "身份证": "id_number", "证件号": "id_number",
    "手机": "mobile", "手机号码": "mobile", "联系电话": "mobile", "电话": "mobile",
    "户口类型": "hukou", "户籍": "hukou", "群体": "group", "职业": "group", "单位": "employer",
    "平台": "employer", "工作单位或平台": "employer", "同意": "consent", "是否同意": "consent",
    "所属工会": "union_org",
}
_HEADER = re.compile(r"^(?P<zh>[^()（）]*)[(（](?P<field>[a-z_]+)[)）]$")


def header(field: str, zh: str) -> str:
    return f"{zh}({field})"


def field_for_header(text: str) -> str | None:
    """The field a column header names, or None for a column we don't know."""
    text = str(text or "").strip()
    match = _HEADER.match(text)
    if match:
        return match["field"]
    for field, zh in COLUMNS:
        if text in (field, zh):
            return field
    return _ALIASES.get(text)


def to_cell(field: str, value: Any) -> str:
    if field in CODE_TABLES and value:
        return catalog.label(CODE_TABLES[field], str(value)) or str(value)
    if field == "consent":
        return "是" if value else "否"
    return "" if value is None else str(value)


def from_cell(field: str, value: Any) -> Any:
    """A spreadsheet cell as a form value: labels become codes; numbers lose Excel's '.0'."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    table = CODE_TABLES.get(field)
    if table:
        for code, zh, en in table:
            if text in (zh, en, code):
                return code
    return text


def rows_to_forms(rows: Iterable[list[Any]]) -> tuple[list[str], list[tuple[int, dict[str, Any]]]]:
    """(unknown headers, [(row number as in the sheet, form)]) from a header row and data rows."""
    iterator = iter(rows)
    try:
        headers = next(iterator)
    except StopIteration:
        return [], []
    fields = [field_for_header(h) for h in headers]
    unknown = [str(h) for h, f in zip(headers, fields) if f is None and str(h or "").strip()]
    forms = []
    for number, row in enumerate(iterator, start=2):
        if all(str(cell or "").strip() == "" for cell in row):
            continue
        form = {f: from_cell(f, cell) for f, cell in zip(fields, row) if f is not None}
        forms.append((number, form))
    return unknown, forms
