"""The member export's columns, in the order of the national import (no I/O, no HTTP here).

The federation hands new members to the 全国工会会员实名制管理系统 (the ACFTU's national real-name
membership system) through its 会员信息导入 (member import) spreadsheet: one header row in Chinese,
one member a row, columns in a fixed order, values written as the Chinese words the system's
drop-down lists use and dates as YYYY-MM-DD. The order below is the one issue 6 gives for that
template (姓名 … 会员卡号); it was not checked against a copy of the official template, which
this project does not have. If the national template changes, or a province's copy differs,
NATIONAL_COLUMNS is the one list to change: the CSV and XLSX writers, the admin page's column
list and the tests all read it.

Each column is (Chinese header, English header, how its value is made from a Member row). Code
fields become the Chinese labels of kiosk.domain.catalog, so what the kiosks store as codes
(README, "Field names") reads in Excel and in the national system as words.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterable, Iterator

from kiosk.domain import catalog, mask_id_number


@dataclass(frozen=True)
class MemberRow:
    """One person as the export sees them: their canonical sign-up's fields (`body`), the hub's
    facts about them, and whether this export may show the ID number in full."""

    member_id: int
    id_number: str
    card_number: str
    body: dict[str, Any]
    union_name: str  # the union organisation's name from the hub's orgs list ('' if unknown)
    full_ids: bool


def _field(name: str) -> Callable[[MemberRow], str]:
    return lambda row: str(row.body.get(name) or "").strip()


def _labelled(name: str, table: tuple[tuple[str, str, str], ...]) -> Callable[[MemberRow], str]:
    # An unknown code is written as it is, not dropped: the importer then shows it to a person.
    def value(row: MemberRow) -> str:
        code = str(row.body.get(name) or "").strip()
        return catalog.label(table, code, "zh") or code
    return value


def _date(name: str) -> Callable[[MemberRow], str]:
    # ISO dates and timestamps start with YYYY-MM-DD; the national system wants just that.
    return lambda row: str(row.body.get(name) or "")[:10]


def _id_number(row: MemberRow) -> str:
    return row.id_number if row.full_ids else mask_id_number(row.id_number)


def _union(row: MemberRow) -> str:
    return row.union_name or str(row.body.get("union_org") or "")


@dataclass(frozen=True)
class Column:
    zh: str
    en: str
    value: Callable[[MemberRow], str]


NATIONAL_COLUMNS: tuple[Column, ...] = (
    Column("姓名", "Name", _field("name")),
    Column("证件类型", "ID type", _labelled("id_type", catalog.ID_TYPES)),
    Column("证件号码", "ID number", _id_number),
    Column("性别", "Gender", _labelled("gender", catalog.GENDERS)),
    Column("出生日期", "Birth date", _date("birth_date")),
    Column("民族", "Ethnicity", _labelled("ethnicity", catalog.ETHNICITIES)),
    Column("政治面貌", "Political status", _labelled("political_status",
                                                 catalog.POLITICAL_STATUSES)),
    Column("学历", "Education", _labelled("education", catalog.EDUCATION_LEVELS)),
    Column("户籍类型", "Household registration", _labelled("hukou", catalog.HUKOU_TYPES)),
    Column("手机号码", "Mobile number", _field("mobile")),
    Column("工作单位", "Employer", _field("employer")),
    Column("职业(新就业形态群体)", "Occupation (new-employment-form group)",
           _labelled("group", catalog.GROUPS)),
    Column("所在工会", "Union", _union),
    Column("入会日期", "Date joined", _date("created_at")),
    Column("入会方式", "How they joined", _labelled("channel", catalog.CHANNELS)),
    Column("会员卡号", "Card number", lambda row: row.card_number),
)
HEADERS_ZH: tuple[str, ...] = tuple(c.zh for c in NATIONAL_COLUMNS)


def national_values(row: MemberRow) -> list[str]:
    """`row` as the national import's cells, in NATIONAL_COLUMNS order ('' for unknown)."""
    return [column.value(row) for column in NATIONAL_COLUMNS]


def national_rows(rows: Iterable[MemberRow]) -> Iterator[list[str]]:
    for row in rows:
        yield national_values(row)
