"""A QR code as inline SVG, drawn on the server: the page needs no image from anywhere, no script,
and the provisioning code never leaves the page's own HTML (not even as an image URL).

The modules come from kiosk.primitives.qr (zxing-cpp's encoder), merged into rectangles, one path.
"""

from __future__ import annotations

from markupsafe import Markup, escape

from kiosk.primitives.qr import QUIET_ZONE, dark_rects, qr_matrix


def qr_svg(text: str, *, label: str, size_px: int = 264) -> Markup:
    """`text` as an SVG QR code `size_px` wide (quiet zone included), titled `label`."""
    matrix = qr_matrix(text)
    side = matrix.size + 2 * QUIET_ZONE
    path = "".join(f"M{x + QUIET_ZONE} {y + QUIET_ZONE}h{w}v{h}h-{w}z"
                   for x, y, w, h in dark_rects(matrix))
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="qr" role="img" '
        f'width="{size_px}" height="{size_px}" viewBox="0 0 {side} {side}" '
        f'shape-rendering="crispEdges" aria-label="{escape(label)}">'
        f'<rect width="{side}" height="{side}" fill="#fff"/>'
        f'<path d="{path}" fill="#000"/></svg>')
