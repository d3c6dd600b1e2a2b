"""The address phones reach the kiosk at, and the join URL and QR code built on it.

Detection only enumerates this machine's interfaces (``ip -j addr`` on Linux, else the host
name's addresses); it never sends a packet anywhere, not even the usual UDP "connect" trick.
A private LAN address (the event Wi-Fi) wins over other addresses. When the kiosk is reachable
from outside (a tunnel, a public host), a base URL overrides detection: ``KIOSK_PUBLIC_URL`` in
the environment, else the ``selfreg.public_url`` setting.
"""

from __future__ import annotations

import ipaddress
import json
import os
import shutil
import socket
import subprocess
from typing import Iterable, Mapping

from kiosk.config import ENV_PREFIX
from kiosk.join.access import join_access
from kiosk.service import Kiosk

PUBLIC_URL_ENV = f"{ENV_PREFIX}PUBLIC_URL"
JOIN_PREFIX = "/join"
DEFAULT_PORT = 8550


def _interface_addresses() -> list[str]:
    """IPv4 addresses of this machine's interfaces (no traffic is sent)."""
    found: list[str] = []
    if shutil.which("ip"):
        try:
            out = subprocess.run(["ip", "-j", "-4", "addr"], capture_output=True, text=True,
                                 timeout=5, check=False).stdout
            for link in json.loads(out or "[]"):
                if "UP" not in link.get("flags", ()):
                    continue
                found += [a["local"] for a in link.get("addr_info", ()) if a.get("local")]
        except (OSError, subprocess.SubprocessError, ValueError, KeyError, TypeError):
            pass
    if not found:
        try:
            infos = socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)
            found = [info[4][0] for info in infos]
        except OSError:
            pass
    return found


def pick_lan_address(addresses: Iterable[str]) -> str:
    """The best address for phones: private (RFC 1918) first, then any global, else loopback."""
    def rank(text: str) -> int:
        ip = ipaddress.ip_address(text)
        if ip.is_loopback or ip.is_link_local or ip.is_unspecified:
            return 9
        if ip.is_private and not ip.is_global:
            # Event routers hand out 192.168.x.x and 10.x.x.x; 172.16/12 is often a container bridge.
            return 0 if ip in ipaddress.ip_network("192.168.0.0/16") or \
                ip in ipaddress.ip_network("10.0.0.0/8") else 1
        return 2
    candidates = sorted({a for a in addresses if _is_ipv4(a)}, key=lambda a: (rank(a), a))
    if not candidates or rank(candidates[0]) == 9:
        return "127.0.0.1"
    return candidates[0]


def lan_address() -> str:
    """This machine's best address for phones on the event Wi-Fi (loopback when there is none)."""
    return pick_lan_address(_interface_addresses())


def _is_ipv4(text: str) -> bool:
    try:
        return ipaddress.ip_address(text).version == 4
    except ValueError:
        return False


def base_url(kiosk: Kiosk, *, port: int = DEFAULT_PORT, host: str | None = None,
             environ: Mapping[str, str] | None = None) -> str:
    """Where phones reach this kiosk: $KIOSK_PUBLIC_URL, the setting, `host` when it is a
    specific address the server is bound to, else the detected LAN address; `port` is the port
    the kiosk serves on."""
    environ = os.environ if environ is None else environ
    override = environ.get(PUBLIC_URL_ENV) or kiosk.public_url()
    if override:
        return str(override).rstrip("/")
    if host and host not in ("0.0.0.0", "::", "") and _is_ipv4(host) \
            and not ipaddress.ip_address(host).is_loopback:
        address = host
    else:
        address = lan_address()
    return f"http://{address}:{port}"


def join_url(kiosk: Kiosk, base: str | None = None, *, port: int = DEFAULT_PORT,
             host: str | None = None) -> str:
    """The self-registration URL the QR code carries (the current event's token).

    `base` overrides the address (e.g. "https://join.example.org"); without it see `base_url`.
    """
    root = (base or base_url(kiosk, port=port, host=host)).rstrip("/")
    return f"{root}{JOIN_PREFIX}/{join_access(kiosk).token}"


def join_qr_png(url: str, module_px: int = 8) -> bytes:
    """The join URL as a QR code PNG (black on white, quiet zone included) for screens."""
    import io

    from kiosk.primitives.qr import qr_image, qr_matrix

    buffer = io.BytesIO()
    qr_image(qr_matrix(url, ec_level="M"), module_px).save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
