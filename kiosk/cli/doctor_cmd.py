"""`kiosk doctor`: can this machine run a kiosk? Says what is wrong and how to mend it."""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import stat
import subprocess
import tempfile
from dataclasses import dataclass

from kiosk.config import KioskPaths
from kiosk.domain import DomainError


@dataclass(frozen=True)
class Check:
    name: str
    level: str  # ok | warn | fail
    zh: str
    en: str


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("doctor", help="check font, data dir, keys and printer")
    parser.set_defaults(func=run)


def check_font() -> Check:
    from kiosk.fonts.cjk import find_cjk_font

    try:
        spec = find_cjk_font()
    except DomainError as error:
        return Check("font", "fail", error.message_zh, error.message_en)
    return Check("font", "ok", f"中文字体：{spec.path}（可显示生僻字）",
                 f"CJK font: {spec.path} (draws rare characters)")


def check_data_dir(paths: KioskPaths) -> Check:
    try:
        paths.data_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=paths.data_dir):
            pass
    except OSError as error:
        return Check("data_dir", "fail", f"数据目录不可写：{paths.data_dir}（{error.strerror}）。"
                     "请用 --data-dir 或 KIOSK_DATA_DIR 指定可写目录",
                     f"Data folder not writable: {paths.data_dir} ({error.strerror}). "
                     "Choose a writable one with --data-dir or KIOSK_DATA_DIR")
    free_mb = shutil.disk_usage(paths.data_dir).free // 2**20
    level = "ok" if free_mb >= 200 else "warn"
    return Check("data_dir", level, f"数据目录：{paths.data_dir}（剩余 {free_mb} MB）",
                 f"Data folder: {paths.data_dir} ({free_mb} MB free)")


def check_database(paths: KioskPaths) -> Check:
    from kiosk.storage.migrations import LATEST

    if not paths.database.exists():
        return Check("database", "ok", "数据库尚未创建，首次登记时自动创建",
                     "No database yet: it is created at the first sign-up")
    try:
        conn = sqlite3.connect(f"file:{paths.database}?mode=ro", uri=True)
        try:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            integrity = conn.execute("PRAGMA quick_check").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.Error as error:
        return Check("database", "fail", f"数据库无法打开：{error}", f"Database cannot be opened: {error}")
    if integrity != "ok":
        return Check("database", "fail", "数据库损坏，请停止使用本机并联系技术人员（勿删除文件）",
                     "The database is damaged: stop using this kiosk and call support (do not delete it)")
    if version > LATEST:
        return Check("database", "fail", "数据库来自更新版本的软件，请升级本软件",
                     "The database was made by a newer version: upgrade this software")
    return Check("database", "ok", f"数据库正常（版本 {version}）", f"Database OK (schema {version})")


def check_keys(paths: KioskPaths) -> Check:
    from kiosk.primitives.keys import KEY_DIR, KEY_FILE, load_or_create_device_key

    path = paths.data_dir / KEY_DIR / KEY_FILE
    try:
        key = load_or_create_device_key(paths.data_dir)
    except (OSError, ValueError) as error:
        return Check("keys", "fail", f"设备密钥无法读取：{path}（{error}）",
                     f"Device key cannot be read: {path} ({error})")
    mode = stat.S_IMODE(os.stat(path).st_mode)
    if mode & 0o077:
        return Check("keys", "fail", f"设备密钥权限过宽（{oct(mode)}），请运行 chmod 600 {path}",
                     f"Device key is readable by others ({oct(mode)}): run chmod 600 {path}")
    return Check("keys", "ok", f"设备密钥正常（{key.key_id.hex()}）", f"Device key OK ({key.key_id.hex()})")


def check_printer(paths: KioskPaths) -> Check:
    no_printer = Check("printer", "warn", f"未配置打印机：会员卡将保存为PDF，位于 {paths.print_dir}",
                       f"No printer configured: cards are saved as PDF in {paths.print_dir}")
    if shutil.which("lpstat") is None:
        return no_printer
    try:
        result = subprocess.run(["lpstat", "-d"], capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.TimeoutExpired):
        return no_printer
    if result.returncode != 0 or ":" not in result.stdout:
        return no_printer
    name = result.stdout.split(":", 1)[1].strip()
    return Check("printer", "ok", f"默认打印机：{name}", f"Default printer: {name}")


def run(args: argparse.Namespace) -> int:
    paths = KioskPaths.resolve(args.data_dir)
    checks = [check_font(), check_data_dir(paths)]
    if checks[-1].level != "fail":
        checks += [check_database(paths), check_keys(paths)]
    checks.append(check_printer(paths))
    marks = {"ok": "✓", "warn": "!", "fail": "✗"}
    for check in checks:
        print(f"{marks[check.level]} {check.zh}\n  {check.en}")
    failed = [c for c in checks if c.level == "fail"]
    if failed:
        print(f"✗ 本机暂不能登记会员（{len(failed)} 项需处理） / This kiosk cannot enroll yet "
              f"({len(failed)} problem(s) to mend)")
        return 1
    print("✓ 本机可以登记会员 / This kiosk can enroll members")
    return 0
