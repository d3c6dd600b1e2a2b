"""`kiosk list`, `kiosk export`, `kiosk import`: the records, masked unless asked otherwise."""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

from kiosk.cli.common import masked_record, open_kiosk, print_json, say
from kiosk.collective import import_members, template_csv
from kiosk.domain import mask_id_number
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
    kiosk = open_kiosk(args)
    try:
        rows = kiosk.store.search(args.search, event=args.event, day=args.day, limit=args.limit)
    finally:
        kiosk.close()
    for stored in rows:
        record = masked_record(stored)
        if args.json:
            print_json(record)
        else:
            print(f"{record['card_number']}  {record['name']}  {record['id_number']}  "
                  f"{record['mobile']}  {to_cell('group', record['group'])}  "
                  f"{record['created_at'][:16]}  {'' if stored.status == 'active' else '作废 voided'}")
    if not args.json:
        say(f"共 {len(rows)} 条", f"{len(rows)} record(s)")
    return 0


def export_csv(args: argparse.Namespace) -> int:
    if args.full_id and not args.yes:
        answer = input("导出完整身份证号？请输入 yes 确认 / Export full ID numbers? Type yes: ")
        if answer.strip().lower() != "yes":
            say("已取消", "Cancelled", err=True)
            return 1
    kiosk = open_kiosk(args)
    try:
        rows = kiosk.store.search(limit=10**9)
    finally:
        kiosk.close()
    args.csv.parent.mkdir(parents=True, exist_ok=True)
    with open(args.csv, "w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out)
        writer.writerow([header(field, zh) for field, zh in COLUMNS])
        for stored in reversed(rows):  # oldest first, as a register reads
            record = {**stored.member.to_dict(), "card_number": stored.card_number,
                      "status": stored.status, "created_at": stored.created_at,
                      "record_id": stored.record_id}
            if not args.full_id:
                record["id_number"] = mask_id_number(record["id_number"])
            writer.writerow([to_cell(field, record.get(field)) for field, _ in COLUMNS])
    say(f"已导出 {len(rows)} 条到 {args.csv}", f"Exported {len(rows)} record(s) to {args.csv}")
    return 0


def import_file(args: argparse.Namespace) -> int:
    if args.template:
        args.template.write_text(template_csv(), encoding="utf-8")
        say(f"模板已写入 {args.template}", f"Template written to {args.template}")
        return 0
    if args.file is None:
        say("请指定要导入的文件", "Name the file to import", err=True)
        return 2
    kiosk = open_kiosk(args)
    try:
        unknown, reports = import_members(kiosk, args.file, volunteer=args.volunteer)
    finally:
        kiosk.close()
    if unknown:
        say(f"忽略未知列：{', '.join(unknown)}", f"Ignored unknown columns: {', '.join(unknown)}")
    for report in reports:
        if report.status == "refused":
            problems = "; ".join(f"{e.get('field') or ''} {e['message_zh']} / {e['message_en']}"
                                 for e in report.errors)
            print(f"第{report.row}行 row {report.row}: 未入会 refused — {problems}")
        elif report.status == "already_member":
            print(f"第{report.row}行 row {report.row}: 已是会员 already a member — {report.card_number}")
        else:
            print(f"第{report.row}行 row {report.row}: 已入会 enrolled — {report.card_number}")
    counts = {s: sum(r.status == s for r in reports) for s in ("enrolled", "already_member", "refused")}
    say(f"入会 {counts['enrolled']}，已是会员 {counts['already_member']}，未通过 {counts['refused']}",
        f"enrolled {counts['enrolled']}, already members {counts['already_member']}, "
        f"refused {counts['refused']}")
    if args.report:
        with open(args.report, "w", encoding="utf-8-sig", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(["行(row)", "结果(status)", "会员卡号(card_number)", "问题(errors)"])
            for r in reports:
                writer.writerow([r.row, r.status, r.card_number,
                                 "; ".join(f"{e.get('field') or ''}:{e['code']}" for e in r.errors)])
    return 1 if counts["refused"] else 0
