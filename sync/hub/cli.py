"""`kiosk hub` (serve), `kiosk hub device-code`, `kiosk hub export --csv | --xlsx`,
`kiosk hub import FILE`, `kiosk hub revoke DEVICE`, `kiosk hub orgs FILE`,
`kiosk hub backup --out FILE`, `kiosk hub user add|passwd|disable|enable|list`. `--db` is a SQLite
path or a postgresql:// URL.

The hub's own command module: `kiosk` registers it beside its own groups (kiosk.cli), and it
imports nothing of the kiosk's faces, store or service."""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
from pathlib import Path

from kiosk.config import ENV_PREFIX, KioskPaths
from kiosk.domain import DomainError
from kiosk.i18n import t
from kiosk.primitives.csv_cells import safe_cell
from kiosk.primitives.private_files import private_dir, private_file

EXPORT_COLUMNS = ("member_id", "card_number", "aliases", "signups", "name", "id_number", "id_type",
                  "gender", "birth_date", "mobile", "ethnicity", "education", "political_status",
                  "hukou", "group", "employer", "union_org", "channel", "event", "volunteer",
                  "consent", "consent_version", "created_at", "record_id")


def say(zh: str, en: str, *, err: bool = False) -> None:
    """Print a text already in both languages: Chinese, then English (kiosk.cli.common.say's
    twin: the hub does not import the kiosk's command line)."""
    print(f"{zh}\n{en}", file=sys.stderr if err else sys.stdout)


def say_text(key: str, *, err: bool = False, **values: object) -> None:
    """Print `key` from the tables (kiosk.i18n.t) as `say` does, with `values` filled in."""
    say(t(key, "zh", **values), t(key, "en", **values), err=err)


def register(subparsers: argparse._SubParsersAction) -> None:
    hub = subparsers.add_parser("hub", help="the federation hub (server and admin commands)")
    hub.add_argument("--host", default="127.0.0.1")
    hub.add_argument("--port", type=int, default=8600)
    hub.add_argument("--db", help="SQLite path or postgresql:// URL (default: $KIOSK_HUB_DB or "
                     "hub.sqlite3 in the data folder)")
    hub.set_defaults(func=serve)
    sub = hub.add_subparsers(dest="hub_command")

    code = sub.add_parser("device-code", help="a one-time provisioning code for a new device")
    code.add_argument("--db", default=argparse.SUPPRESS)
    code.add_argument("--name", default="", help="what the device is (shown in the admin pages)")
    code.add_argument("--hours", type=float, default=24, help="valid for this many hours")
    code.add_argument("--url", help="the hub URL kiosks should use (default: where it last served)")
    code.set_defaults(func=device_code)

    export = sub.add_parser("export", help="the hub's members as CSV, one row per person; "
                            "--xlsx or --national: for the national real-name system")
    export.add_argument("--db", default=argparse.SUPPRESS)
    target = export.add_mutually_exclusive_group(required=True)
    target.add_argument("--csv", type=Path, help="every field, one row per person (the hub's "
                        "own columns) unless --national")
    target.add_argument("--xlsx", type=Path, help="the national import's columns, as XLSX")
    export.add_argument("--national", action="store_true",
                        help="with --csv: the national import's columns instead")
    export.add_argument("--new", action="store_true",
                        help="national layout: only members no earlier new export took "
                             "(the default is everyone)")
    export.add_argument("--since", help="national layout: members who reached the hub from "
                        "this date (YYYY-MM-DD)")
    export.add_argument("--until", help="national layout: ... up to this date, inclusive")
    export.add_argument("--full-id", action="store_true",
                        help="national layout: full ID numbers (masked otherwise; logged)")
    export.set_defaults(func=export_csv)

    importing = sub.add_parser("import", help="ingest a bundle file; prints the signed receipt")
    importing.add_argument("file", type=Path)
    importing.add_argument("--db", default=argparse.SUPPRESS)
    importing.add_argument("--receipt", type=Path, help="also write the receipt to this file")
    importing.set_defaults(func=import_bundle)

    revoke = sub.add_parser("revoke", help="refuse a device from now on")
    revoke.add_argument("device", type=int)
    revoke.add_argument("--db", default=argparse.SUPPRESS)
    revoke.set_defaults(func=revoke_device)

    orgs = sub.add_parser("orgs", help="load union organisations (JSON list of {code, name, parent, county})")
    orgs.add_argument("file", type=Path)
    orgs.add_argument("--db", default=argparse.SUPPRESS)
    orgs.set_defaults(func=load_orgs)

    user = sub.add_parser("user", help="admin page users: add, passwd, disable, enable, list")
    user.add_argument("action", choices=("add", "passwd", "disable", "enable", "list"))
    user.add_argument("username", nargs="?", default="")
    user.add_argument("--role", choices=("admin", "staff", "readonly"),
                      help="for add (default staff), or to change a user's role")
    user.add_argument("--password-stdin", action="store_true",
                      help="read the password from the first line of stdin (for scripts)")
    user.add_argument("--db", default=argparse.SUPPRESS)
    user.set_defaults(func=manage_user)

    backup = sub.add_parser("backup", help="a consistent copy of the SQLite hub, safe while it "
                            "runs (PostgreSQL: use pg_dump)")
    backup.add_argument("--out", required=True, type=Path)
    backup.add_argument("--db", default=argparse.SUPPRESS)
    backup.set_defaults(func=backup_db)


def hub_db(args: argparse.Namespace) -> str | Path:
    """--db, else $KIOSK_HUB_DB, else hub.sqlite3 in the data folder."""
    return getattr(args, "db", None) or os.environ.get(f"{ENV_PREFIX}HUB_DB") \
        or KioskPaths.resolve(getattr(args, "data_dir", None)).data_dir / "hub.sqlite3"


def open_store(args: argparse.Namespace):
    from sync.hub.storage.open import open_hub_store
    db = hub_db(args)
    if isinstance(db, Path):  # the data folder's own hub.sqlite3: the folder is private too
        private_dir(db.parent)
    return open_hub_store(db)


def serve(args: argparse.Namespace) -> int:
    import uvicorn
    from sync.hub.app import create_app
    from sync.hub.ingest import SWITCH_INTERVAL
    from sync.hub.ops import configure_logging
    configure_logging()  # JSON lines on stderr, one per request
    sys.setswitchinterval(SWITCH_INTERVAL)
    store = open_store(args)
    url = f"http://{args.host}:{args.port}"
    store.set_meta_once("hub_url", url)
    app = create_app(store)
    say_text("hub.listening", url=url)
    sys.stdout.flush()
    try:
        uvicorn.run(app, host=args.host, port=args.port, log_level="warning", access_log=False)
    finally:
        store.close()
    return 0


def device_code(args: argparse.Namespace) -> int:
    from sync.hub.provisioning import make_device_code
    store = open_store(args)
    try:
        code = make_device_code(store, name=args.name, ttl=int(args.hours * 3600),
                                hub_url=args.url or store.get_meta("hub_url") or "")
    finally:
        store.close()
    say_text("hub.device_code", hours=args.hours)
    print(code)
    return 0


def _cli_request(fmt: str, scope: str, full_ids: bool, since=None, until=None):
    """An export asked for at this machine's command line, as export_log keeps it: user
    "cli:<login name>", role "cli", now."""
    import datetime as dt
    import getpass

    from sync.hub.export_scope import ExportRequest
    return ExportRequest(f"cli:{getpass.getuser()}", "cli",
                         dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                         fmt, scope, full_ids, since, until)


def export_csv(args: argparse.Namespace) -> int:
    """Every person with full ID numbers, logged in export_log (scope 'all') before the file
    takes its name."""
    if args.xlsx or args.national:
        return export_national(args)
    store = open_store(args)
    member_ids: list[int] = []
    try:
        tmp = private_file(args.csv.with_name(f".{args.csv.name}.tmp"))
        with open(tmp, "w", newline="", encoding="utf-8-sig") as f:
            writer = csv.DictWriter(f, fieldnames=EXPORT_COLUMNS, extrasaction="ignore")
            writer.writeheader()
            for person in store.export_people():
                writer.writerow({k: safe_cell(v) if isinstance(v, str) else v
                                 for k, v in person.items()})
                member_ids.append(person["member_id"])
        store.log_export(_cli_request("csv", "all", True), member_ids)
        os.replace(tmp, args.csv)
    finally:
        store.close()
    say_text("hub.exported", n=len(member_ids), path=args.csv)
    return 0


def export_national(args: argparse.Namespace) -> int:
    """The national import's layout (sync.hub.national), logged in export_log like the admin
    page's exports (user "cli:<login name>")."""
    from sync.hub.export_files import csv_chunks, national_cells, write_xlsx
    from sync.hub.export_scope import parse_day
    path = args.xlsx or args.csv
    since = parse_day(args.since or "1900-01-01")
    until = parse_day(args.until or "9999-12-30")
    if since is None or until is None or since > until:
        say_text("hub.cli.bad_dates", err=True)
        return 2
    scope = "new" if args.new else "range"
    request = _cli_request("xlsx" if args.xlsx else "csv", scope, args.full_id,
                           since if scope == "range" else None,
                           until if scope == "range" else None)
    store = open_store(args)
    try:
        _export_id, member_ids = store.start_export(request)
        cells = national_cells(store, member_ids, args.full_id)
        tmp = private_file(path.with_name(f".{path.name}.tmp"))
        if args.xlsx:
            write_xlsx(cells, tmp)
        else:
            with open(tmp, "wb") as f:
                for chunk in csv_chunks(cells):
                    f.write(chunk)
        os.replace(tmp, path)
    finally:
        store.close()
    say_text("hub.exported", n=len(member_ids), path=path)
    return 0


def import_bundle(args: argparse.Namespace) -> int:
    from sync.hub.ingest import ingest_envelope
    from sync.hub.keys import load_or_create_hub_keys
    from sync.protocol.problems import ProblemError
    from sync.protocol.wire import from_ranges
    try:
        data = args.file.read_bytes()
    except OSError:
        raise DomainError("sync.file") from None
    store = open_store(args)
    try:
        receipt = ingest_envelope(store, load_or_create_hub_keys(store), data, auth_device=None,
                                  source="bundle")
    except ProblemError as error:
        p = error.problem
        say(t("hub.cli.problem", "zh", code=p.code, message=p.message("zh")),
            t("hub.cli.problem", "en", code=p.code, message=p.message("en")), err=True)
        return 2
    finally:
        store.close()
    text = json.dumps(receipt.to_json(), ensure_ascii=False, indent=1)
    if args.receipt:
        private_file(args.receipt).write_text(text + "\n", encoding="utf-8")
    body = receipt.body
    say_text("hub.imported", accepted=len(from_ranges(body["accepted"])),
             duplicate=len(from_ranges(body["duplicate"])), rejected=len(body["rejected"]))
    print(text)
    return 0


def revoke_device(args: argparse.Namespace) -> int:
    from sync.hub.ingest import now_iso
    store = open_store(args)
    try:
        store.revoke_device(args.device, now_iso())
    finally:
        store.close()
    say_text("hub.revoked", device=args.device)
    return 0


def load_orgs(args: argparse.Namespace) -> int:
    store = open_store(args)
    try:
        store.set_orgs(json.loads(args.file.read_text(encoding="utf-8")))
    finally:
        store.close()
    return 0


def _new_password(args: argparse.Namespace) -> str:
    from sync.hub.admin.auth import MIN_PASSWORD
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        import getpass
        password = getpass.getpass(t("admin.new_password", "zh") + t("admin.new_password", "en"))
        if getpass.getpass(t("admin.repeat_password", "zh")
                           + t("admin.repeat_password", "en")) != password:
            say_text("admin.password_mismatch")
            raise SystemExit(2)
    if len(password) < MIN_PASSWORD:
        say_text("admin.password_short", n=MIN_PASSWORD)
        raise SystemExit(2)
    return password


def manage_user(args: argparse.Namespace) -> int:
    import time

    from sync.hub.admin.auth import hash_password, valid_username
    name, now = args.username.strip(), int(time.time())
    if args.action != "list" and not valid_username(name):
        say_text("admin.username_invalid")
        return 2
    store = open_store(args)
    try:
        if args.action == "list":
            for username, role, _created, disabled in store.admin_users():
                print(f"{username}\t{role}" + ("\tdisabled" if disabled else ""))
            return 0
        if args.action == "add":
            role = args.role or "staff"
            if not store.add_admin_user(name, hash_password(_new_password(args)), role, now):
                say_text("admin.user_exists", username=name)
                return 2
            say_text("admin.user_added", username=name, role=role)
            return 0
        changes: dict = {"role": args.role}
        if args.action == "passwd":
            changes["password_hash"] = hash_password(_new_password(args))
        elif args.action == "disable":
            changes["disabled_at"] = now
        elif args.action == "enable":
            changes["enable"] = True
        if not store.update_admin_user(name, **changes):
            say_text("admin.user_unknown", username=name)
            return 2
        say_text("admin.user_updated", username=name)
        return 0
    finally:
        store.close()


def backup_db(args: argparse.Namespace) -> int:
    from sync.hub.ops import backup_sqlite
    from sync.hub.storage.open import is_postgres_url
    db = hub_db(args)
    if is_postgres_url(db):
        say_text("hub.cli.backup_postgres", err=True)
        return 2
    try:
        counts = backup_sqlite(db, args.out)
    except FileNotFoundError:
        say_text("hub.cli.no_database", err=True, db=db)
        return 2
    say_text("hub.cli.backed_up", path=args.out, persons=counts["persons"],
             signups=counts["signups"])
    return 0
