"""`kiosk join-url`, `join-close`, `join-rotate` and `poster`: self-registration by QR code."""

from __future__ import annotations

import argparse
from pathlib import Path

from kiosk.cli.common import open_kiosk, say_text
from kiosk.i18n import t
from kiosk.join.address import DEFAULT_PORT
from kiosk.primitives.private_files import private_file


def register(subparsers: argparse._SubParsersAction) -> None:
    def address_options(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--port", type=int, default=DEFAULT_PORT,
                            help=f"the port the kiosk serves on (default {DEFAULT_PORT})")
        parser.add_argument("--base-url", help="the address phones use, e.g. https://join.example.org "
                            "(default: $KIOSK_PUBLIC_URL, else the detected LAN address)")

    parser = subparsers.add_parser("join-url", help="print the current self-registration URL")
    address_options(parser)
    parser.set_defaults(func=join_url_command)

    parser = subparsers.add_parser("join-close", help="close self-registration (the QR stops working)")
    parser.set_defaults(func=join_close_command)

    parser = subparsers.add_parser("join-rotate",
                                   help="a new self-registration QR code (the old one stops working)")
    address_options(parser)
    parser.set_defaults(func=join_rotate_command)

    parser = subparsers.add_parser("poster", help="the A4 poster with the join QR code (PDF)")
    parser.add_argument("--pdf", required=True, type=Path, help="where to write the poster")
    address_options(parser)
    parser.set_defaults(func=poster_command)


def join_url_command(args: argparse.Namespace) -> int:
    from kiosk.join import join_access, join_url

    with open_kiosk(args) as kiosk:
        if not join_access(kiosk).open:
            say_text("join.cli_closed", err=True)
            return 1
        print(join_url(kiosk, args.base_url, port=args.port))
        return 0


def join_close_command(args: argparse.Namespace) -> int:
    from kiosk.join import close_join

    with open_kiosk(args) as kiosk:
        close_join(kiosk)
        say_text("join.cli_closed_done")
        return 0


def join_rotate_command(args: argparse.Namespace) -> int:
    from kiosk.join import join_url, rotate_join

    with open_kiosk(args) as kiosk:
        rotate_join(kiosk)
        say_text("join.cli_rotated", err=True)
        print(join_url(kiosk, args.base_url, port=args.port))
        return 0


def poster_command(args: argparse.Namespace) -> int:
    from kiosk.join import join_access, join_url
    from kiosk.join.poster import poster_pdf

    with open_kiosk(args) as kiosk:
        if not join_access(kiosk).open:
            say_text("join.cli_closed", err=True)
            return 1
        pdf = poster_pdf(join_url(kiosk, args.base_url, port=args.port), kiosk.current_event().name)
        args.pdf.parent.mkdir(parents=True, exist_ok=True)
        private_file(args.pdf).write_bytes(pdf)
        print(f"{t('join.cli_poster_written', 'zh')} {args.pdf}")
        return 0
