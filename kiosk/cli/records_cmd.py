"""`kiosk list`, `kiosk export`, `kiosk import`: the records, masked unless asked otherwise."""

from __future__ import annotations

import argparse
import csv
import getpass
import sys
from pathlib import Path

from kiosk.cli.common import bilingual, masked_record, open_kiosk, print_json, say_text
from kiosk.collective import import_members, template_csv
from kiosk.domain import mask_id_number
from kiosk.primitives.csv_cells import safe_cell
from kiosk.primitives.private_files import private_file
from kiosk.tabular import COLUMNS, header, to_cell


def register(subparsers: argparse._SubParsersAction) -> None:
    listing = subparsers.add_parser("list", help="sign-ups, newest first, masked")
    listing.add_argument("--search", default="", help="part of a name, last 4 of mobile, or card number")
    listing.add_argument("--event")
    listing.add_argument("--day", help="YYYY-MM-DD")
    listing.add_argument("--limit", type=int, default=1000)
    listing.add_argument("--json", action="store_true", help="one JSON object a line")
    listing.set_defaults(func=list_members)

    export = subparsers.add_parser("export", help="the store as CSV (UTF-8 with BOM)")
    export.add_argument("--csv", required=True, type=Path)
    export.add_argument("--full-id", action="store_true", help="full ID numbers (asks to confirm)")
    export.add_argument("--yes", action="store_true", help="confirm --full-id without a prompt")
    export.set_defaults(func=export_csv)

    importing = subparsers.add_parser("import", help="collective enrollment from CSV or XLSX")
    importing.add_argument("file", type=Path, nargs="?")
    importing.add_argument("--template", type=Path, help="write an empty template CSV and stop")
    importing.add_argument("--volunteer", default="")
    importing.add_argument("--report", type=Path, help="also write the per-row report as CSV")
    importing.set_defaults(func=import_file)


def list_members(args: argparse.Namespace) -> int:
    with open_kiosk(args) as kiosk:
        rows = kiosk.search_members(args.search, event=args.event, day=args.day, limit=args.limit)
    voided = bilingual("cli.list.voided", " ")
    for stored in rows:
        record = masked_record(stored)
        if args.json:
            print_json(record)
        else:
            print(f"{record['card_number']}  {record['name']}  {record['id_number']}  "
                  f"{record['mobile']}  {to_cell('group', record['group'])}  "
                  f"{record['created_at'][:16]}  {'' if stored.status == 'active' else voided}")
    if not args.json:
        say_text("cli.list.count", n=len(rows))
    return 0


def _confirm_full_id() -> int | None:
    """Ask at the terminal; None when confirmed, else the exit code (2: nobody to ask)."""
    try:
        if sys.stdin is None:  # started with its stdin closed
            raise EOFError
        answer = input(f"{bilingual('cli.export.confirm_full_id', ' / ')}: ")
    except EOFError:  # no stdin, or at its end (a script, cron): refuse, never a traceback
        print(flush=True)  # ends the prompt's line
        say_text("cli.export.full_id_needs_yes", err=True)
        return 2
    if answer.strip().lower() != "yes":
        say_text("cli.export.cancelled", err=True)
        return 1
    return None


def export_csv(args: argparse.Namespace) -> int:
    """The store as CSV; with full ID numbers only once confirmed, and then logged (who, when,
    how many rows) in the kiosk's export log before the file is written."""
    if args.full_id and not args.yes:
        refused = _confirm_full_id()
        if refused is not None:
            return refused
    with open_kiosk(args) as kiosk:
        rows = kiosk.export_members()
        if args.full_id:
            kiosk.log_full_id_export(len(rows), actor=getpass.getuser(), via="cli")
    args.csv.parent.mkdir(parents=True, exist_ok=True)
    private_file(args.csv)  # 0600, also when it overwrites an older, wider file
    with open(args.csv, "w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out)
        writer.writerow([header(field, zh) for field, zh in COLUMNS])
        for stored in rows:
            record = {**stored.member.to_dict(), "card_number": stored.card_number,
                      "status": stored.status, "created_at": stored.created_at,
                      "record_id": stored.record_id}
            if not args.full_id:
                record["id_number"] = mask_id_number(record["id_number"])
            writer.writerow([safe_cell(to_cell(field, record.get(field)))
                             for field, _ in COLUMNS])
    say_text("cli.export.done", n=len(rows), path=args.csv)
    return 0


def import_file(args: argparse.Namespace) -> int:
    if args.template:
        args.template.write_text(template_csv(), encoding="utf-8")
        say_text("cli.import.template_written", path=args.template)
        return 0
    if args.file is None:
        say_text("cli.import.no_file", err=True)
        return 2
    with open_kiosk(args) as kiosk:
        unknown, reports = import_members(kiosk, args.file, volunteer=args.volunteer)
    if unknown:
        say_text("cli.import.unknown_columns", columns=", ".join(unknown))
    for report in reports:
        row = bilingual("cli.import.row", " ", row=report.row)
        if report.status == "refused":
            problems = "; ".join(f"{e.get('field') or ''} {e['message_zh']} / {e['message_en']}"
                                 for e in report.errors)
            print(f"{row}: {bilingual('cli.import.refused', ' ')} — {problems}")
        elif report.status == "already_member":
            print(f"{row}: {bilingual('cli.import.already_member', ' ')} — {report.card_number}")
        else:
            print(f"{row}: {bilingual('cli.import.enrolled', ' ')} — {report.card_number}")
    counts = {s: sum(r.status == s for r in reports) for s in ("enrolled", "already_member", "refused")}
    say_text("cli.import.summary", **counts)
    if args.report:
        private_file(args.report)
        with open(args.report, "w", encoding="utf-8-sig", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(["行(row)", "结果(status)", "会员卡号(card_number)", "问题(errors)"])
            for r in reports:
                writer.writerow([r.row, r.status, safe_cell(r.card_number), safe_cell(
                    "; ".join(f"{e.get('field') or ''}:{e['code']}" for e in r.errors))])
    return 1 if counts["refused"] else 0
