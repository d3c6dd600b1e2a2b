from hypothesis import given, settings, strategies as st

from kiosk.primitives.qr import QUIET_ZONE, dark_rects, dark_runs, qr_image, qr_matrix

ALNUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"


def _cells(rects):
    cells = []
    for x, y, w, h in rects:
        cells += [(x + i, y + j) for i in range(w) for j in range(h)]
    return cells


@settings(max_examples=60)
@given(st.text(alphabet=ALNUM, min_size=1, max_size=300))
def test_rectangles_cover_exactly_the_dark_modules(text):
    m = qr_matrix(text)
    dark = {(x, y) for y in range(m.size) for x in range(m.size) if m.is_dark(x, y)}
    cells = _cells(dark_rects(m))
    assert len(cells) == len(set(cells)) and set(cells) == dark
    assert set(_cells((x, y, w, 1) for x, y, w in dark_runs(m))) == dark
    assert len(dark_rects(m)) <= len(dark_runs(m))


def test_alphanumeric_token_fits_version_6():
    token = "RH:" + "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567" * 4 + "ABCDEFGHIJKLMN"  # 149 characters
    assert qr_matrix(token).size == 41


def test_image_scales_modules_exactly():
    m = qr_matrix("RH:TEST")
    image = qr_image(m, 5)
    assert image.size == ((m.size + 2 * QUIET_ZONE) * 5,) * 2
    offset = QUIET_ZONE * 5
    for y in range(m.size):
        for x in range(m.size):
            expected = 0 if m.is_dark(x, y) else 255
            assert image.getpixel((offset + x * 5, offset + y * 5)) == expected
            assert image.getpixel((offset + x * 5 + 4, offset + y * 5 + 4)) == expected
