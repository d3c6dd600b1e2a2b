"""A real uvicorn hub on 127.0.0.1 in a background thread, or as a `kiosk hub` subprocess."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import uvicorn


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(url: str, deadline: float = 20.0, proc: subprocess.Popen | None = None) -> None:
    """Poll GET /v1/health until it answers (process readiness, with a deadline)."""
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"hub exited with {proc.returncode}")
        try:
            if httpx.get(f"{url}/v1/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    raise TimeoutError(f"hub at {url} not ready")


class ThreadHub:
    """`with ThreadHub(db) as hub:` hub.url, hub.store, hub.db; uvicorn in a daemon thread.
    `db`: a SQLite path or a postgresql:// URL."""

    def __init__(self, db_path: str | Path) -> None:
        from sync.hub.app import create_app
        from sync.hub.storage.open import open_hub_store
        self.db = str(db_path)
        self.store = open_hub_store(db_path)
        self.app = create_app(self.store)
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(uvicorn.Config(self.app, log_level="warning",
                                                    access_log=False, lifespan="off"))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]},
                                       daemon=True)

    def __enter__(self) -> "ThreadHub":
        self.thread.start()
        end = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > end or not self.thread.is_alive():
                raise RuntimeError("hub did not start")
            time.sleep(0.01)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(10)
        self.sock.close()
        self.store.close()


class ProcessHub:
    """`kiosk hub` as a subprocess on a fixed port, so it can be SIGKILLed and restarted.
    `db_path`: a SQLite path or a postgresql:// URL."""

    def __init__(self, db_path: str | Path, port: int | None = None, env: dict | None = None):
        self.db = str(db_path)
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, **(env or {})}
        self.proc: subprocess.Popen | None = None
        # The hub's stderr (its JSON log lines) goes to a file, kept across restarts and removed
        # by stop(): a pipe nobody reads would fill up and stall the hub mid-request.
        fd, name = tempfile.mkstemp(prefix="ruhui-hub-", suffix=".log")
        os.close(fd)
        self.log_path = Path(name)

    def start(self) -> "ProcessHub":
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "kiosk.cli", "hub", "--host", "127.0.0.1", "--port",
                 str(self.port), "--db", self.db], env=self.env, stdout=subprocess.DEVNULL,
                stderr=log)
        wait_healthy(self.url, proc=self.proc)
        return self

    def log_text(self) -> str:
        """What the hub wrote on stderr so far (all its runs)."""
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)
        if self.proc and self.proc.stderr:
            self.proc.stderr.close()

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()
        if self.proc and self.proc.stderr:
            self.proc.stderr.close()
        self.log_path.unlink(missing_ok=True)
