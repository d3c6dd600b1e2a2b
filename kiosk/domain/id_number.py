"""Chinese identity numbers (GB 11643-1999) and the permits that share their layout.

All three kinds are 18 characters: 17 digits and a MOD 11-2 check character (0-9 or X).
- resident: a citizen's ID, region code of a mainland province first;
- hmt_permit: residence permit for Hong Kong, Macau or Taiwan residents (810000/820000/830000);
- foreign_permanent: the 2023 foreigners' permanent residence ID: 9, issuing province (2 digits),
  country code (3 digits), then the birth date at positions 7-14 like a citizen's number.

The hub checks batches with an accept-only copy of these rules, fast_checks.fast_id_type: change
a rule here, change it there.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass

from kiosk.domain.errors import FieldError

# ISO 7064 MOD 11-2: position i (1..17 from the left) weighs 2^(18-i) mod 11.
_WEIGHTS = tuple(pow(2, 18 - i, 11) for i in range(1, 18))
_CHECK_CHARS = "10X98765432"  # indexed by (sum of weighted digits) mod 11

# First two digits of a mainland region code (GB/T 2260 provinces).
PROVINCE_CODES = frozenset(
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 "
    "50 51 52 53 54 61 62 63 64 65".split()
)
HMT_PREFIXES = {"810000": "HK", "820000": "MO", "830000": "TW"}
WORKING_AGE = 16


def check_character(first17: str) -> str:
    """The MOD 11-2 check character for 17 digits."""
    total = sum(int(d) * w for d, w in zip(first17, _WEIGHTS))
    return _CHECK_CHARS[total % 11]


@dataclass(frozen=True)
class IdNumber:
    number: str
    id_type: str  # resident | hmt_permit | foreign_permanent
    birth_date: dt.date
    gender: str  # M | F

    @property
    def masked(self) -> str:
        return mask_id_number(self.number)


def mask_id_number(number: str) -> str:
    """First 6 and last 4 characters, the rest as '*' (never log a number in full)."""
    if len(number) <= 10:
        return "*" * len(number)
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


def normalise_id_number(raw: str) -> str:
    """Full-width digits and letters to ASCII, spaces and dashes dropped, x upper-cased."""
    text = unicodedata.normalize("NFKC", raw)
    return "".join(ch for ch in text if not ch.isspace() and ch != "-").upper()


def id_type_of(number: str) -> str:
    if number[:6] in HMT_PREFIXES:
        return "hmt_permit"
    if number[:1] == "9":
        return "foreign_permanent"
    return "resident"


def parse_id_number(raw: str, today: dt.date, field: str = "id_number") -> IdNumber | FieldError:
    """Validate `raw` and derive type, birth date and gender; a FieldError on the first broken rule."""
    number = normalise_id_number(raw)
    if not number:
        return FieldError(field, "required")
    if len(number) == 15 and number.isdigit():
        return FieldError(field, "id_number.legacy_15")
    if len(number) != 18:
        return FieldError(field, "id_number.length")
    if not (number[:17].isascii() and number[:17].isdigit()) or number[17] not in "0123456789X":
        return FieldError(field, "id_number.format")
    id_type = id_type_of(number)
    if id_type == "resident" and number[:2] not in PROVINCE_CODES:
        return FieldError(field, "id_number.region")
    if id_type == "foreign_permanent" and number[1:3] not in PROVINCE_CODES:
        return FieldError(field, "id_number.region")
    try:
        birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return FieldError(field, "id_number.birth_date")
    if birth.year < 1800 or birth > today:  # the standard's own example is born 1880
        return FieldError(field, "id_number.birth_date")
    if check_character(number[:17]) != number[17]:
        return FieldError(field, "id_number.checksum")
    if age_on(birth, today) < WORKING_AGE:
        return FieldError(field, "id_number.too_young")
    gender = "M" if int(number[16]) % 2 else "F"
    return IdNumber(number, id_type, birth, gender)


def age_on(birth: dt.date, today: dt.date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))
