"""The one translation mechanism: ``t(key, lang)`` over one table per face, Chinese and English.

The strings live in assets/i18n (see kiosk.i18n.tables for the format):

    errors.tsv  ``error.<code>``: the one error catalogue (kiosk.domain.errors refuses a code
                with no entry), shared by every face and the sync protocol
    kiosk.tsv   the volunteer screens, the kiosk command line, cards, printing, sync
    phone.tsv   the phone's self-registration page and its poster and link (``join.*``)
    hub.tsv     the hub's admin pages and command line (``admin.*``, ``hub.*``)

The consent notice (``consent.*``) alone stays in code, in kiosk.i18n.consent. Keys are stable;
``{name}`` placeholders are filled with ``str.format``. The files are read once, at first use.
"""

from __future__ import annotations

from collections.abc import Iterator

from kiosk.i18n.consent import CONSENT_TEXTS
from kiosk.i18n.tables import read_tables

LANGUAGES = ("zh", "en")  # the columns served, in the order of each key's texts (t unpacks two)

_texts: dict[str, tuple[str, ...]] | None = None


def _table() -> dict[str, tuple[str, ...]]:
    global _texts
    if _texts is None:  # two threads here at once each read the same table: either serves
        consent = ((key, texts, f"{__name__}.consent") for key, texts in CONSENT_TEXTS.items())
        _texts = read_tables(LANGUAGES, consent)
    return _texts


def t(key: str, lang: str = "zh", **values: object) -> str:
    """The text for `key` in `lang` ('zh' or 'en'; any other: 'zh'), with `values` filled in."""
    try:
        zh, en = _texts[key]  # type: ignore[index]
    except TypeError:  # not read yet (None is not subscriptable)
        zh, en = _table()[key]
    text = en if lang == "en" else zh
    return text.format(**values) if values else text


def has_text(key: str) -> bool:
    """Whether `key` has an entry (an error code, a field's label...)."""
    return key in (_texts if _texts is not None else _table())


def all_texts() -> Iterator[str]:
    """Every text of every table, in every language served (the UI font's character set)."""
    for texts in _table().values():
        yield from texts
