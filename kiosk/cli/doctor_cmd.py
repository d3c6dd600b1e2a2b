"""`kiosk doctor`: can this machine run a kiosk? Says what is wrong and how to mend it."""

from __future__ import annotations

import argparse
import os
import shutil
import stat
import subprocess
import tempfile
from dataclasses import dataclass

from kiosk.cli.common import bilingual
from kiosk.config import KioskPaths
from kiosk.domain import DomainError

UNDER = "\n  "  # a check's English goes under its Chinese, indented


@dataclass(frozen=True)
class Check:
    name: str
    level: str  # ok | warn | fail
    text: str  # Chinese, UNDER, English


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("doctor", help="check font, data dir, keys and printer")
    parser.set_defaults(func=run)


def check_font() -> Check:
    from kiosk.fonts.cjk import find_cjk_font

    try:
        spec = find_cjk_font()
    except DomainError as error:
        return Check("font", "fail", f"{error.message_zh}{UNDER}{error.message_en}")
    return Check("font", "ok", bilingual("cli.doctor.font_ok", UNDER, path=spec.path))


def check_data_dir(paths: KioskPaths) -> Check:
    try:
        paths.data_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=paths.data_dir):
            pass
    except OSError as error:
        return Check("data_dir", "fail", bilingual("cli.doctor.data_dir_unwritable", UNDER,
                                                   path=paths.data_dir, reason=error.strerror))
    free_mb = shutil.disk_usage(paths.data_dir).free // 2**20
    level = "ok" if free_mb >= 200 else "warn"
    return Check("data_dir", level, bilingual("cli.doctor.data_dir_ok", UNDER,
                                              path=paths.data_dir, free_mb=free_mb))


def check_database(paths: KioskPaths) -> Check:
    from kiosk.storage.health import check_file

    if not paths.database.exists():
        return Check("database", "ok", bilingual("cli.doctor.database_none", UNDER))
    health = check_file(paths.database)
    if health.error:
        return Check("database", "fail", bilingual("cli.doctor.database_unopenable", UNDER,
                                                   error=health.error))
    if not health.intact:
        return Check("database", "fail", bilingual("cli.doctor.database_damaged", UNDER))
    if health.newer:
        return Check("database", "fail", bilingual("cli.doctor.database_newer", UNDER))
    return Check("database", "ok", bilingual("cli.doctor.database_ok", UNDER,
                                             version=health.version))


def check_keys(paths: KioskPaths) -> Check:
    from kiosk.primitives.keys import KEY_DIR, KEY_FILE, load_or_create_device_key

    path = paths.data_dir / KEY_DIR / KEY_FILE
    try:
        key = load_or_create_device_key(paths.data_dir)
    except (OSError, ValueError) as error:
        return Check("keys", "fail", bilingual("cli.doctor.key_unreadable", UNDER, path=path,
                                               error=error))
    mode = stat.S_IMODE(os.stat(path).st_mode)
    if mode & 0o077:
        return Check("keys", "fail", bilingual("cli.doctor.key_too_open", UNDER, mode=oct(mode),
                                               path=path))
    return Check("keys", "ok", bilingual("cli.doctor.key_ok", UNDER, key_id=key.key_id.hex()))


def check_printer(paths: KioskPaths) -> Check:
    no_printer = Check("printer", "warn", bilingual("cli.doctor.no_printer", UNDER,
                                                   path=paths.print_dir))
    if shutil.which("lpstat") is None:
        return no_printer
    try:
        result = subprocess.run(["lpstat", "-d"], capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.TimeoutExpired):
        return no_printer
    if result.returncode != 0 or ":" not in result.stdout:
        return no_printer
    name = result.stdout.split(":", 1)[1].strip()
    return Check("printer", "ok", bilingual("cli.doctor.printer_ok", UNDER, name=name))


def run(args: argparse.Namespace) -> int:
    paths = KioskPaths.resolve(args.data_dir)
    checks = [check_font(), check_data_dir(paths)]
    if checks[-1].level != "fail":
        checks += [check_database(paths), check_keys(paths)]
    checks.append(check_printer(paths))
    marks = {"ok": "✓", "warn": "!", "fail": "✗"}
    for check in checks:
        print(f"{marks[check.level]} {check.text}")
    failed = [c for c in checks if c.level == "fail"]
    if failed:
        print(f"✗ {bilingual('cli.doctor.cannot_enroll', ' / ', n=len(failed))}")
        return 1
    print(f"✓ {bilingual('cli.doctor.can_enroll', ' / ')}")
    return 0
