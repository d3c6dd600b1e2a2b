"""A throwaway PostgreSQL server for tests and benchmarks: initdb into a temp dir, a unix socket
only (no TCP), stopped and deleted afterwards.

    server = ThrowawayPostgres(find_pg_bindir())
    url = server.start()     # postgresql://postgres@/postgres?host=/tmp/ruhui-pg-xxx&port=5432
    ...
    server.stop()

Run as root, the server is started as user ``postgres`` (it refuses root). ``fast=True`` turns
fsync off, for tests that do not test PostgreSQL's durability; benchmarks keep the defaults.
"""

from __future__ import annotations

import glob
import os
import shutil
import signal
import subprocess
import tempfile
import threading
from pathlib import Path


def find_pg_bindir() -> Path | None:
    for candidate in sorted(glob.glob("/usr/lib/postgresql/*/bin"),
                            key=lambda p: int(Path(p).parent.name) if Path(p).parent.name.isdigit()
                            else 0, reverse=True):
        if (Path(candidate) / "postgres").exists() and (Path(candidate) / "initdb").exists():
            return Path(candidate)
    initdb, postgres = shutil.which("initdb"), shutil.which("postgres")
    return Path(initdb).resolve().parent if initdb and postgres else None


class ThrowawayPostgres:
    """initdb + postgres on a unix socket in a temp dir, as user postgres when we are root
    (the server refuses to run as root)."""

    READY = "database system is ready to accept connections"

    def __init__(self, bindir: Path, *, fast: bool = False) -> None:
        self.bindir = bindir
        self.fast = fast
        self.dir = Path(tempfile.mkdtemp(prefix="ruhui-pg-"))
        self.as_root = os.geteuid() == 0
        self.proc: subprocess.Popen | None = None
        self._ready = threading.Event()
        self._log: list[str] = []

    def _as(self) -> dict:
        # started directly as postgres (no runuser in between), so signals reach the server
        return {"user": "postgres", "group": "postgres", "extra_groups": []} if self.as_root \
            else {}

    def start(self, deadline: float = 60.0) -> str:
        data = self.dir / "data"
        if self.as_root:
            shutil.chown(self.dir, "postgres", "postgres")
        env = {**os.environ, "LC_ALL": "C", "LANG": "C"}
        durability = ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c",
                      "full_page_writes=off"] if self.fast else []
        subprocess.run([str(self.bindir / "initdb"), "-D", str(data), "-U", "postgres",
                        "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync"],
                       check=True, env=env, cwd=self.dir, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE, **self._as())
        self.proc = subprocess.Popen(
            [str(self.bindir / "postgres"), "-D", str(data), "-k", str(self.dir),
             "-c", "listen_addresses=", "-c", "max_connections=200", *durability],
            env=env, cwd=self.dir, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
            **self._as())
        self._reader = threading.Thread(target=self._read_log, daemon=True)
        self._reader.start()
        # The server says when it accepts connections; wait for that line, not for a clock.
        if not self._ready.wait(deadline) or self.proc.poll() is not None:
            log = "".join(self._log[-20:])
            self.stop()
            raise RuntimeError("PostgreSQL did not start:\n" + log)
        subprocess.run([str(self.bindir / "pg_isready"), "-h", str(self.dir), "-p", "5432"],
                       check=True, stdout=subprocess.DEVNULL)
        return f"postgresql://postgres@/postgres?host={self.dir}&port=5432"

    def _read_log(self) -> None:
        assert self.proc and self.proc.stderr
        for line in self.proc.stderr:  # drained to the end, so the server never blocks on it
            self._log.append(line)
            if self.READY in line:
                self._ready.set()
        self._ready.set()  # exited: start() reports it

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)  # fast shutdown: ends leftover sessions
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        if self.proc:
            self._reader.join(10)
            self.proc.stderr.close()
        shutil.rmtree(self.dir, ignore_errors=True)
