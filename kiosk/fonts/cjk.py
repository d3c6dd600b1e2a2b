"""Finding a CJK font that really draws rare name characters (生僻字), and caching it.

Order: the ``RUHUI_FONT`` environment variable (``path`` or ``path#face-index``), Debian's Noto
Sans CJK collection (the Simplified Chinese face, found by its name table, not by a guessed
index), then whatever fontconfig offers for those characters. A candidate counts only when its
cmap maps every character of ``REQUIRED_CHARS``: a font that silently draws boxes for 𠮷 would
print a wrong name on a membership card.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from kiosk.domain.errors import DomainError

ENV_VAR = "RUHUI_FONT"
DEBIAN_NOTO_CJK = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
SC_FAMILY = "Noto Sans CJK SC"
# 𠮷 (Ext B, outside the BMP) and 䶮 (Ext A): fonts commonly lack one or the other.
REQUIRED_CHARS = "\U00020BB7\u4DAE"


@dataclass(frozen=True)
class FontSpec:
    """A font file and the face inside it (non-zero only for .ttc collections)."""

    path: Path
    index: int = 0


def find_cjk_font() -> FontSpec:
    """The font for cards: DomainError('font.missing') when none draws the required characters."""
    for spec in _candidates():
        if font_has_chars(spec, REQUIRED_CHARS):
            return spec
    raise DomainError("font.missing")


def _candidates():
    configured = os.environ.get(ENV_VAR, "").strip()
    if configured:
        # An explicit choice is the only candidate: falling back silently would hide the mistake.
        yield _parse_spec(configured)
        return
    if DEBIAN_NOTO_CJK.exists():
        index = _face_index(DEBIAN_NOTO_CJK, SC_FAMILY)
        if index is not None:
            yield FontSpec(DEBIAN_NOTO_CJK, index)
    found = _fc_match()
    if found is not None:
        yield found


def _parse_spec(text: str) -> FontSpec:
    path, sep, index = text.rpartition("#")
    if sep and index.isdigit():
        return FontSpec(Path(path), int(index))
    return FontSpec(Path(text), 0)


@functools.lru_cache(maxsize=8)
def _face_index(path: Path, family: str) -> int | None:
    from fontTools.ttLib import TTCollection

    try:
        with TTCollection(str(path), lazy=True) as collection:
            for i, font in enumerate(collection.fonts):
                if font["name"].getDebugName(1) == family:
                    return i
    except Exception:  # an unreadable file is simply not a candidate
        return None
    return None


def _fc_match() -> FontSpec | None:
    if shutil.which("fc-match") is None:
        return None
    pattern = ":lang=zh-cn:charset=" + " ".join(f"{ord(ch):x}" for ch in REQUIRED_CHARS)
    try:
        out = subprocess.run(["fc-match", "-f", "%{file}#%{index}", pattern],
                             capture_output=True, text=True, timeout=10, check=False).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return _parse_spec(out.strip()) if out.strip() else None


def font_has_chars(spec: FontSpec, chars: str) -> bool:
    """True when the font's cmap maps every character of `chars` (cached per process)."""
    cmap = _cmap(spec.path, spec.index)
    return all(ord(ch) in cmap for ch in chars)


@functools.lru_cache(maxsize=8)
def _cmap(path: Path, index: int) -> frozenset[int]:
    from fontTools.ttLib import TTFont

    try:
        with TTFont(str(path), fontNumber=index, lazy=True) as font:
            return frozenset(font.getBestCmap() or ())
    except Exception:  # missing, unreadable or not a font: it draws nothing
        return frozenset()


def undrawable(text: str) -> str:
    """The characters of `text` the card font has no glyph for, each once ('' when it draws
    them all). Without any card font this is '': that is 'font.missing', raised where cards are
    made."""
    try:
        spec = card_font_spec()
    except DomainError:
        return ""
    cmap = _cmap(spec.path, spec.index)
    return "".join(dict.fromkeys(ch for ch in text if ord(ch) not in cmap))


@functools.lru_cache(maxsize=1)
def card_font_spec() -> FontSpec:
    """`find_cjk_font()` once per process (the search reads a 20 MB collection)."""
    return find_cjk_font()

