"""The export's files: CSV for Excel and XLSX, one header row of national column names, then one
member a row (sync.hub.national makes the cells).

- CSV: UTF-8 with a byte-order mark, which is how Excel recognises UTF-8 (without it, Chinese
  opens as mojibake in a Chinese Windows locale); CRLF line ends as RFC 4180 has them. Produced
  as a stream of byte chunks, so a download of 100,000 members starts at once and never sits in
  memory. A cell starting with = + - @, a tab or a carriage return gets a leading apostrophe
  (kiosk.primitives.csv_cells, as every CSV the product writes): Excel would otherwise run it
  as a formula (a name or employer typed as "=HYPERLINK(...)"). Excel shows 18-digit ID
  numbers in a CSV as numbers and drops digits: to look at IDs in Excel, use the XLSX.
- XLSX: SpreadsheetML written a row at a time into the zip (never a workbook in memory), every
  cell an inline string (ID numbers and dates stay as written, nothing is ever a formula).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any, Iterable, Iterator

from kiosk.primitives.csv_cells import safe_cell
from sync.hub.national import HEADERS_ZH, MemberRow, national_rows

BOM = "\ufeff"
_CHUNK_ROWS = 500


def csv_chunks(rows: Iterable[list[str]]) -> Iterator[bytes]:
    """The CSV file as UTF-8 byte chunks: BOM and header first, then about 500 rows a chunk."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write(BOM)
    writer.writerow(HEADERS_ZH)
    n = 0
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
        n += 1
        if n % _CHUNK_ROWS == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


# The smallest SpreadsheetML package Excel, WPS and openpyxl open: one sheet, inline strings.
_PARTS = {
    "[Content_Types].xml":
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/'
        'sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.'
        'worksheet+xml"/><Override PartName="/xl/styles.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>',
    "_rels/.rels":
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
    "xl/_rels/workbook.xml.rels":
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" '
        'Target="styles.xml"/></Relationships>',
    "xl/styles.xml":
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<fonts count="1"><font><sz val="11"/><name val="等线"/></font></fonts>'
        '<fills count="2"><fill><patternFill patternType="none"/></fill>'
        '<fill><patternFill patternType="gray125"/></fill></fills>'
        '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
        '</cellStyleXfs><cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" '
        'xfId="0"/></cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" '
        'builtinId="0"/></cellStyles></styleSheet>',
}
_SHEET_START = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                '<sheetData>')
# XML's three escapes, and the characters XML 1.0 cannot hold at all dropped (the member rules
# refuse control characters, but an organisation's name comes from an orgs file).
_XML_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\ufffe": None,
                              "\uffff": None, **{chr(c): None for c in range(32)
                                                  if chr(c) not in "\t\n\r"}})


def _cell(value: str) -> str:
    # Every cell is an inline string: ID numbers keep their 18 digits, dates stay as written,
    # and nothing is ever read as a formula. Cells carry no reference, so an empty one is still
    # written: it keeps the next in its column.
    if not value:
        return "<c/>"
    text = value.translate(_XML_ESCAPES)
    space = ' xml:space="preserve"' if value != value.strip() else ""
    return f'<c t="inlineStr"><is><t{space}>{text}</t></is></c>'


def write_xlsx(rows: Iterable[list[str]], path: Path, sheet: str = "会员信息") -> int:
    """Write the XLSX file at `path`; returns the number of member rows.

    Written directly as SpreadsheetML (a zip of XML parts), a row at a time: openpyxl's
    write-only mode builds an object per cell and took most of an export's time (HUB.md);
    openpyxl still reads every file in the tests."""
    import zipfile

    workbook = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
                f'<sheets><sheet name="{sheet.translate(_XML_ESCAPES)}" sheetId="1" '
                'r:id="rId1"/></sheets></workbook>')
    n = 0
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=3) as package:
        for name, text in _PARTS.items():
            package.writestr(name, text)
        package.writestr("xl/workbook.xml", workbook)
        with package.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as part:
            chunk = [_SHEET_START, "<row>", *map(_cell, HEADERS_ZH), "</row>"]
            for row in rows:
                chunk.append("<row>" + "".join(map(_cell, row)) + "</row>")
                n += 1
                if len(chunk) >= _CHUNK_ROWS:
                    part.write("".join(chunk).encode("utf-8"))
                    chunk.clear()
            chunk.append("</sheetData></worksheet>")
            part.write("".join(chunk).encode("utf-8"))
    return n


def national_cells(store: Any, member_ids: list[int], full_ids: bool) -> Iterator[list[str]]:
    """The cells of `member_ids` (as an export chose them: store.start_export), streamed from
    the store a chunk at a time."""
    return national_rows(MemberRow(member_id, id_number, card, body, union_name, full_ids)
                         for member_id, id_number, card, body, union_name
                         in store.export_members(member_ids))
