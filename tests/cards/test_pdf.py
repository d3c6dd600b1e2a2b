import datetime as dt
import re
import zlib

import pypdfium2 as pdfium
import pytest
import zxingcpp

from kiosk.cards import (
    CardClaims, CardFace, Keyring, card_pdf, load_or_create_device_key, sheet_pdf, sign_card_token,
    verify_card_token,
)
from kiosk.domain.card_number import format_card_number

NAMES = ["张𠮷䶮", "李喆", "王赟堃", "阿不都热依木·买买提"]


@pytest.fixture(scope="module")
def device(tmp_path_factory):
    return load_or_create_device_key(tmp_path_factory.mktemp("keys"))


def face_for(device, sequence):
    name = NAMES[sequence % len(NAMES)]
    number = format_card_number("K7A3", sequence)
    token = sign_card_token(CardClaims(number, name, "security_guard", dt.date(2025, 6, 1),
                                       device.key_id), device)
    return CardFace(name, number, "保安员", "GH-440300", dt.date(2025, 6, 1), token)


def decoded_pages(pdf_bytes, dpi=200):
    doc = pdfium.PdfDocument(pdf_bytes)
    try:
        pages = []
        for page in doc:
            image = page.render(scale=dpi / 72).to_pil()
            pages.append(sorted(r.text for r in zxingcpp.read_barcodes(image)))
            page.close()
        return pages
    finally:
        doc.close()


def page_texts(pdf_bytes):
    doc = pdfium.PdfDocument(pdf_bytes)
    try:
        return [page.get_textpage().get_text_range() for page in doc]
    finally:
        doc.close()


def test_single_card_pdf_is_cr80_and_scans(device):
    face = face_for(device, 1)
    data = card_pdf(face)
    doc = pdfium.PdfDocument(data)
    width, height = doc[0].get_size()
    doc.close()
    assert (width, height) == pytest.approx((85.6 / 25.4 * 72, 54 / 25.4 * 72), abs=0.1)
    assert decoded_pages(data, dpi=300) == [[face.token]]
    assert face.name in page_texts(data)[0]  # rare characters are real text, not boxes


def test_sheet_of_twelve_has_ten_and_two_cards(device):
    faces = [face_for(device, seq) for seq in range(1, 13)]
    data = sheet_pdf(faces)
    pages = decoded_pages(data)
    assert [len(p) for p in pages] == [10, 2]
    keyring = Keyring([device.public_bytes])
    read = [verify_card_token(token, keyring).card_number for page in pages for token in page]
    assert sorted(read) == sorted(f.card_number for f in faces)


def test_sheet_embeds_a_font_subset_and_draws_qr_as_vectors(device):
    data = sheet_pdf([face_for(device, seq) for seq in range(1, 13)])
    assert b"/Subtype /Image" not in data and b"/Subtype/Image" not in data
    assert re.search(rb"/FontFile[23]? ", data)
    names = re.findall(rb"/BaseFont /([A-Z]{6})\+(\S+)", data)
    assert names and all(b"Noto" in name for _, name in names)
    assert len(data) < 150_000  # a subset, not the 16 MB face
    contents = [zlib.decompress(m) for m in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S)
                if m[:1] == b"x"]
    assert sum(c.count(b" re") for c in contents) > 12 * 100  # QR drawn as rectangles


def test_empty_sheet_is_one_blank_page():
    assert decoded_pages(sheet_pdf([])) == [[]]
