"""`kiosk run [--host H] [--port 8550] [--lan]`: serve the volunteer UI and the phone page."""

from __future__ import annotations

import argparse
import io
import os
from pathlib import Path

from kiosk.cli.common import open_kiosk, say_text
from kiosk.config import ENV_PREFIX

CACHE_ENV = f"{ENV_PREFIX}CACHE_DIR"


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("run", help="serve the volunteer UI and the phone page")
    parser.add_argument("--host", default=None, help="address to listen on (default 127.0.0.1; "
                        "0.0.0.0 with --lan)")
    parser.add_argument("--port", type=int, default=8550)
    parser.add_argument("--lan", action="store_true",
                        help="listen on the LAN too, and print its address and a QR code")
    parser.add_argument("--cache-dir", default=None, help="where generated fonts and the "
                        f"compressed client go (default ${CACHE_ENV} or DATA_DIR/web-cache)")
    parser.set_defaults(func=run)


def terminal_qr(text: str) -> str:
    """`text` as a QR code drawn with half blocks, for a phone or tablet to scan off the screen."""
    import qrcode

    code = qrcode.QRCode(border=2)
    code.add_data(text)
    out = io.StringIO()
    code.print_ascii(out=out, invert=True)
    return out.getvalue()


def run(args: argparse.Namespace) -> int:
    import uvicorn

    from kiosk.join import lan_address
    from kiosk.web.app import WebOptions, build_app
    from sync.client.background import BackgroundSync

    with open_kiosk(args) as kiosk:
        host = args.host or ("0.0.0.0" if args.lan else "127.0.0.1")
        cache = Path(args.cache_dir or os.environ.get(CACHE_ENV)
                     or kiosk.paths.data_dir / "web-cache")
        shown_host = "127.0.0.1" if host in ("0.0.0.0", "::") else host
        lan_url = None
        if args.lan or host in ("0.0.0.0", "::"):
            lan_url = f"http://{lan_address()}:{args.port}/"
        # Uploads run beside the UI whenever a network appears; a kiosk never provisioned just
        # shows so, and nothing waits on the network.
        sync = BackgroundSync(kiosk)
        app = build_app(kiosk, WebOptions(cache_dir=cache, host=host, port=args.port), sync)
        local_url = f"http://{shown_host}:{args.port}/"
        say_text("ui.run.local", url=local_url)
        if lan_url:
            say_text("ui.run.lan", url=lan_url)
            print(terminal_qr(lan_url), flush=True)
        say_text("ui.run.stop")
        sync.start()
        try:
            uvicorn.run(app, host=host, port=args.port, log_level="warning")
        finally:
            sync.stop()
    return 0

