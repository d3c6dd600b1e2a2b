"""What the command modules share: opening the kiosk, printing in two languages, masking."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from kiosk.domain import mask_id_number, mask_mobile
from kiosk.service import Kiosk
from kiosk.storage import StoredMember


def open_kiosk(args: argparse.Namespace) -> Kiosk:
    return Kiosk.open(getattr(args, "data_dir", None))


def say(zh: str, en: str, *, err: bool = False) -> None:
    print(f"{zh}\n{en}", file=sys.stderr if err else sys.stdout)


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
