import datetime as dt
import io

import pytest
import zxingcpp
from PIL import Image, ImageChops, ImageDraw

from kiosk.cards import (
    CardClaims, CardFace, Keyring, export_public_keyring, load_keyring, load_or_create_device_key,
    render_card_image, render_card_png, sign_card_token, verify_card_token,
)
from kiosk.cards import layout
from kiosk.primitives.qr import qr_matrix
from kiosk.domain.card_number import format_card_number


@pytest.fixture(scope="module")
def device(tmp_path_factory):
    return load_or_create_device_key(tmp_path_factory.mktemp("keys"))


@pytest.fixture(scope="module")
def public_keyring(device, tmp_path_factory):
    """What a verifier on another machine has: the exported public keyring file, nothing else."""
    path = tmp_path_factory.mktemp("verifier") / "keyring.json"
    return load_keyring(export_public_keyring(Keyring.for_device(device), path))


def face_for(device, name, sequence=42, masked_id=None):
    number = format_card_number("K7A3", sequence)
    token = sign_card_token(CardClaims(number, name, "food_delivery", dt.date(2025, 6, 1),
                                       device.key_id), device)
    return CardFace(name, number, "网约送餐员", "深圳市南山区总工会", dt.date(2025, 6, 1), token,
                    masked_id=masked_id)


def assert_scans(image, token):
    assert [r.text for r in zxingcpp.read_barcodes(image)] == [token]


NAMES = ["张𠮷䶮", "李喆", "王赟堃", "阿不都热依木·买买提",
         "𠮷" * 30, "爱新觉罗·弘历·乌拉那拉·钮祜禄·叶赫那拉"]


@pytest.mark.parametrize("name", NAMES)
def test_card_png_scans_and_verifies_with_public_keys_only(device, public_keyring, name):
    face = face_for(device, name, masked_id="440305********1234")
    image = Image.open(io.BytesIO(render_card_png(face)))
    assert image.size == (1011, 638)
    assert image.info["dpi"] == pytest.approx((300, 300), abs=0.01)
    results = zxingcpp.read_barcodes(image)
    assert [r.text for r in results] == [face.token]
    claims = verify_card_token(results[0].text, public_keyring)
    assert claims.name == name and claims.card_number == face.card_number


@pytest.mark.parametrize("name", NAMES)
def test_qr_modules_are_at_least_half_a_millimetre(device, name):
    matrix = qr_matrix(face_for(device, name).token)
    assert layout.place_qr(matrix).module_px * 25.4 / 300 >= 0.5


def test_header_is_union_red(device):
    face = face_for(device, "李喆")
    image = render_card_image(face).convert("RGB")
    assert_scans(image, face.token)
    assert image.getpixel((500, 5)) == (0xC8, 0x10, 0x2E)
    assert image.getpixel((500, 300)) == (255, 255, 255)


def _glyph(ch, size=96):
    image = Image.new("L", (size * 2, size * 2), 255)
    ImageDraw.Draw(image).text((10, 10), ch, font=layout.font(size), fill=0)
    return image


def test_rare_characters_are_drawn_not_boxes():
    notdef = _glyph("\U0010FFFD")  # a code point no font maps: draws the .notdef box
    ji, yan = _glyph("\U00020BB7"), _glyph("\u4DAE")
    for glyph in (ji, yan):
        assert ImageChops.difference(glyph, notdef).getbbox() is not None
        assert glyph.getbbox() is not None or ImageChops.invert(glyph).getbbox() is not None
    assert ImageChops.difference(ji, yan).getbbox() is not None


def test_rare_name_on_card_differs_from_boxes(device):
    # The same card with the name swapped for unmapped code points must look different.
    real_face, boxes_face = face_for(device, "\U00020BB7\u4DAE"), face_for(device, "\U0010FFFD\U0010FFFD")
    real, boxes = render_card_image(real_face), render_card_image(boxes_face)
    assert_scans(real, real_face.token)
    assert_scans(boxes, boxes_face.token)
    name_area = (56, 160, 560, 270)
    diff = ImageChops.difference(real.convert("L").crop(name_area), boxes.convert("L").crop(name_area))
    assert diff.getbbox() is not None


def test_static_parts_are_drawn_once(device):
    from kiosk.cards import render

    face = face_for(device, "李喆")
    assert_scans(Image.open(io.BytesIO(render_card_png(face))), face.token)
    before = render._band_bytes.cache_info().misses, render._body_template.cache_info().misses
    for seq in range(1, 6):
        face = face_for(device, "王赟堃", seq)
        assert_scans(Image.open(io.BytesIO(render_card_png(face))), face.token)
    after = render._band_bytes.cache_info().misses, render._body_template.cache_info().misses
    assert after == before
