"""`kiosk`: one entry point, a thin layer over the library (the README's command table).

Each command group lives in its own module with ``register(subparsers)``; a command's function
takes the parsed args and returns an exit code. Library errors (DomainError) become a message in
Chinese and English on stderr, never a stack trace.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from kiosk.cli.common import say
from kiosk.domain import DomainError
from kiosk.i18n import t
from kiosk.primitives.private_files import PRIVATE_UMASK

# One module per command group; a module registers its subcommands.
COMMAND_MODULES = (
    "kiosk.cli.enroll_cmd",
    "kiosk.cli.records_cmd",
    "kiosk.cli.cards_cmd",
    "kiosk.cli.doctor_cmd",
    "kiosk.cli.run_cmd",
    "kiosk.cli.join_cmd",
    "kiosk.cli.sync_cmd",
    "sync.hub.cli",  # the hub's own commands, under `kiosk hub`
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kiosk", description="Ruhui 入会 enrollment kiosk")
    parser.add_argument("--data-dir", help="the kiosk's data folder (default: $KIOSK_DATA_DIR "
                        "or the user's data directory)")
    subparsers = parser.add_subparsers(dest="command")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    return parser


def _has_undecodable(argv: list[str]) -> bool:
    # Python turns bytes that are not UTF-8 into lone surrogates (surrogateescape).
    return any("\udc80" <= ch <= "\udcff" for arg in argv for ch in arg)


def _report(error: DomainError) -> None:
    say(t("cli.error", "zh", code=error.code, message=error.message_zh),
        t("cli.error", "en", code=error.code, message=error.message_en), err=True)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    # Everything the command writes (the store, exports, bundles, cards, backups, the web
    # cache) is for its owner alone: 0600 files, 0700 folders. Put back on return, for callers
    # that run main() inside a longer-lived process (tests).
    umask = os.umask(PRIVATE_UMASK)
    try:
        if _has_undecodable(argv):
            raise DomainError("input.encoding")
        if hasattr(sys.stdin, "reconfigure"):
            sys.stdin.reconfigure(errors="surrogateescape")  # bad bytes meet the field rules
        parser = build_parser()
        args = parser.parse_args(argv)
        if args.command is None:
            args = parser.parse_args([*argv, "run"])
        return int(args.func(args) or 0)
    except DomainError as error:
        _report(error)
        return 2
    except KeyboardInterrupt:
        return 130
    finally:
        os.umask(umask)
