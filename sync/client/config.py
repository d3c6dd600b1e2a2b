"""Settings of the uploader: a small frozen value, built once and passed in."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from typing import Mapping

ENV_PREFIX = "KIOSK_SYNC_"


@dataclass(frozen=True)
class SyncConfig:
    batch_size: int = 1000          # records per request (~120 KB at most on the wire)
    connect_timeout: float = 10.0
    read_timeout: float = 60.0      # a 1,000-record batch over 50 kbit/s takes ~20 s to send
    backoff_base: float = 1.0       # first wait after a failure, seconds (full jitter)
    backoff_max: float = 300.0
    idle_interval: float = 60.0     # background: look for work this often even if not woken

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> "SyncConfig":
        """Overrides from $KIOSK_SYNC_BATCH_SIZE etc.; read when called, never at import."""
        environ = os.environ if environ is None else environ
        config = cls()
        changes = {}
        for name, default in vars(config).items():
            raw = environ.get(ENV_PREFIX + name.upper())
            if raw is not None:
                try:
                    changes[name] = type(default)(raw)
                except ValueError:
                    raise ValueError(f"{ENV_PREFIX}{name.upper()}={raw!r} is not a "
                                     f"{type(default).__name__}") from None
        return replace(config, **changes)
