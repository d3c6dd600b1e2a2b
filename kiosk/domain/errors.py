"""Errors of the domain, each with a stable code and a message in Chinese and English.

    Exception
     └── DomainError          code, message_zh, message_en
          ├── FormError       .errors: every FieldError of one form, reported at once
          ├── DuplicateMemberError  the ID number is already enrolled; .card_number
          └── (others raised by storage/cards with their own codes)

Each code has its messages under ``error.<code>`` in the one error catalogue, kiosk.i18n's
assets/i18n/errors.tsv.
"""

from __future__ import annotations

from dataclasses import dataclass, field as dc_field

from kiosk.i18n import has_text, t


def _check_code(code: str) -> str:
    if not has_text(f"error.{code}"):
        raise KeyError(f"error code {code!r} has no entry in kiosk.i18n (assets/i18n/errors.tsv)")
    return code


class _Messages:
    """The Chinese and English messages of `code` (with `params`) from the one table."""

    code: str
    params: dict

    @property
    def message_zh(self) -> str:
        return t(f"error.{self.code}", "zh", **self.params)

    @property
    def message_en(self) -> str:
        return t(f"error.{self.code}", "en", **self.params)


@dataclass(frozen=True)
class FieldError(_Messages):
    """One rule a field broke."""

    field: str
    code: str
    params: dict = dc_field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        _check_code(self.code)

    def to_dict(self) -> dict:
        return {"field": self.field, "code": self.code,
                "message_zh": self.message_zh, "message_en": self.message_en}


class DomainError(_Messages, Exception):
    """An error a person can act on: a stable code and a message in both languages."""

    def __init__(self, code: str, **params: object) -> None:
        self.code = _check_code(code)
        self.params = params
        super().__init__(f"{code}: {self.message_en}")

    def to_dict(self) -> dict:
        return {"code": self.code, "message_zh": self.message_zh, "message_en": self.message_en}


class FormError(DomainError):
    """A form broke one or more rules; all of them are in ``errors``."""

    def __init__(self, errors: list[FieldError]) -> None:
        self.errors = list(errors)
        super().__init__(errors[0].code, **errors[0].params)

    def for_field(self, name: str) -> list[FieldError]:
        return [e for e in self.errors if e.field == name]


class DuplicateMemberError(DomainError):
    """The ID number is already enrolled on this device."""

    def __init__(self, card_number: str, record_id: str) -> None:
        self.card_number = card_number
        self.record_id = record_id
        super().__init__("duplicate_member", card_number=card_number)
