"""`kiosk card`, `kiosk sheet`, `kiosk verify`: show, print and check membership cards."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

from kiosk.cards import card_pdf, load_keyring, print_pdf, sheet_pdf
from kiosk.cli.common import open_kiosk, print_json, say, say_text
from kiosk.domain import DomainError
from kiosk.domain.catalog import GROUPS, label
from kiosk.primitives.private_files import private_file


def register(subparsers: argparse._SubParsersAction) -> None:
    card = subparsers.add_parser("card", help="one member's card as PNG or PDF (reprint)")
    card.add_argument("number", help="card number")
    out = card.add_mutually_exclusive_group(required=True)
    out.add_argument("--png", type=Path)
    out.add_argument("--pdf", type=Path)
    out.add_argument("--print", action="store_true", help="send to the printer (or a PDF if none)")
    card.set_defaults(func=show_card)

    sheet = subparsers.add_parser("sheet", help="A4 sheets of 10 cards for a day or an event")
    sheet.add_argument("--event")
    sheet.add_argument("--day", help="YYYY-MM-DD (default: today, unless --event is given)")
    sheet.add_argument("--queue", action="store_true", help="the cards waiting in the print queue")
    target = sheet.add_mutually_exclusive_group(required=True)
    target.add_argument("--pdf", type=Path)
    target.add_argument("--print", action="store_true")
    sheet.set_defaults(func=print_sheet)

    verify = subparsers.add_parser("verify", help="check a card token or a card image offline")
    verify.add_argument("token_or_image")
    verify.add_argument("--keyring", type=Path, help="public keys of other devices (JSON)")
    verify.set_defaults(func=verify_card)


def show_card(args: argparse.Namespace) -> int:
    with open_kiosk(args) as kiosk:
        stored = kiosk.find_card(args.number)
        if stored is None:
            raise DomainError("not_found")
        face = kiosk.card_face(stored)
        if args.png:
            private_file(args.png).write_bytes(kiosk.card_png(stored))
            written = args.png
        elif args.pdf:
            private_file(args.pdf).write_bytes(card_pdf(face))
            written = args.pdf
        else:
            outcome = print_pdf(card_pdf(face), kiosk.paths.print_dir, f"card-{stored.card_number}")
            say(outcome.message_zh, outcome.message_en)
            written = None
        kiosk.record_reprint(stored.record_id, actor="cli")
    if written:
        say_text("cli.card.written", path=written)
    return 0


def print_sheet(args: argparse.Namespace) -> int:
    with open_kiosk(args) as kiosk:
        if args.queue:
            rows = kiosk.print_queue()
        else:
            day = args.day or (None if args.event else dt.date.today().isoformat())
            rows = list(reversed(kiosk.search_members(event=args.event, day=day,
                                                      include_voided=False, limit=10**9)))
        if not rows:
            say_text("cli.sheet.nothing")
            return 1
        pdf = sheet_pdf([kiosk.card_face(stored) for stored in rows])
        if args.pdf:
            private_file(args.pdf).write_bytes(pdf)
            say_text("cli.sheet.written", n=len(rows), path=args.pdf)
        else:
            outcome = print_pdf(pdf, kiosk.paths.print_dir, f"sheet-{dt.date.today().isoformat()}")
            say(outcome.message_zh, outcome.message_en)
        if args.queue:
            kiosk.mark_printed([stored.record_id for stored in rows])
    return 0


def verify_card(args: argparse.Namespace) -> int:
    """Prints {valid, card_number, name, ...}; needs only public keys."""
    extra = load_keyring(args.keyring) if args.keyring else None
    source = Path(args.token_or_image)
    result: dict = {"valid": False, "card_number": None, "name": None}
    with open_kiosk(args) as kiosk:
        try:
            token = _token_in_image(source) if source.is_file() else args.token_or_image
            claims = kiosk.verify(token, extra)
        except DomainError as error:
            result.update(reason=error.code, message_zh=error.message_zh,
                          message_en=error.message_en)
        else:
            result.update(valid=True, card_number=claims.card_number, name=claims.name,
                          group=claims.group, group_label=label(GROUPS, claims.group),
                          issued=claims.issued.isoformat(), key_id=claims.key_id.hex())
    print_json(result)
    return 0 if result["valid"] else 1


def _token_in_image(path: Path) -> str:
    """The text of the first QR code in a card image (a photo or a PNG)."""
    import zxingcpp
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            found = zxingcpp.read_barcodes(image.convert("L"), formats=zxingcpp.BarcodeFormat.QRCode)
    except (UnidentifiedImageError, OSError) as error:
        raise DomainError("token.malformed") from error
    if not found:
        raise DomainError("token.malformed")
    return found[0].text
