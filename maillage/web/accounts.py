"""The workbench's people: accounts with roles, invitations, passwords, signed sessions.

A partnerships lab has several intermediaries and partners who only read. Accounts live in the
store itself (the store contract's ``accounts``), so every workbench process serving the same
database — several on one Neo4j — knows the same people, and a removal holds everywhere.

- **Roles**: a ``reader`` sees everything and exports; an ``editor`` also changes, records the
  outcomes of proposals and loads files; an ``admin`` also invites, changes roles and removes
  people. Every journal entry carries its author's account name.
- **Invitations**: an administrator (in the workbench, or ``maillage team invite``) names a
  person and a role, and gets a link valid for seven days, to hand over; the person chooses
  their password there. Only digests of invitation codes are kept.
- **Passwords** are kept as Argon2id hashes (argon2-cffi, RFC 9106's parameters), never as text.
- **Sessions** are cookies signed with a secret kept in the store (so any process can check
  them), naming the account, the time it signed in and a digest of its password hash: a new
  password or a removal ends every session of that account. They last 14 days.
- The start's token (``MAILLAGE_TOKEN``, or the one drawn) stays for scripts and the owner, with
  an administrator's rights.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import threading
import time
from datetime import datetime, timedelta, timezone

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from ..errors import NotFoundError, UsageError
from ..i18n import _

__all__ = ["ROLES", "People", "invite", "accept", "remove", "set_role", "listing", "MIN_PASSWORD"]

ROLES = ("reader", "editor", "admin")
MIN_PASSWORD = 10
INVITATION_DAYS = 7
SESSION_SECONDS = 14 * 24 * 3600
_NAME = re.compile(r"^[^\x00-\x1f<>\"]{1,80}$")
_HASHER = PasswordHasher()


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(microsecond=0)


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise UsageError(_("unknown role {role!r} (choose from {join})").format(role=role, join=", ".join(ROLES)))


def invite(store, name: str, role: str, by: str | None) -> str:
    """Invite ``name`` as ``role`` (or invite them again: their password must be chosen anew);
    return the invitation code, to hand over once."""
    name = (name or "").strip()
    if not _NAME.match(name):
        raise UsageError(_("a person's name is 1 to 80 characters, without < > or quotes: {name!r}").format(name=name))
    _check_role(role)
    code = secrets.token_urlsafe(24)
    store.write_account(name, {"role": role, "password": None, "invitation": _digest(code),
                               "invited_until": (_now() + timedelta(days=INVITATION_DAYS)).isoformat(),
                               "added": _now().date().isoformat(), "by": by})
    return code


def accept(store, code: str, password: str, again: str) -> str:
    """Set the password of the person invited with ``code``; return their name."""
    found = _invited(store, code)
    if found is None:
        raise NotFoundError(_("this invitation is unknown, already used or expired: ask for a new one"))
    if len(password or "") < MIN_PASSWORD:
        raise UsageError(_("a password has at least {count} characters").format(count=MIN_PASSWORD))
    if password != again:
        raise UsageError(_("the two passwords differ"))
    name, row = found
    store.write_account(name, dict(row, password=_HASHER.hash(password), invitation=None, invited_until=None))
    return name


def _invited(store, code: str):
    if not code:
        return None
    digest = _digest(code)
    for name, row in store.accounts().items():
        until = row.get("invited_until")
        if row.get("invitation") and hmac.compare_digest(row["invitation"], digest) and until \
                and datetime.fromisoformat(until) > _now():
            return name, row
    return None


def remove(store, name: str) -> None:
    if name not in store.accounts():
        raise UsageError(_("no one named {name!r} (people: {join})").format(
            name=name, join=", ".join(sorted(store.accounts())) or "—"))
    store.write_account(name, None)


def set_role(store, name: str, role: str) -> None:
    _check_role(role)
    accounts = store.accounts()
    if name not in accounts:
        raise UsageError(_("no one named {name!r} (people: {join})").format(name=name, join=", ".join(sorted(accounts)) or "—"))
    store.write_account(name, dict(accounts[name], role=role))


def listing(store) -> list[dict]:
    """Each person's name, role, state (invited or active) and the day they were added."""
    return [{"name": name, "role": row.get("role"), "added": row.get("added"), "by": row.get("by"),
             "state": "active" if row.get("password") else "invited"}
            for name, row in sorted(store.accounts().items())]


class People:
    """The accounts as the workbench's guard reads them: passwords checked, sessions signed and verified.

    ``read()`` returns the store's accounts; they are read again after ``fresh_for`` seconds, so a
    removal in another process holds within that time.
    """

    def __init__(self, read, secret: str, fresh_for: float = 2.0):
        self._read, self._key, self.fresh_for = read, hashlib.sha256(secret.encode()).digest(), fresh_for
        self._lock = threading.Lock()
        self._cached: tuple[float, dict] | None = None

    def accounts(self) -> dict:
        with self._lock:
            if self._cached is None or time.monotonic() - self._cached[0] > self.fresh_for:
                self._cached = (time.monotonic(), self._read())
            return self._cached[1]

    def forget(self) -> None:
        """Read the accounts again at the next request (this process changed them)."""
        with self._lock:
            self._cached = None

    def check_password(self, name: str, password: str) -> dict | None:
        """The account (``{"name", "role"}``) if the password is its own, else None (in constant work)."""
        row = self.accounts().get((name or "").strip())
        stored = (row or {}).get("password")
        try:
            if stored and _HASHER.verify(stored, password or ""):
                return {"name": name.strip(), "role": row["role"]}
        except (VerificationError, InvalidHashError):
            return None
        return None

    def session_value(self, name: str, issued: int | None = None) -> str:
        issued = int(time.time()) if issued is None else issued
        encoded = name.encode("utf-8").hex()
        return f"a.{encoded}.{issued}.{self._signature(name, issued)}"

    def user_of(self, value: str) -> dict | None:
        """The account a session cookie names, if its signature holds, it is recent enough, and the
        account still has the password it signed in with."""
        parts = value.split(".")
        if len(parts) != 4 or parts[0] != "a" or not parts[2].isdigit():
            return None
        try:
            name = bytes.fromhex(parts[1]).decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            return None
        issued = int(parts[2])
        if time.time() - issued > SESSION_SECONDS or not hmac.compare_digest(parts[3], self._signature(name, issued)):
            return None
        row = self.accounts().get(name)
        return {"name": name, "role": row["role"]} if row and row.get("password") else None

    def _signature(self, name: str, issued: int) -> str:
        row = self.accounts().get(name) or {}
        fingerprint = _digest(row.get("password") or "")[:16]  # a new password ends the older sessions
        message = f"{name}\x1f{issued}\x1f{fingerprint}".encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()
