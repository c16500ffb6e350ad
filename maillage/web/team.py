"""The team of a workbench: who may read, who may change, and each one's own token.

A team lab has several intermediaries and, often, partners who only read. ``maillage team add
NAME --role editor|reader`` gives a member a token of their own, shown once; the team file keeps
only its SHA-256 (a file beside the store, mode 0600, or ``--team FILE``). Signed in with their
token, a member's name is « who » on every change, outcome and upload they make (no free text),
and the history lists each one's changes. A ``reader`` sees everything and exports, and can
change nothing: every form is refused (403) before any handler, and the pages offer none.

The start's own token (``MAILLAGE_TOKEN``, or the one drawn) stays the owner's: every right, and
« who » typed in each form. Removing a member, or changing their role, takes effect on their
next request: the file is read again when it changes.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import secrets
import threading
from datetime import date
from pathlib import Path

from ..errors import UsageError
from ..i18n import _
from .pending import pending_folder

__all__ = ["ROLES", "Team", "team_file", "add_member", "remove_member", "members"]

ROLES = ("reader", "editor")
_NAME = re.compile(r"^[^\x00-\x1f<>\"]{1,80}$")


def team_file(store_uri: str) -> Path:
    """Beside a SQLite store (``maillage.db.team.json``); for a server, in the user's state folder."""
    pending = pending_folder(store_uri)
    name = pending.name
    return pending.with_name(name[:-len(".pending")] + ".team.json" if name.endswith(".pending")
                             else "team-" + name.partition("-")[2] + ".json")


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _read(path: Path) -> dict:
    if not path.exists():
        return {}
    try:
        found = json.loads(path.read_text(encoding="utf-8")).get("members", {})
    except (OSError, ValueError, AttributeError) as exc:
        raise UsageError(_("{path}: not a maillage team file ({error})").format(path=path, error=exc)) from exc
    return found if isinstance(found, dict) else {}


def _write(path: Path, found: dict) -> None:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    temporary = path.with_name(path.name + f".{os.getpid()}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        json.dump({"members": found}, handle, ensure_ascii=False, indent=1, sort_keys=True)
    os.replace(temporary, path)


def add_member(path: Path, name: str, role: str) -> str:
    """Add ``name`` (or give them a new token and role); return their token, to hand over once."""
    name = (name or "").strip()
    if not _NAME.match(name):
        raise UsageError(_("a member's name is 1 to 80 characters, without < > or quotes: {name!r}").format(name=name))
    if role not in ROLES:
        raise UsageError(_("unknown role {role!r} (choose from {join})").format(role=role, join=", ".join(ROLES)))
    found = _read(path)
    token = secrets.token_urlsafe(24)
    found[name] = {"role": role, "token_sha256": _digest(token), "added": date.today().isoformat()}
    _write(path, found)
    return token


def remove_member(path: Path, name: str) -> None:
    found = _read(path)
    if name not in found:
        raise UsageError(_("no member named {name!r} (members: {join})").format(
            name=name, join=", ".join(sorted(found)) or "—"))
    del found[name]
    _write(path, found)


def members(path: Path) -> list[dict]:
    """Each member's name, role and the day they were added (never their token)."""
    return [{"name": name, "role": row.get("role"), "added": row.get("added")} for name, row in sorted(_read(path).items())]


class Team:
    """The team file as the workbench reads it: a token → the member, their role as the file says now."""

    def __init__(self, path: Path | None):
        self.path = path
        self._lock = threading.Lock()
        self._seen: tuple | None = None
        self._by_digest: dict[str, tuple[str, str]] = {}

    def member(self, token: str) -> tuple[str, str] | None:
        """(name, role) of the member whose token this is, or None."""
        if not token:
            return None
        digest = _digest(token)
        for known, member in self._members().items():
            if hmac.compare_digest(known, digest):
                return member
        return None

    def role_of(self, name: str) -> str | None:
        """A member's role now (None once removed)."""
        return next((role for member, role in self._members().values() if member == name), None)

    def _members(self) -> dict[str, tuple[str, str]]:
        if self.path is None:
            return {}
        try:
            stat = self.path.stat()
            seen = (stat.st_mtime_ns, stat.st_size)
        except OSError:
            return {}
        with self._lock:
            if seen != self._seen:
                found = _read(self.path)
                self._by_digest = {row["token_sha256"]: (name, row["role"]) for name, row in found.items()
                                   if isinstance(row, dict) and row.get("role") in ROLES and row.get("token_sha256")}
                self._seen = seen
            return self._by_digest
