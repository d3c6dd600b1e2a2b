"""Print PDFs with fpdf2: one card on a CR80 page (card printers), or A4 sheets of 10 cards with
crop marks (office printers).

The layout is the PNG's (kiosk.cards.layout), in millimetres. QR codes are vector rectangles, so
they print sharp at any resolution. The CJK face is embedded as a subset: fpdf2 2.8.9 reads a face
of a .ttc collection directly (``collection_font_number``) and embeds CFF outlines as FontFile3,
so Noto Sans CJK needs no conversion (measured: a one-card PDF is ~5 KB).
"""

from __future__ import annotations

from collections.abc import Iterable

from fpdf import FPDF

from kiosk.cards import layout as L
from kiosk.fonts.cjk import card_font_spec
from kiosk.primitives.qr import dark_rects, qr_matrix
from kiosk.cards.render import CardFace

MM = 25.4 / L.DPI  # millimetres per layout pixel
PT = 72 / L.DPI  # points per layout pixel (font sizes)
FONT = "cjk"
A4_W, A4_H = 210.0, 297.0
SHEET_COLS, SHEET_ROWS = 2, 5
GAP_X, GAP_Y = 6.0, 3.0  # room to cut between cards
CROP_MARK, CROP_OFFSET = 5.0, 1.0  # mark length and distance from the card edge, mm
_SHEET_W = SHEET_COLS * L.WIDTH_MM + (SHEET_COLS - 1) * GAP_X
_SHEET_H = SHEET_ROWS * L.HEIGHT_MM + (SHEET_ROWS - 1) * GAP_Y
SHEET_X0, SHEET_Y0 = (A4_W - _SHEET_W) / 2, (A4_H - _SHEET_H) / 2


def card_pdf(face: CardFace) -> bytes:
    """One card on a CR80 page (85.6 x 54 mm), for card printers."""
    pdf = _new_pdf((L.WIDTH_MM, L.HEIGHT_MM))
    pdf.add_page()
    _draw_card(pdf, face, 0.0, 0.0)
    return bytes(pdf.output())


def sheet_pdf(faces: Iterable[CardFace]) -> bytes:
    """A4 pages of 10 cards (2 x 5) with crop marks; an empty iterable gives one blank page."""
    pdf = _new_pdf("A4")
    slot = 0
    for face in faces:
        if slot % (SHEET_COLS * SHEET_ROWS) == 0:
            pdf.add_page()
            _draw_crop_marks(pdf)
        row, col = divmod(slot % (SHEET_COLS * SHEET_ROWS), SHEET_COLS)
        _draw_card(pdf, face, SHEET_X0 + col * (L.WIDTH_MM + GAP_X),
                   SHEET_Y0 + row * (L.HEIGHT_MM + GAP_Y))
        slot += 1
    if slot == 0:
        pdf.add_page()
    return bytes(pdf.output())


def _new_pdf(page_format) -> FPDF:
    pdf = FPDF(unit="mm", format=page_format)
    pdf.set_auto_page_break(False)
    pdf.set_margin(0)
    pdf.set_creator("Ruhui")
    spec = card_font_spec()
    pdf.add_font(FONT, fname=str(spec.path), collection_font_number=spec.index)
    return pdf


def _text(pdf: FPDF, ox: float, oy: float, item: L.TextItem) -> None:
    pdf.set_font(FONT, size=item.size * PT)
    pdf.text(ox + item.x * MM, oy + item.y * MM, item.text)


def _draw_card(pdf: FPDF, face: CardFace, ox: float, oy: float) -> None:
    red = L.UNION_RED
    pdf.set_fill_color(*red)
    pdf.rect(ox, oy, L.WIDTH_MM, L.HEADER_H * MM, style="F")
    pdf.rect(ox, oy + (L.HEIGHT - L.FOOTER_H) * MM, L.WIDTH_MM, L.FOOTER_H * MM, style="F")
    pdf.set_fill_color(255)
    cx, cy = ox + L.EMBLEM_CX * MM, oy + L.EMBLEM_CY * MM
    pdf.circle(cx, cy, L.EMBLEM_R * MM, style="F")
    pdf.set_text_color(*red)
    pdf.set_font(FONT, size=L.EMBLEM_SIZE * PT)
    # 工 centred: ideographs sit in an em box from -0.12 to 0.88 em around the baseline.
    pdf.text(cx - pdf.get_string_width("工") / 2, cy + 0.38 * L.EMBLEM_SIZE * MM, "工")
    pdf.set_text_color(255)
    _text(pdf, ox, oy, L.TextItem(L.HEADER_X, L.HEADER_BASELINE, L.HEADER_SIZE, face.header))
    _text(pdf, ox, oy, L.TextItem(L.HEADER_X, L.TITLE_BASELINE, L.TITLE_SIZE, face.subtitle()))
    pdf.set_text_color(L.LABEL_GREY)
    for item in L.label_items(face.labels()):
        _text(pdf, ox, oy, item)
    pdf.set_draw_color(160)
    pdf.set_line_width(2 * MM)
    rule_y = oy + (L.ROW_TOP - 24) * MM
    pdf.line(ox + L.MARGIN * MM, rule_y, ox + (L.MARGIN + 64) * MM, rule_y)
    matrix = qr_matrix(face.token)
    qr = L.place_qr(matrix)
    right = L.text_right(qr)
    pdf.set_text_color(0)
    for item in L.name_items(face.name, right) + L.value_items(face.values(), right):
        _text(pdf, ox, oy, item)
    _draw_qr(pdf, dark_rects(matrix), ox + qr.x * MM, oy + qr.y * MM, qr.module_px * MM)


def _draw_qr(pdf: FPDF, rects, x: float, y: float, module: float) -> None:
    """The code as filled rectangles in module units, one path for the whole code.

    fpdf2's rect() would emit one operator with page coordinates per module run (and cost ~10 us a
    call); a single transformation into module space keeps each rectangle a few small integers,
    which halves the compressed size of a 500-card sheet. `_out` is fpdf2's (private) content
    writer; the tests read every QR back from rendered pages, so a change there cannot go unseen.
    """
    k = pdf.k
    ops = " ".join(f"{rx} {ry} {rw} {rh} re" for rx, ry, rw, rh in rects)
    pdf._out(f"q 0 g {module * k:.4f} 0 0 {-module * k:.4f} {x * k:.3f} {(pdf.h - y) * k:.3f} cm "
             f"{ops} f Q")


def _draw_crop_marks(pdf: FPDF) -> None:
    """Short lines in the page margins on every cutting line, clear of the cards."""
    pdf.set_draw_color(0)
    pdf.set_line_width(0.15)
    xs = [SHEET_X0 + c * (L.WIDTH_MM + GAP_X) + dx
          for c in range(SHEET_COLS) for dx in (0, L.WIDTH_MM)]
    ys = [SHEET_Y0 + r * (L.HEIGHT_MM + GAP_Y) + dy
          for r in range(SHEET_ROWS) for dy in (0, L.HEIGHT_MM)]
    top, bottom = SHEET_Y0 - CROP_OFFSET, SHEET_Y0 + _SHEET_H + CROP_OFFSET
    left, right = SHEET_X0 - CROP_OFFSET, SHEET_X0 + _SHEET_W + CROP_OFFSET
    v_len = min(CROP_MARK, SHEET_Y0 - CROP_OFFSET - 1.0)
    for x in xs:
        pdf.line(x, top - v_len, x, top)
        pdf.line(x, bottom, x, bottom + v_len)
    for y in ys:
        pdf.line(left - CROP_MARK, y, left, y)
        pdf.line(right, y, right + CROP_MARK, y)
