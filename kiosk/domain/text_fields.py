"""Normalising and checking the free-text fields: names, mobile numbers, short texts.

The hub checks batches with accept-only copies of the name and mobile rules (fast_checks): change a
rule here, change its copy there.
"""

from __future__ import annotations

import re
import unicodedata

from kiosk.domain.errors import FieldError

NAME_MAX = 30
MIDDLE_DOT = "\u00b7"
# What people and input methods type for the middle dot of minority names (·).
_DOT_VARIANTS = "\u2022\u2027\u30fb\uff65\u2219\u22c5\u00b7\uff0e\u0387\u16eb\u2e31"
_MOBILE = re.compile(r"1[3-9]\d{9}")
_MARKUP = set("<>&\"'`\\{}[]$;")


def _is_han(ch: str) -> bool:
    return unicodedata.name(ch, "").startswith(("CJK UNIFIED IDEOGRAPH", "CJK COMPATIBILITY IDEOGRAPH")) \
        or ch == "\u3007"  # 〇 appears in real names


def _is_name_char(ch: str) -> bool:
    """Han (rare ones too), or a letter or combining mark of any script (minority and foreign names)."""
    if _is_han(ch):
        return True
    category = unicodedata.category(ch)
    return category in ("Lu", "Ll", "Lt", "Lo", "Lm", "Mn", "Mc")


def normalise_name(raw: str) -> str:
    text = raw.strip()
    text = "".join(MIDDLE_DOT if ch in _DOT_VARIANTS else ch for ch in text)
    text = re.sub(r"\s*·\s*", MIDDLE_DOT, text)
    text = re.sub(r"\s+", " ", text)  # foreign names keep single spaces between words
    return text


def check_name(raw: str, field: str = "name") -> str | FieldError:
    name = normalise_name(raw)
    if not name:
        return FieldError(field, "required")
    if len(name) > NAME_MAX:
        return FieldError(field, "name.too_long")
    if name[0] == MIDDLE_DOT or name[-1] == MIDDLE_DOT or MIDDLE_DOT * 2 in name:
        return FieldError(field, "name.invalid_char")
    for ch in name:
        if ch not in (MIDDLE_DOT, " ") and not _is_name_char(ch):
            return FieldError(field, "name.invalid_char")
    if " " in name and any(_is_han(ch) for ch in name):
        return FieldError(field, "name.invalid_char")  # a Han name has no spaces inside
    return name


def normalise_mobile(raw: str) -> str:
    text = unicodedata.normalize("NFKC", raw)
    text = re.sub(r"[\s\-()（）.]", "", text)
    for prefix in ("+86", "0086"):
        if text.startswith(prefix):
            text = text[len(prefix):]
    if len(text) == 13 and text.startswith("86"):
        text = text[2:]
    return text


def check_mobile(raw: str, field: str = "mobile") -> str | FieldError:
    mobile = normalise_mobile(raw)
    if not mobile:
        return FieldError(field, "required")
    if not _MOBILE.fullmatch(mobile):
        return FieldError(field, "mobile.invalid")
    return mobile


def check_short_text(raw: str, field: str, max_len: int) -> str | FieldError:
    """Free text such as employer or event: trimmed, no control characters or markup."""
    text = re.sub(r"\s+", " ", unicodedata.normalize("NFC", raw)).strip()
    if len(text) > max_len:
        return FieldError(field, "text.too_long")
    for ch in text:
        if ch in _MARKUP or unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn"):
            return FieldError(field, "text.invalid_char")
    return text


def mask_name(name: str) -> str:
    """张*明 for a big screen: first and last character kept, the middle hidden."""
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def mask_mobile(mobile: str) -> str:
    """139****5678 for a listing: the carrier's three digits and the last four kept."""
    return mobile[:3] + "****" + mobile[-4:] if len(mobile) == 11 else "*" * len(mobile)
