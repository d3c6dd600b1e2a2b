"""Card rendering figures: the naive baseline against kiosk.cards, measured in one run.

    .venv/bin/python bench/bench_cards.py

Baseline: ``qrcode.make(token)`` (pure Python) pasted on an RGB card that Pillow draws from
scratch (header, labels and all), saved as PNG with default settings. Fonts are loaded once for
the baseline too, so the comparison is about drawing and encoding, not file I/O.
"""

from __future__ import annotations

import datetime as dt
import io
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import qrcode  # noqa: E402
from PIL import Image, ImageDraw  # noqa: E402

from kiosk.cards import (  # noqa: E402
    CardClaims, CardFace, load_or_create_device_key, render_card_png, sheet_pdf, sign_card_token,
)
from kiosk.cards import layout  # noqa: E402
from kiosk.domain.card_number import format_card_number  # noqa: E402
from kiosk.i18n import t  # noqa: E402

CARDS = 400
SHEET_CARDS = 500
NAMES = ["张𠮷䶮", "李喆", "王赟堃", "阿不都热依木·买买提", "欧阳娜娜", "赵堃"]


def make_faces(device, count):
    faces = []
    for seq in range(1, count + 1):
        name = NAMES[seq % len(NAMES)]
        number = format_card_number("K7A3", seq)
        claims = CardClaims(number, name, "courier", dt.date(2025, 6, 1), device.key_id)
        faces.append(CardFace(name, number, "快递员", "深圳市南山区总工会", dt.date(2025, 6, 1),
                              sign_card_token(claims, device)))
    return faces


def baseline_png(face: CardFace) -> bytes:
    card = Image.new("RGB", (layout.WIDTH, layout.HEIGHT), "white")
    draw = ImageDraw.Draw(card)
    draw.rectangle((0, 0, layout.WIDTH, 150), fill=layout.UNION_RED)
    draw.text((150, 30), face.header, font=layout.font(46), fill="white")
    draw.text((150, 90), face.title, font=layout.font(28), fill="white")
    draw.text((56, 170), face.name, font=layout.font(96), fill="black")
    for row, (key, value) in enumerate(zip(layout.LABEL_KEYS, face.values())):
        draw.text((56, 300 + row * 54), t(key), font=layout.font(28), fill="grey")
        draw.text((206, 300 + row * 54), value, font=layout.font(36), fill="black")
    qr = qrcode.make(face.token).get_image().resize((392, 392))
    card.paste(qr, (580, 190))
    out = io.BytesIO()
    card.save(out, "PNG", dpi=(300, 300))
    return out.getvalue()


def timed(fn, items):
    fn(items[0])  # warm caches (fonts, static layers) as a running kiosk has them
    times = []
    for item in items:
        start = time.perf_counter()
        fn(item)
        times.append((time.perf_counter() - start) * 1e3)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.99) - 1]


def main() -> None:
    device = load_or_create_device_key(Path(tempfile.mkdtemp()))
    faces = make_faces(device, CARDS)
    base_med, base_p99 = timed(baseline_png, faces)
    ours_med, ours_p99 = timed(render_card_png, faces)

    def sign_and_render(face):
        claims = CardClaims(face.card_number, face.name, "courier", face.issued, device.key_id)
        return render_card_png(CardFace(face.name, face.card_number, face.group_label,
                                        face.org_label, face.issued, sign_card_token(claims, device)))

    chain_med, chain_p99 = timed(sign_and_render, faces)
    print(f"card PNG, {CARDS} cards (1011x638, 300 dpi)")
    print(f"  baseline (qrcode + naive Pillow, PNG defaults): median {base_med:6.2f} ms   p99 {base_p99:6.2f} ms"
          f"   {len(baseline_png(faces[0])) / 1024:5.1f} KB")
    print(f"  kiosk.cards.render_card_png:                    median {ours_med:6.2f} ms   p99 {ours_p99:6.2f} ms"
          f"   {len(render_card_png(faces[0])) / 1024:5.1f} KB")
    print(f"  speed-up: median x{base_med / ours_med:.1f}   p99 x{base_p99 / ours_p99:.1f}")
    print(f"  sign token + QR + PNG:                          median {chain_med:6.2f} ms   p99 {chain_p99:6.2f} ms")

    sheet_faces = make_faces(device, SHEET_CARDS)
    start = time.perf_counter()
    data = sheet_pdf(sheet_faces)
    seconds = time.perf_counter() - start
    print(f"sheet PDF, {SHEET_CARDS} cards on {-(-SHEET_CARDS // 10)} A4 pages: {seconds:.2f} s, "
          f"{len(data) / 1e6:.2f} MB (targets: <= 3 s, <= 3 MB)")


if __name__ == "__main__":
    main()
