"""Chinese glyphs for the Flutter client, cut from the system's Noto Sans CJK SC, never downloaded.

Three kinds of font file, all made once with fontTools and cached on disk:

- **UI font** (``Ruhui Sans``, ~70 KB): every character of the translation table and the code
  lists, plus ASCII. Listed in Flutter's FontManifest, so it is loaded before the first frame
  and set as the theme font: the screens never show a box, whatever the volunteer types.
- **Fallback slices**: with ``no_cdn`` Flutter asks ``assets/fonts/`` for Google's Noto slices
  (``notosanssc/v37/….N.woff2`` and the JP/KR/HK ones), only for characters on screen that the
  theme font lacks (other names). We answer each with the code points Flutter's own table maps
  to that slice, cut from Noto Sans CJK SC: a name costs a few slices of ~25 KB.
- **Rare chunks** (``Ruhui Rare N``): about 9,900 code points of Noto Sans CJK SC (most of CJK
  Ext A, e.g. 䶮) are in no slice Flutter knows, so fallback alone would draw boxes. They are cut
  into chunks of ``RARE_CHUNK`` code points; a page registers a chunk (``page.fonts``) only when
  a name on screen needs it, and name-bearing text lists the chunk families as fallbacks.
"""

from __future__ import annotations

import bisect
import functools
import hashlib
import io
import re
import threading
from dataclasses import dataclass
from pathlib import Path

from kiosk.fonts.cjk import FontSpec, card_font_spec

UI_FAMILY = "Ruhui Sans"
RARE_FAMILY = "Ruhui Rare"
RARE_CHUNK = 512
FONT_FORMAT_VERSION = "1"  # bump when the subsetting below changes


def ui_characters() -> str:
    """Every character the screens can show from our own tables (not what people type)."""
    from kiosk.domain import catalog
    from kiosk.i18n import all_texts

    chars = {chr(c) for c in range(0x20, 0x7F)}
    chars.update("·×—–…“”‘’、。，：；！？（）《》【】「」％＋－／＊●○■□★☆✓✔✕←→↑↓…·￥")
    chars.update("0123456789０１２３４５６７８９")
    for text in all_texts():
        chars.update(text)
    tables = (catalog.GROUPS, catalog.ETHNICITIES, catalog.EDUCATION_LEVELS,
              catalog.POLITICAL_STATUSES, catalog.HUKOU_TYPES, catalog.CHANNELS,
              catalog.ID_TYPES, catalog.GENDERS)
    for table in tables:
        for _, zh, en in table:
            chars.update(zh)
            chars.update(en)
    for platform in catalog.PLATFORM_SUGGESTIONS:
        chars.update(platform)
    return "".join(sorted(ch for ch in chars if ch.isprintable()))


@dataclass(frozen=True)
class FallbackTable:
    """Flutter's fallback fonts (name, relative url) and the code points it maps to each."""

    fonts: tuple[tuple[str, str], ...]
    boundaries: tuple[int, ...]
    values: tuple[int, ...]
    components: tuple[tuple[int, ...], ...]

    @classmethod
    def from_main_dart_js(cls, text: str) -> "FallbackTable":
        """Decode the table compiled into main.dart.js (format of Flutter's noto_font_encoding)."""
        fonts = tuple(re.findall(r'A\.z\("(Noto [^"]+)","([^"]+\.woff2?)"\)', text))
        sets = re.findall(r'"([a-z0-9,]{2000,})"', text)
        ranges = re.findall(r'"([A-Za-z0-9]{5000,})"', text)
        if not fonts or len(sets) != 1 or len(ranges) != 1:
            raise ValueError("Flutter's fallback font table was not found in main.dart.js")
        components = tuple(_decode_font_set(s) for s in sets[0].split(","))
        boundaries, values = _decode_ranges(ranges[0])
        return cls(fonts, tuple(boundaries), tuple(values), components)

    def fonts_for(self, code_point: int) -> list[int]:
        i = bisect.bisect_right(self.boundaries, code_point)
        return list(self.components[self.values[i]])

    def code_points_by_font(self, among: set[int]) -> dict[int, list[int]]:
        """For each fallback font index, the code points of `among` Flutter would load it for."""
        result: dict[int, list[int]] = {}
        for cp in sorted(among):
            for index in self.fonts_for(cp):
                result.setdefault(index, []).append(cp)
        return result


def _decode_font_set(data: str) -> tuple[int, ...]:
    result, previous, prefix = [], -1, 0
    for ch in data:
        code = ord(ch)
        if 97 <= code < 123:  # a font index digit
            index = previous + prefix * 26 + (code - 97) + 1
            result.append(index)
            previous, prefix = index, 0
        else:  # a decimal prefix digit
            prefix = prefix * 10 + (code - 48)
    return tuple(result)


def _decode_ranges(data: str) -> tuple[list[int], list[int]]:
    boundaries, values = [], []
    start, prefix, size = 0, 0, 1
    for ch in data:
        code = ord(ch)
        if 65 <= code < 91:  # a value: ends a range
            start += size
            boundaries.append(start)
            values.append(prefix * 26 + (code - 65))
            prefix, size = 0, 1
        elif 97 <= code < 123:  # a range size
            size = prefix * 26 + (code - 97) + 2
            prefix = 0
        else:
            prefix = prefix * 10 + (code - 48)
    if start != 0x110000:
        raise ValueError(f"bad fallback range table size {start}")
    return boundaries, values


class WebFonts:
    """Makes and caches the font files; thread-safe, each file built at most once."""

    def __init__(self, cache_dir: Path, main_dart_js: Path, spec: FontSpec | None = None) -> None:
        self.spec = spec or card_font_spec()
        self.dir = cache_dir / f"fonts-v{FONT_FORMAT_VERSION}"
        self._main_dart_js = main_dart_js
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    @functools.cached_property
    def cmap(self) -> frozenset[int]:
        from fontTools.ttLib import TTFont

        with TTFont(str(self.spec.path), fontNumber=self.spec.index, lazy=True) as font:
            return frozenset(font.getBestCmap())

    @functools.cached_property
    def table(self) -> FallbackTable:
        return FallbackTable.from_main_dart_js(self._main_dart_js.read_text(encoding="utf-8"))

    @functools.cached_property
    def _slices(self) -> dict[str, list[int]]:
        """Slice url (as Flutter asks for it) -> code points of our font it should carry."""
        by_font = self.table.code_points_by_font(set(self.cmap))
        return {self.table.fonts[i][1]: cps for i, cps in by_font.items()}

    @functools.cached_property
    def rare_code_points(self) -> tuple[int, ...]:
        """Han (and other) code points our font has that no fallback slice carries."""
        return tuple(cp for cp in sorted(self.cmap)
                     if cp >= 0x2E80 and not self.table.fonts_for(cp))

    def rare_chunks_for(self, text: str) -> list[int]:
        """The rare chunk numbers `text` needs (empty for ordinary names)."""
        rare = self.rare_code_points
        chunks = set()
        for ch in text:
            i = bisect.bisect_left(rare, ord(ch))
            if i < len(rare) and rare[i] == ord(ch):
                chunks.add(i // RARE_CHUNK)
        return sorted(chunks)

    def rare_chunk_count(self) -> int:
        return (len(self.rare_code_points) + RARE_CHUNK - 1) // RARE_CHUNK

    # --- files ------------------------------------------------------------------------------
    @functools.cached_property
    def ui_font_name(self) -> str:
        """'ruhui-ui-<hash>.woff2': a new name whenever the table's characters change, because
        font files are cached by browsers for a year."""
        digest = hashlib.sha1(f"{FONT_FORMAT_VERSION}:{ui_characters()}".encode()).hexdigest()
        return f"ruhui-ui-{digest[:12]}.woff2"

    def ui_font(self) -> Path:
        return self._build(self.ui_font_name, lambda: [ord(c) for c in ui_characters()
                                                       if ord(c) in self.cmap])

    def rare_chunk(self, number: int) -> Path | None:
        if not 0 <= number < self.rare_chunk_count():
            return None
        chunk = self.rare_code_points[number * RARE_CHUNK:(number + 1) * RARE_CHUNK]
        return self._build(f"rare-{number}.woff2", lambda: list(chunk))

    def fallback_slice(self, url: str) -> Path | None:
        """The file for a Flutter fallback request such as 'notosanssc/v37/….4.woff2'."""
        cps = self._slices.get(url)
        if cps is None:
            return None
        name = "slice-" + re.sub(r"[^A-Za-z0-9._-]", "_", url)
        return self._build(name, lambda: cps)

    def is_fallback_url(self, url: str) -> bool:
        return url in {u for _, u in self.table.fonts}

    def _build(self, name: str, code_points) -> Path:
        target = self.dir / name
        if target.exists():
            return target
        with self._guard:
            lock = self._locks.setdefault(name, threading.Lock())
        with lock:
            if not target.exists():
                data = subset_woff2(self.spec, code_points())
                self.dir.mkdir(parents=True, exist_ok=True)
                tmp = target.with_name(f".{name}.{threading.get_ident()}.tmp")
                tmp.write_bytes(data)
                tmp.replace(target)  # atomic: another process may build the same file
        return target


def subset_woff2(spec: FontSpec, code_points: list[int]) -> bytes:
    """A woff2 font with only `code_points` of `spec` (no hinting, no layout features)."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    options = subset.Options()
    options.flavor = "woff2"
    options.layout_features = []
    options.hinting = False
    options.name_IDs = [1, 2]  # keep the family name, drop the rest
    with TTFont(str(spec.path), fontNumber=spec.index) as font:
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=code_points)
        subsetter.subset(font)
        out = io.BytesIO()
        font.flavor = "woff2"
        font.save(out)
    return out.getvalue()
