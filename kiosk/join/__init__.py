"""The join link for workers' own phones: who may open the phone page (the event's join token,
form nonces, e-card cookies), the address phones reach and its QR code, and the A4 poster.

The screens, the command line and the phone page (kiosk.selfreg) all read it from here."""

from kiosk.join.access import JoinAccess, close_join, join_access, rotate_join
from kiosk.join.address import base_url, join_qr_png, join_url, lan_address

__all__ = ["JoinAccess", "base_url", "close_join", "join_access", "join_qr_png", "join_url",
           "lan_address", "rotate_join"]
