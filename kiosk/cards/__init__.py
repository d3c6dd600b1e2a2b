"""Membership cards: the signed QR token, the card image (PNG), print sheets (PDF), printing.

The device key, keyrings and QR matrices are kiosk.primitives (the hub needs them too), the CJK
font kiosk.fonts; the names a card's users need are handed on here.

    token     CardClaims <-> "RH:..." signed token text
    layout    card geometry shared by the PNG and the PDF
    render    CardFace -> PNG / Pillow image
    pdf       one-card PDF, A4 sheets of 10
    printing  lp, or a PDF in a folder
"""

from kiosk.fonts.cjk import FontSpec, find_cjk_font
from kiosk.primitives.keys import (
    DeviceKey, Keyring, export_public_keyring, key_id_of, load_keyring, load_or_create_device_key,
)
from kiosk.cards.pdf import card_pdf, sheet_pdf
from kiosk.cards.printing import PrintOutcome, print_pdf
from kiosk.primitives.qr import QrMatrix, dark_rects, dark_runs, qr_image, qr_matrix
from kiosk.cards.render import CardFace, render_card_image, render_card_png, warm_up
from kiosk.cards.token import CardClaims, CardSigner, sign_card_token, verify_card_token

__all__ = [
    "CardClaims", "CardFace", "CardSigner", "DeviceKey", "FontSpec", "Keyring", "PrintOutcome",
    "QrMatrix", "card_pdf", "dark_rects", "dark_runs", "export_public_keyring", "find_cjk_font",
    "key_id_of", "load_keyring", "load_or_create_device_key", "print_pdf", "qr_image", "qr_matrix",
    "render_card_image", "render_card_png", "sheet_pdf", "sign_card_token", "verify_card_token",
    "warm_up",
]
