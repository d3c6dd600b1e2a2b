"""Sending a PDF to the printer through CUPS, or leaving it in a folder when there is none.

A kiosk at a ceremony often has no printer, or one that jams: neither may stop a sign-up. The PDF
is therefore always written to `out_dir` first (it is also the copy to reprint from), and only
then handed to ``lp``. No printer and a failing ``lp`` are outcomes, not exceptions.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from kiosk.i18n import t
from kiosk.primitives.private_files import DIR_MODE, private_file

LPSTAT_TIMEOUT = 10
LP_TIMEOUT = 30
_UNSAFE = re.compile(r"[\x00-\x1f/\\:*?\"<>|]+")


@dataclass(frozen=True)
class PrintOutcome:
    """What became of a print request; `path` is always the written PDF."""

    printed: bool
    path: Path
    printer: str | None
    message_zh: str
    message_en: str
    job: str | None = None


def print_pdf(pdf_bytes: bytes, out_dir: Path, name: str,
              printer: str | None = None) -> PrintOutcome:
    """Write `pdf_bytes` as `out_dir/<name>.pdf` and print it with ``lp``.

    `printer` names a CUPS queue; by default the system default destination (``lpstat -d``).
    Never raises for a missing printer or a failed ``lp``: the outcome's message says where the
    PDF is, in Chinese and English.
    """
    path = _write_pdf(pdf_bytes, Path(out_dir), name)
    printer = printer or default_printer()
    if printer is None or shutil.which("lp") is None:
        return _outcome(False, path, None, "print.no_printer")
    try:
        done = subprocess.run(["lp", "-d", printer, "-t", path.stem, "--", str(path)],
                              capture_output=True, text=True, timeout=LP_TIMEOUT, check=False)
    except (OSError, subprocess.SubprocessError) as exc:
        return _outcome(False, path, printer, "print.failed", reason=str(exc))
    if done.returncode != 0:
        reason = (done.stderr or done.stdout).strip() or f"lp exit {done.returncode}"
        return _outcome(False, path, printer, "print.failed", reason=reason)
    match = re.search(r"request id is (\S+)", done.stdout)
    job = match.group(1) if match else None
    return _outcome(True, path, printer, "print.sent", printer=printer, job=job or "?",
                    job_id=job)


def default_printer() -> str | None:
    """The CUPS default destination, or None (no lpstat, no scheduler, or no default set)."""
    if shutil.which("lpstat") is None:
        return None
    try:
        out = subprocess.run(["lpstat", "-d"], capture_output=True, text=True,
                             timeout=LPSTAT_TIMEOUT, check=False,
                             env={**os.environ, "LC_ALL": "C"}).stdout  # parse English output
    except (OSError, subprocess.SubprocessError):
        return None
    return parse_lpstat_default(out)


def parse_lpstat_default(output: str) -> str | None:
    """The queue name from ``lpstat -d`` output ('system default destination: NAME')."""
    match = re.search(r"system default destination:\s*(\S+)", output)
    return match.group(1) if match else None


def _write_pdf(pdf_bytes: bytes, out_dir: Path, name: str) -> Path:
    out_dir.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    stem = _UNSAFE.sub("_", name).strip(" .") or "card"
    path = out_dir / (stem if stem.lower().endswith(".pdf") else f"{stem}.pdf")
    tmp = path.with_name(f".{path.name}.tmp")
    private_file(tmp).write_bytes(pdf_bytes)  # a member's card: 0600 whoever calls
    os.replace(tmp, path)  # a reader never sees half a PDF
    return path


def _outcome(printed: bool, path: Path, printer: str | None, key: str, job_id: str | None = None,
             **values: object) -> PrintOutcome:
    values["path"] = path
    return PrintOutcome(printed, path, printer, t(key, "zh", **values), t(key, "en", **values),
                        job_id)
