"""Where things go on the card face, in pixels at 300 dpi, shared by the PNG and the PDF.

Both renderers take the same decisions (font sizes that fit, name on one or two lines, QR module
size) from here, so a printed card and its PNG look alike. Text sizes are em sizes in pixels; the
PDF converts them to points (x 72/300). Text positions are left-baseline points.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from PIL import ImageFont

from kiosk.fonts.cjk import card_font_spec
from kiosk.primitives.qr import QUIET_ZONE, QrMatrix

WIDTH, HEIGHT = 1011, 638  # CR80, 85.6 x 54 mm at 300 dpi
WIDTH_MM, HEIGHT_MM = 85.6, 54.0
DPI = 300
HEADER_H = 150
FOOTER_H = 14
UNION_RED = (0xC8, 0x10, 0x2E)
LABEL_GREY = 118  # 0 black .. 255 white
MARGIN = 56
QR_BOX = 380  # the most the code itself (quiet zone excluded) may take, in pixels
MIN_MODULE_PX = 6  # 0.51 mm a module: a phone reads it at arm's length
MAX_MODULE_PX = 8
NAME_BASELINE = HEADER_H + 110
ROW_TOP, ROW_STEP = HEADER_H + 162, 54
ROW_BASELINE = 20
VALUE_X = MARGIN + 150
LABEL_SIZE = 28
NAME_SIZES = (96, 84, 72, 60, 52)
NAME_TWO_LINE_SIZES = (48, 42, 36, 32, 28, 24)
VALUE_SIZES = (36, 32, 28, 24)
LABEL_KEYS = ("card.number", "card.group", "card.org", "card.issued")
ID_LABEL_KEY = "card.id"
# Header: an emblem disc with 工, the union's name, the card title.
EMBLEM_CX, EMBLEM_CY, EMBLEM_R = MARGIN + 44, HEADER_H // 2, 46
EMBLEM_SIZE = 58
HEADER_X = EMBLEM_CX + EMBLEM_R + 28
HEADER_BASELINE, HEADER_SIZE = 70, 46
TITLE_BASELINE, TITLE_SIZE = 118, 28


@dataclass(frozen=True)
class TextItem:
    x: int
    y: int  # baseline
    size: int
    text: str


@dataclass(frozen=True)
class QrPlacement:
    x: int  # top-left of the first module (the quiet zone lies outside)
    y: int
    module_px: int


@functools.lru_cache(maxsize=32)
def font(size: int) -> ImageFont.FreeTypeFont:
    """The card font at `size` px; basic layout, since Han, digits and · need no shaping."""
    spec = card_font_spec()
    return ImageFont.truetype(str(spec.path), size, index=spec.index,
                              layout_engine=ImageFont.Layout.BASIC)


def fit_size(text: str, max_width: int, sizes: tuple[int, ...]) -> int:
    """The largest of `sizes` at which `text` fits `max_width` (the smallest when none does)."""
    for size in sizes:
        if font(size).getlength(text) <= max_width:
            return size
    return sizes[-1]


def place_qr(matrix: QrMatrix) -> QrPlacement:
    """Right-hand side of the body, vertically centred; the quiet zone may overlap the margin."""
    module_px = max(MIN_MODULE_PX, min(MAX_MODULE_PX, QR_BOX // matrix.size))
    side = matrix.size * module_px
    body_h = HEIGHT - HEADER_H - FOOTER_H
    return QrPlacement(WIDTH - MARGIN - side, HEADER_H + (body_h - side) // 2, module_px)


def text_right(qr: QrPlacement) -> int:
    """The right edge for text: clear of the QR code's quiet zone."""
    return qr.x - QUIET_ZONE * qr.module_px - 8


def name_items(name: str, right: int) -> list[TextItem]:
    """The member's name, large; long names (up to 30 characters) on two lines."""
    width = right - MARGIN
    size = fit_size(name, width, NAME_SIZES)
    if font(size).getlength(name) <= width:
        return [TextItem(MARGIN, NAME_BASELINE, size, name)]
    first, second = split_name(name)
    size = fit_size(max(first, second, key=len), width, NAME_TWO_LINE_SIZES)
    return [TextItem(MARGIN, NAME_BASELINE - size - 4, size, first),
            TextItem(MARGIN, NAME_BASELINE, size, second)]


def split_name(name: str) -> tuple[str, str]:
    """Two halves, broken after the middle dot nearest the middle when there is one."""
    middle = len(name) // 2
    dots = [i for i, ch in enumerate(name) if ch == "·"]
    cut = min(dots, key=lambda i: abs(i - middle)) + 1 if dots else middle
    return name[:cut], name[cut:]


def label_items(labels: list[str]) -> list[TextItem]:
    return [TextItem(MARGIN, ROW_TOP + row * ROW_STEP + ROW_BASELINE, LABEL_SIZE, text)
            for row, text in enumerate(labels)]


def value_items(values: list[str], right: int) -> list[TextItem]:
    return [TextItem(VALUE_X, ROW_TOP + row * ROW_STEP + ROW_BASELINE,
                     fit_size(value, right - VALUE_X, VALUE_SIZES), value)
            for row, value in enumerate(values)]
