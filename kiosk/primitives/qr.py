"""QR module matrices (zxing-cpp's C++ encoder), as Pillow images or as runs for vector drawing.

zxing-cpp encodes a 150-character token in ~0.4 ms where the pure-Python ``qrcode`` package needs
~8 ms, which matters inside the per-sign-up budget. Error correction level M (15%) survives a
scuffed plastic card and keeps the code one version smaller than Q.
"""

from __future__ import annotations

from dataclasses import dataclass

import zxingcpp
from PIL import Image

QUIET_ZONE = 4  # modules of white around the code, as ISO/IEC 18004 asks


@dataclass(frozen=True)
class QrMatrix:
    """A square of modules: `modules[y * size + x]` is 0 for dark, 255 for light."""

    size: int
    modules: bytes

    def is_dark(self, x: int, y: int) -> bool:
        return self.modules[y * self.size + x] == 0

    def rows(self) -> list[list[bool]]:
        """The modules as rows of booleans (True = dark)."""
        n = self.size
        return [[m == 0 for m in self.modules[y * n:(y + 1) * n]] for y in range(n)]


def qr_matrix(text: str, ec_level: str = "M") -> QrMatrix:
    """Encode `text` (zxing-cpp picks alphanumeric mode when every character allows it)."""
    barcode = zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.QRCode, ec_level=ec_level)
    image = barcode.to_image(scale=1, add_quiet_zones=False)
    view = memoryview(image)
    return QrMatrix(view.shape[0], view.tobytes())


def qr_image(matrix: QrMatrix, module_px: int, quiet_zone: int = QUIET_ZONE) -> Image.Image:
    """An 'L' image (0 dark, 255 light), exactly `module_px` pixels a module, quiet zone around."""
    n = matrix.size
    core = Image.frombytes("L", (n, n), matrix.modules)
    # NEAREST with an integer factor: every module is exactly module_px square, no blur at edges.
    core = core.resize((n * module_px, n * module_px), Image.Resampling.NEAREST)
    if not quiet_zone:
        return core
    side = (n + 2 * quiet_zone) * module_px
    framed = Image.new("L", (side, side), 255)
    framed.paste(core, (quiet_zone * module_px, quiet_zone * module_px))
    return framed


def dark_runs(matrix: QrMatrix) -> list[tuple[int, int, int]]:
    """Horizontal runs of dark modules as (x, y, length): fewer rectangles than modules."""
    n = matrix.size
    runs: list[tuple[int, int, int]] = []
    for y in range(n):
        row = matrix.modules[y * n:(y + 1) * n]
        x = row.find(0)
        while x != -1:
            end = row.find(255, x)
            if end == -1:
                end = n
            runs.append((x, y, end - x))
            x = row.find(0, end)
    return runs


def dark_rects(matrix: QrMatrix) -> list[tuple[int, int, int, int]]:
    """Dark modules as (x, y, width, height) rectangles: the horizontal runs, with a run repeated
    on consecutive rows merged into one taller rectangle (finder patterns shrink the most)."""
    n = matrix.size
    done: list[tuple[int, int, int, int]] = []
    above: dict[tuple[int, int], list[int]] = {}  # (x, width) -> [top y, height], open rectangles
    for y in range(n + 1):  # row n is empty: it closes whatever is still open
        here: dict[tuple[int, int], list[int]] = {}
        row = matrix.modules[y * n:(y + 1) * n]
        x = row.find(0)
        while x != -1:
            end = row.find(255, x)
            end = n if end == -1 else end
            rect = above.pop((x, end - x), None)
            if rect is None:
                rect = [y, 0]
            rect[1] += 1
            here[(x, end - x)] = rect
            x = row.find(0, end)
        done.extend((x, y0, w, h) for (x, w), (y0, h) in above.items())
        above = here
    return done
