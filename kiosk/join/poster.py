"""The A4 poster for an event: the join QR code, the event's name and three lines of instructions.

The QR code is drawn as vector rectangles (sharp on any printer) at 120 mm, which a phone reads
from two metres; the URL is printed under it for anyone typing it by hand.
"""

from __future__ import annotations

from fpdf import FPDF

from kiosk.fonts.cjk import card_font_spec
from kiosk.primitives.qr import QUIET_ZONE, dark_rects, qr_matrix
from kiosk.i18n import t

A4_W, A4_H = 210.0, 297.0
QR_MM = 120.0
FONT = "cjk"
UNION_RED = (200, 22, 29)


def poster_pdf(url: str, event_name: str) -> bytes:
    """An A4 page (PDF) inviting workers to scan `url` and sign up for `event_name`."""
    pdf = FPDF(unit="mm", format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_margin(0)
    pdf.set_creator("Ruhui")
    pdf.set_title(t("join.poster_title"))
    spec = card_font_spec()
    pdf.add_font(FONT, fname=str(spec.path), collection_font_number=spec.index)
    pdf.add_page()

    pdf.set_fill_color(*UNION_RED)
    pdf.rect(0, 0, A4_W, 42, style="F")
    pdf.set_text_color(255)
    _centred(pdf, 22, 40, t("join.poster_title", "zh"))
    _centred(pdf, 34, 16, t("join.poster_title", "en"))

    pdf.set_text_color(0)
    _centred(pdf, 56, 22, _fit(pdf, event_name, 22, A4_W - 30))

    matrix = qr_matrix(url, ec_level="M")
    module = QR_MM / (matrix.size + 2 * QUIET_ZONE)
    x0 = (A4_W - QR_MM) / 2 + QUIET_ZONE * module
    y0 = 64 + QUIET_ZONE * module
    pdf.set_fill_color(0)
    for x, y, w, h in dark_rects(matrix):
        pdf.rect(x0 + x * module, y0 + y * module, w * module, h * module, style="F")

    y = 64 + QR_MM + 8
    pdf.set_text_color(90)
    _centred(pdf, y, 11, f"{t('join.poster_or_open', 'zh')} {url}")
    y += 14
    pdf.set_text_color(0)
    for step in ("join.poster_step1", "join.poster_step2", "join.poster_step3"):
        pdf.set_font(FONT, size=17)
        pdf.text(22, y, t(step, "zh"))
        pdf.set_text_color(90)
        pdf.set_font(FONT, size=10.5)
        pdf.text(22, y + 6.5, t(step, "en"))
        pdf.set_text_color(0)
        y += 17
    return bytes(pdf.output())


def _centred(pdf: FPDF, baseline: float, size: float, text: str) -> None:
    pdf.set_font(FONT, size=size)
    pdf.text((A4_W - pdf.get_string_width(text)) / 2, baseline, text)


def _fit(pdf: FPDF, text: str, size: float, width: float) -> str:
    """`text`, shortened with an ellipsis when it would not fit on one line."""
    pdf.set_font(FONT, size=size)
    if pdf.get_string_width(text) <= width:
        return text
    while text and pdf.get_string_width(text + "…") > width:
        text = text[:-1]
    return text + "…"
