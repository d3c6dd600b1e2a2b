"""Reading the translation tables in assets/i18n (installed as the package kiosk.assets).

Each ``*.tsv`` file is one face's table: UTF-8, a header row ``key<TAB>zh<TAB>en``, then one key a
line with its texts in the header's columns. A text holding a tab, a line break or a backslash
writes it as ``\\t``, ``\\n`` (``\\r``) or ``\\\\``. Another language is another column in the
header (``key zh en mn``): a column the code does not serve yet is only checked for being there.
A spreadsheet's byte-order mark and CRLF line ends are read as if absent.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from importlib.resources import files
from importlib.resources.abc import Traversable

_ESCAPES = {"t": "\t", "n": "\n", "r": "\r", "\\": "\\"}
_ESCAPE = re.compile(r"\\(.?)")


class TranslationTableError(ValueError):
    """A translation file is malformed; the message names the file and the line."""


def table_files() -> list[Traversable]:
    """Every translation file shipped, by name."""
    folder = files("kiosk.assets") / "i18n"
    return sorted((f for f in folder.iterdir() if f.name.endswith(".tsv")), key=lambda f: f.name)


def read_tables(languages: tuple[str, ...],
                more: Iterable[tuple[str, tuple[str, ...], str]] = ()) -> dict[str, tuple[str, ...]]:
    """key -> its texts in `languages` order, from every translation file, then `more` (key,
    texts, where it is defined). TranslationTableError on a key defined twice, in any of them."""
    rows = [row for f in table_files() for row in parse_table(f.read_text("utf-8-sig"), str(f),
                                                               languages)]
    return merge_rows([*rows, *more])


def merge_rows(rows: Iterable[tuple[str, tuple[str, ...], str]]) -> dict[str, tuple[str, ...]]:
    """key -> texts of (key, texts, where) rows; TranslationTableError on a key seen twice."""
    texts: dict[str, tuple[str, ...]] = {}
    defined_at: dict[str, str] = {}
    for key, row, where in rows:
        if key in texts:
            raise TranslationTableError(f"{where}: key {key!r} is already defined at "
                                        f"{defined_at[key]}")
        texts[key], defined_at[key] = row, where
    return texts


def parse_table(text: str, source: str,
                languages: tuple[str, ...]) -> Iterator[tuple[str, tuple[str, ...], str]]:
    """(key, texts in `languages` order, "source, line N") for each row of one file's `text`."""
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()  # the last line's own line end
    lines = [line.removesuffix("\r") for line in lines]
    header = lines[0].split("\t") if lines else []
    missing = [lang for lang in languages if lang not in header[1:]]
    if not header or header[0] != "key" or missing or len(set(header)) != len(header):
        raise TranslationTableError(
            f"{source}, line 1: the header must be 'key' and then one column per language, "
            f"each once, with at least {', '.join(languages)} (found {header!r})")
    columns = [header.index(lang) for lang in languages]
    for number, line in enumerate(lines[1:], start=2):
        where = f"{source}, line {number}"
        cells = line.split("\t")
        if len(cells) != len(header):
            raise TranslationTableError(
                f"{where}: {len(cells)} column(s) where the header has {len(header)} "
                f"({', '.join(header)})")
        key = cells[0]
        if not key or key != key.strip():
            raise TranslationTableError(f"{where}: the key is empty or has spaces around it")
        row = tuple(_unescape(cells[i], where) for i in columns)
        for lang, value in zip(languages, row):
            if not value:
                raise TranslationTableError(f"{where}: key {key!r} has no {lang} text")
        yield key, row, where


def _unescape(cell: str, where: str) -> str:
    if "\\" not in cell:
        return cell

    def one(match: re.Match[str]) -> str:
        if match.group(1) not in _ESCAPES:
            raise TranslationTableError(f"{where}: unknown escape {match.group(0)!r} "
                                        "(write a backslash as \\\\)")
        return _ESCAPES[match.group(1)]

    return _ESCAPE.sub(one, cell)
