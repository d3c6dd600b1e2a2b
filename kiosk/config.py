"""Where the kiosk keeps its data, read from the command line or the environment in one place."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

ENV_PREFIX = "KIOSK_"


@dataclass(frozen=True)
class KioskPaths:
    data_dir: Path

    @property
    def database(self) -> Path:
        return self.data_dir / "kiosk.sqlite3"

    @property
    def print_dir(self) -> Path:
        """Where PDFs go when no printer is configured."""
        return self.data_dir / "print"

    @classmethod
    def resolve(cls, data_dir: str | Path | None = None,
                environ: dict[str, str] | None = None) -> "KioskPaths":
        """`data_dir` (--data-dir), else $KIOSK_DATA_DIR, else the user's data directory."""
        environ = os.environ if environ is None else environ
        chosen = data_dir or environ.get(f"{ENV_PREFIX}DATA_DIR") or platformdirs.user_data_dir("ruhui")
        return cls(Path(chosen).expanduser())
