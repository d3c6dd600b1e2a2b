"""The export's files: CSV for Excel and XLSX, one header row of national column names, then one
member a row (sync.hub.national makes the cells).

- CSV: UTF-8 with a byte-order mark, which is how Excel recognises UTF-8 (without it, Chinese
  opens as mojibake in a Chinese Windows locale); CRLF line ends as RFC 4180 has them. Produced
  as a stream of byte chunks, so a download of 100,000 members starts at once and never sits in
  memory. A cell starting with = + - or @ gets a leading apostrophe: Excel would otherwise run
  it as a formula (a name or employer typed as "=HYPERLINK(...)"). Excel shows 18-digit ID
  numbers in a CSV as numbers and drops digits: to look at IDs in Excel, use the XLSX.
- XLSX: openpyxl in write-only mode (rows go to a temporary file as they come, not into a
  workbook in memory), every cell text (ID numbers and dates stay as written). Empty cells are
  left out rather than written empty, which saves a good share of the time. A value starting with
  "=" is written as text, never as a formula.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any, Iterable, Iterator

from sync.hub.national import HEADERS_ZH, MemberRow, national_rows

BOM = "\ufeff"
_FORMULA_START = ("=", "+", "-", "@")
_CHUNK_ROWS = 500


def _csv_safe(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA_START) else value


def csv_chunks(rows: Iterable[list[str]]) -> Iterator[bytes]:
    """The CSV file as UTF-8 byte chunks: BOM and header first, then about 500 rows a chunk."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write(BOM)
    writer.writerow(HEADERS_ZH)
    n = 0
    for row in rows:
        writer.writerow([_csv_safe(v) for v in row])
        n += 1
        if n % _CHUNK_ROWS == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def write_xlsx(rows: Iterable[list[str]], path: Path, sheet: str = "会员信息") -> int:
    """Write the XLSX file at `path`; returns the number of member rows."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    book = Workbook(write_only=True)
    ws = book.create_sheet(sheet)
    ws.append(HEADERS_ZH)

    def as_text(value: str):
        cell = WriteOnlyCell(ws, value)
        cell.data_type = "s"  # openpyxl would make "=..." a formula
        return cell

    n = 0
    for row in rows:
        ws.append([(as_text(v) if v[:1] == "=" else v) if v else None for v in row])
        n += 1
    book.save(path)
    return n


def national_cells(store: Any, member_ids: list[int], full_ids: bool) -> Iterator[list[str]]:
    """The cells of `member_ids` (as an export chose them: store.start_export), streamed from
    the store a chunk at a time."""
    return national_rows(MemberRow(member_id, id_number, card, body, union_name, full_ids)
                         for member_id, id_number, card, body, union_name
                         in store.export_members(member_ids))
