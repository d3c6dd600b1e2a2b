"""One rule for every CSV cell the product writes: a cell that a spreadsheet would run as a
formula is written with a leading apostrophe.

Excel, WPS and LibreOffice treat a cell starting with = + - or @ as a formula, and one starting
with a tab or carriage return as one too once the blank is stripped; an employer typed as
``=HYPERLINK("http://x","y")`` would otherwise become a live link in the federation's
spreadsheet. The apostrophe shows as nothing in Excel and keeps the text as text. Every other
value is written exactly as before.
"""

from __future__ import annotations

from typing import Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> str:
    """`value` as CSV cell text (None as empty), with a leading apostrophe when it would start
    a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text
