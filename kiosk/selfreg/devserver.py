"""A minimal app with only the phone page, served by real uvicorn (tests, benchmark, trials).

The kiosk's real app (the Flet UI beside this router) is composed in kiosk.web; this one exists so
the phone page can be exercised on its own:

    python -m kiosk.selfreg.devserver --data-dir D [--host 127.0.0.1] [--port 0 | --fd N]
"""

from __future__ import annotations

import argparse
import contextlib
import socket
import sys
import threading
from typing import Iterator

import uvicorn
from fastapi import FastAPI

from kiosk.selfreg.limits import RateLimits
from kiosk.selfreg.router import build_selfreg_router
from kiosk.service import Kiosk


def selfreg_app(kiosk: Kiosk, limits: RateLimits | None = None) -> FastAPI:
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    app.include_router(build_selfreg_router(kiosk, limits=limits))
    return app


def _config(app, **options) -> uvicorn.Config:
    return uvicorn.Config(app, log_level="warning", access_log=False, ws="none",
                          lifespan="off", **options)


def listening_socket(host: str = "127.0.0.1", port: int = 0) -> socket.socket:
    """A bound, listening TCP socket (port 0: a free port chosen by the OS)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(1024)
    return sock


@contextlib.contextmanager
def serve_in_thread(app, host: str = "127.0.0.1") -> Iterator[str]:
    """Serve `app` with uvicorn in a thread; yields the base URL, stops the server on exit.

    The socket listens before the thread starts, so a client may connect at once: the kernel
    queues the connection until uvicorn accepts it (no waiting for "started").
    """
    sock = listening_socket(host)
    server = uvicorn.Server(_config(app))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        sock.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--fd", type=int, help="serve on an inherited listening socket")
    args = parser.parse_args(argv)
    kiosk = Kiosk.open(args.data_dir)
    app = selfreg_app(kiosk)
    if args.fd is not None:
        sock = socket.socket(fileno=args.fd)
    else:
        sock = listening_socket(args.host, args.port)
    print(f"serving on http://{args.host}:{sock.getsockname()[1]}", file=sys.stderr, flush=True)
    try:
        uvicorn.Server(_config(app)).run(sockets=[sock])
    finally:
        kiosk.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
