"""The member form and its rules. Standard library only: no UI, no database, no HTTP."""

from kiosk.domain.card_number import format_card_number, is_valid_card_number, normalise_card_number
from kiosk.domain.errors import DomainError, DuplicateMemberError, FieldError, FormError
from kiosk.domain.id_number import IdNumber, mask_id_number, parse_id_number
from kiosk.domain.member import INPUT_FIELDS, Member, validate_member
from kiosk.domain.text_fields import mask_mobile, mask_name

__all__ = [
    "DomainError", "DuplicateMemberError", "FieldError", "FormError", "IdNumber", "INPUT_FIELDS",
    "Member", "format_card_number", "is_valid_card_number", "mask_id_number", "mask_mobile",
    "mask_name",
    "normalise_card_number", "parse_id_number", "validate_member",
]
