"""`kiosk provision CODE`, `kiosk sync [--once] [--export FILE] [--receipt FILE] [--status]`."""

from __future__ import annotations

import argparse
import sys
import threading
from pathlib import Path

from kiosk.cli.common import bilingual, open_kiosk, say, say_text
from kiosk.domain import DomainError
from kiosk.i18n import t


def register(subparsers: argparse._SubParsersAction) -> None:
    prov = subparsers.add_parser("provision", help="register this kiosk with the federation hub")
    prov.add_argument("code", help="the one-time code from `kiosk hub device-code`")
    prov.add_argument("--hub", help="the hub's URL (overrides the one inside the code)")
    prov.set_defaults(func=provision_cmd)

    sync = subparsers.add_parser("sync", help="upload the outbox to the hub")
    sync.add_argument("--once", action="store_true",
                      help="one pass; exit 0 when nothing is left pending")
    sync.add_argument("--export", type=Path, metavar="FILE",
                      help="write the pending sign-ups as a signed bundle (no network)")
    sync.add_argument("--receipt", type=Path, metavar="FILE",
                      help="apply the receipt `kiosk hub import` printed for a bundle")
    sync.add_argument("--status", action="store_true",
                      help="show pending / sent / quarantined and the last success")
    sync.set_defaults(func=sync_cmd)


def provision_cmd(args: argparse.Namespace) -> int:
    from sync.client import provision
    with open_kiosk(args) as kiosk:
        answer = provision(kiosk, args.code, args.hub)
    say_text("sync.provisioned", **answer)
    return 0


def print_status(kiosk) -> None:
    say_text("sync.status", **kiosk.outbox.counts())
    at = kiosk.outbox.last_success()
    say_text("sync.last_success", at=at) if at else say_text("sync.never")
    rows = kiosk.outbox.quarantined()
    if rows:
        say_text("sync.quarantined_title")
        for row in rows:
            body = row["body"]
            print(f"  #{row['id']} {row['kind']} {row['record_id']} "
                  f"{body.get('card_number', '')} [{row['error_code']}] {row['last_error'] or ''}")


def sync_cmd(args: argparse.Namespace) -> int:
    from sync.client import export_bundle, import_receipt
    with open_kiosk(args) as kiosk:
        if args.status:
            print_status(kiosk)
            return 0
        if args.receipt:
            from sync.protocol.problems import ProblemError
            try:
                sent, quarantined = import_receipt(kiosk, args.receipt)
            except ProblemError:
                raise DomainError("sync.bad_receipt") from None
            except (OSError, ValueError):
                raise DomainError("sync.file") from None
            say_text("sync.receipt_applied", sent=sent, quarantined=quarantined)
            return 0
        if args.export:
            n = export_bundle(kiosk, args.export)
            say_text("sync.exported", n=n, path=args.export) if n else say_text("sync.nothing_pending")
            return 0
        return _push(kiosk, once=args.once)


def _push(kiosk, *, once: bool) -> int:
    from sync.client import (Backoff, DeviceRefusedError, HubClient, Identity, RetryLaterError,
                             SyncConfig, Uploader, sync_once)
    config = SyncConfig.from_env()
    identity = Identity.of(kiosk)
    backoff = Backoff(config.backoff_base, config.backoff_max)
    stop = threading.Event()

    def show(state: str = "", progress_done: int = 0, progress_total: int = 0) -> None:
        if progress_total:
            text = bilingual("sync.progress", " / ", done=progress_done, total=progress_total)
            print(f"\r{text}", end="", file=sys.stderr, flush=True)

    while True:
        try:
            with HubClient(identity.hub_url, config=config) as client:
                sync_once(kiosk, Uploader(kiosk, client, batch_size=config.batch_size), show)
            kiosk.outbox.note_success()
            backoff.reset()
            print(file=sys.stderr)
            say_text("sync.done")
            print_status(kiosk)
            if once:
                return 0 if kiosk.outbox.counts()["pending"] == 0 else 1
            stop.wait(config.idle_interval)
        except RetryLaterError as error:
            print(file=sys.stderr)
            say(f"{t('sync.retry_later', 'zh')} [{error.problem or error.name}] {error.message_zh}",
                f"{t('sync.retry_later', 'en')} [{error.problem or error.name}] {error.message_en}",
                err=True)
            if once:
                print_status(kiosk)
                return 1
            stop.wait(backoff.next())
        except DeviceRefusedError:
            print_status(kiosk)
            raise
