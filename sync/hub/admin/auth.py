"""Who may use the admin pages, and what each may do: passwords, sessions, roles, login limits.

- Passwords are hashed with scrypt (``hashlib``, no new dependency), N=2^15, r=8, p=1: about
  0.1 s per guess on this class of machine, and 32 MB of memory per guess, which is what makes
  scrypt costly on GPUs as well as CPUs. The parameters are stored with each hash, so they can be
  raised later without invalidating old passwords.
- A session is a random token in an HttpOnly, SameSite=Strict cookie; the database holds only its
  SHA-256, so a copy of the database opens no session. It ends after IDLE seconds without a
  request and, whatever the activity, ABSOLUTE seconds after login.
- Failed logins are counted in the database (so every hub process sees them) per user name and per
  client address; past the limit a login is refused before any password is checked, so the
  limit also caps the CPU an attacker can make the hub spend on scrypt.
- Roles: a role is a set of permissions (ROLES); pages and actions ask for a permission, never
  for a role, so the table below is the whole policy.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from kiosk.primitives.scrypt_hash import scrypt_hash, scrypt_matches

ROLES: dict[str, frozenset[str]] = {
    "admin": frozenset({"view", "provision", "revoke", "correct", "review", "export",
                        "export_full_ids", "users"}),
    "staff": frozenset({"view", "provision", "correct", "review", "export", "export_full_ids"}),
    "readonly": frozenset({"view", "export"}),
}
IDLE = 30 * 60
ABSOLUTE = 12 * 3600
FAILURE_WINDOW = 15 * 60
MAX_FAILURES_PER_USER = 5
MAX_FAILURES_PER_ADDRESS = 30
MIN_PASSWORD = 10
_SCRYPT_N = 2**15  # r=8, p=1: ~0.1 s and 32 MB a check


@dataclass(frozen=True)
class AdminUser:
    username: str
    role: str
    csrf: str = ""  # the session's form token

    def can(self, permission: str) -> bool:
        return permission in ROLES.get(self.role, frozenset())


def hash_password(password: str) -> str:
    return scrypt_hash(password, n=_SCRYPT_N)


def check_password(password: str, stored: str) -> bool:
    return scrypt_matches(password, stored)


_DUMMY_HASH = ""  # checked against for unknown names, so they take as long as known ones


def check_login(store: Any, username: str, password: str) -> AdminUser | None:
    """The user when `password` is theirs and the account is enabled; None otherwise (after the
    same amount of work either way)."""
    global _DUMMY_HASH
    row = store.admin_user(username)
    if row is None or row[3] is not None:
        _DUMMY_HASH = _DUMMY_HASH or hash_password(secrets.token_hex(8))
        check_password(password, _DUMMY_HASH)
        return None
    name, stored, role, _disabled = row
    return AdminUser(name, role) if check_password(password, stored) else None


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


def new_session(store: Any, user: AdminUser, now: int) -> str:
    """Open a session for `user`; returns the cookie value (the only place it exists in full)."""
    token = secrets.token_urlsafe(32)
    store.create_admin_session(token_hash(token), user.username, secrets.token_urlsafe(24), now,
                               now + IDLE)
    return token


def session_user(store: Any, token: str | None, now: int) -> AdminUser | None:
    """The signed-in user of cookie `token`, extending the idle deadline; None when the session
    is unknown, expired (idle or absolute) or its user disabled."""
    if not token or len(token) > 100:
        return None
    key = token_hash(token)
    row = store.admin_session(key, now)
    if row is None:
        return None
    username, role, csrf, created_at, expires_at = row
    deadline = min(now + IDLE, created_at + ABSOLUTE)
    if deadline - expires_at > 60:  # write at most once a minute per session
        store.extend_admin_session(key, deadline)
    return AdminUser(username, role, csrf)


def login_blocked(store: Any, username: str, address: str, now: int) -> bool:
    since = now - FAILURE_WINDOW
    return (store.login_failures(f"user:{username.lower()}", since) >= MAX_FAILURES_PER_USER
            or store.login_failures(f"addr:{address}", since) >= MAX_FAILURES_PER_ADDRESS)


def record_failure(store: Any, username: str, address: str, now: int) -> None:
    store.add_login_failures([f"user:{username.lower()}", f"addr:{address}"], now,
                             older_than=now - FAILURE_WINDOW)


def valid_username(name: str) -> bool:
    return 1 <= len(name) <= 40 and name.isprintable() and name.strip() == name
