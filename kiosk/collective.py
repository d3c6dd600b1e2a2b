"""Collective enrollment (集体入会): an employer's CSV or XLSX list, a report per row."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from kiosk.domain import DomainError, DuplicateMemberError, FormError
from kiosk.domain.member import DERIVED_FIELDS
from kiosk.service import Kiosk
from kiosk.tabular import COLUMNS, header, rows_to_forms

# Columns an export writes that are not part of a form: ignored on import.
_EXPORT_ONLY = {"card_number", "status", "created_at", "record_id"}


@dataclass
class RowReport:
    row: int
    status: str  # enrolled | already_member | refused
    card_number: str = ""
    errors: list[dict[str, Any]] = field(default_factory=list)


def read_rows(path: Path) -> Iterator[list[Any]]:
    """Rows of the first sheet of an XLSX file, or of a CSV file (UTF-8, with or without BOM,
    or GB18030 as Excel on a Chinese Windows saves it)."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        import openpyxl  # only collective enrollment needs it

        try:
            book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except Exception as error:  # openpyxl raises many types for a bad file
            raise DomainError("import.unreadable") from error
        try:
            for row in book.worksheets[0].iter_rows(values_only=True):
                yield list(row)
        finally:
            book.close()
        return
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise DomainError("import.unreadable")
    yield from csv.reader(io.StringIO(text, newline=""))


def import_members(kiosk: Kiosk, path: Path, *, volunteer: str = "") -> tuple[list[str], list[RowReport]]:
    """Enroll every row (each one durably, on its own) and report on each; nothing stops at a bad row."""
    try:
        unknown, forms = rows_to_forms(read_rows(path))
    except OSError as error:
        raise DomainError("import.unreadable") from error
    if not forms and not unknown:
        raise DomainError("import.no_header")
    reports = []
    for number, form in forms:
        form = {k: v for k, v in form.items() if k not in _EXPORT_ONLY and k not in DERIVED_FIELDS}
        try:
            enrollment = kiosk.enroll(form, channel="collective", volunteer=volunteer)
            reports.append(RowReport(number, "enrolled", enrollment.card_number))
        except DuplicateMemberError as error:
            reports.append(RowReport(number, "already_member", error.card_number))
        except FormError as error:
            reports.append(RowReport(number, "refused", errors=[e.to_dict() for e in error.errors]))
        except DomainError as error:
            reports.append(RowReport(number, "refused", errors=[error.to_dict()]))
    return unknown, reports


def template_csv() -> str:
    """A header row an employer can fill in (UTF-8 with BOM so Excel opens it)."""
    wanted = ("name", "id_number", "mobile", "ethnicity", "education", "political_status",
              "hukou", "group", "employer", "union_org", "consent")
    names = dict(COLUMNS)
    return "\ufeff" + ",".join(header(f, names[f]) for f in wanted) + "\r\n"
