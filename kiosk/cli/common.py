"""What the command modules share: opening the kiosk, printing in two languages, masking."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from kiosk.domain import mask_id_number, mask_mobile
from kiosk.i18n import t
from kiosk.service import Kiosk, StoredMember


def open_kiosk(args: argparse.Namespace) -> Kiosk:
    return Kiosk.open(getattr(args, "data_dir", None))


def say(zh: str, en: str, *, err: bool = False) -> None:
    """Print a text already in both languages (an error's messages): Chinese, then English."""
    print(f"{zh}\n{en}", file=sys.stderr if err else sys.stdout)


def say_text(key: str, *, err: bool = False, **values: object) -> None:
    """Print `key` from the tables (kiosk.i18n.t) as `say` does, with `values` filled in."""
    say(t(key, "zh", **values), t(key, "en", **values), err=err)


def bilingual(key: str, sep: str, **values: object) -> str:
    """`key`'s Chinese text, `sep`, then its English text: a prompt or a part of one line."""
    return f"{t(key, 'zh', **values)}{sep}{t(key, 'en', **values)}"


def print_json(obj: Any) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def masked_record(stored: StoredMember) -> dict[str, Any]:
    """A record as shown to an operator: ID and mobile masked."""
    fields = stored.member.to_dict()
    fields["id_number"] = mask_id_number(fields["id_number"])
    fields["mobile"] = mask_mobile(fields["mobile"])
    return {"record_id": stored.record_id, "card_number": stored.card_number,
            "status": stored.status, "created_at": stored.created_at, **fields}
