"""An upload in two steps: the file is kept, its columns are mapped, then it is loaded.

An intermediary's spreadsheet has its own headers (« Nom ; Type ; Code INSEE ; Thèmes »). The
first step keeps the file on the server (a folder beside the store, mode 0700, files 0600, kept a
day at most) and proposes, for each of its columns, the maillage field it holds: the mapping
remembered for the same header, else the one its names give (French or English, accents and
case forgiven: :mod:`maillage.loaders.columns`). The user corrects what is wrong, chooses whether
good rows load when others are bad, and the second step loads the kept file with that mapping,
through the same pipeline as ``maillage load --map``. The mapping that loaded is remembered.

A file already in maillage's own columns, published open data and JSON skip the mapping step.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import time
from pathlib import Path

from ..errors import MaillageError, NotFoundError, UsageError
from ..i18n import _
from ..loaders.columns import resolve_header
from ..loaders.formats import TABULAR, inspect_file, open_rows
from ..loaders.kinds import KIND_ORDER, KINDS
from ..loaders.opendata import detect_source
from ..loaders.report import kind_label
from ..vocabulary import fold
from .pending import pending_folder

__all__ = ["stage", "staged", "propose", "remember", "mapping_from_form", "discard"]

KEEP_FOR = 24 * 3600  # seconds a staged upload waits for its mapping
SAMPLES = 3
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def _folder(store_uri: str) -> Path:
    """Beside the pending folder: ``maillage.db.uploads``, or ``uploads-…`` in the state folder."""
    pending = pending_folder(store_uri)
    name = pending.name
    return pending.with_name(name[:-len(".pending")] + ".uploads" if name.endswith(".pending")
                             else "uploads-" + name.partition("-")[2])


def _mappings_file(store_uri: str) -> Path:
    return _folder(store_uri) / "mappings.json"


def stage(store_uri: str, filename: str, content: bytes) -> str:
    """Keep an uploaded file for its mapping step; return the token that names it."""
    folder = _folder(store_uri)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    _sweep(folder)
    token = secrets.token_urlsafe(18)
    suffix = Path(filename or "").suffix.lower()
    descriptor = os.open(folder / (token + suffix), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(content)
    (folder / (token + ".name")).write_text(Path(filename or "upload").name[:200], encoding="utf-8")
    return token


def staged(store_uri: str, token: str) -> tuple[Path, str]:
    """(the kept file, the name it was sent under); NotFoundError once gone or for a forged token."""
    folder = _folder(store_uri)
    if not _TOKEN.match(token or ""):
        raise NotFoundError(_("this upload is no longer kept: send the file again"))
    found = [path for path in folder.glob(token + ".*") if path.suffix != ".name"] if folder.is_dir() else []
    if not found:
        raise NotFoundError(_("this upload is no longer kept: send the file again"))
    name_file = folder / (token + ".name")
    return found[0], name_file.read_text(encoding="utf-8") if name_file.exists() else found[0].name


def discard(store_uri: str, token: str) -> None:
    folder = _folder(store_uri)
    for path in folder.glob(token + ".*") if _TOKEN.match(token or "") and folder.is_dir() else ():
        path.unlink(missing_ok=True)


def propose(store_uri: str, path: Path, kind: str | None = None) -> dict | None:
    """The mapping step's page data, or None when the file needs none (own columns, open data, JSON).

    ``{"kind", "kinds", "columns": [{"name", "samples", "target"}], "remembered"}``; ``kind`` given
    re-proposes for that kind."""
    head = inspect_file(path)
    if head.format not in TABULAR or detect_source([head]):
        return None
    remembered = _remembered(store_uri, head.header)
    if kind is None and remembered:
        kind, targets = remembered["kind"], remembered["targets"]
    else:
        try:
            kind, _header, renamed = resolve_header(head.header, path, kind)
        except UsageError:
            kind, renamed = kind, {}
        own = {original: column for column, original in renamed.items()}
        fields = KINDS[kind].columns if kind else ()
        targets = [own.get(name) or (fold(name) if fold(name) in fields else "") for name in head.header]
        if kind and not renamed and all(targets):
            return None  # maillage's own columns: nothing to map
    return {"kind": kind, "kinds": list(KIND_ORDER), "remembered": bool(remembered) and kind == remembered["kind"],
            "columns": [{"name": name, "samples": samples, "target": target}
                        for name, samples, target in zip(head.header, _samples(head), targets)]}


def mapping_from_form(form: dict, header_size: int) -> tuple[str | None, list[str]]:
    """(kind, the target of each column) as the mapping form sent them (checked by the load)."""
    kind = str(form.get("kind") or "") or None
    if kind is not None and kind not in KINDS:
        raise UsageError(_("unknown kind {kind!r} (choose from {join})").format(kind=kind, join=", ".join(KIND_ORDER)))
    targets = [str(form.get(f"map-{i}") or "") for i in range(header_size)]
    fields = KINDS[kind].columns if kind else ()
    for target in targets:
        if target and target not in fields:
            raise UsageError(_("{column!r} is no field of {kind}").format(column=target, kind=kind_label(kind)))
    return kind, targets


def as_columns(header: list[str], targets: list[str]) -> dict[str, str]:
    """The pipeline's ``columns`` (folded file column → field) for a header and its targets."""
    return {fold(name): target for name, target in zip(header, targets) if target and fold(name) != target}


def remember(store_uri: str, header: list[str], kind: str, targets: list[str]) -> None:
    """Keep the mapping that loaded, for the next file with the same header."""
    path = _mappings_file(store_uri)
    try:
        known = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    except (OSError, ValueError):
        known = {}  # a damaged memory of mappings is only a lost proposal
    known[_signature(header)] = {"kind": kind, "targets": targets}
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    temporary = path.with_name(path.name + f".{os.getpid()}.tmp")
    temporary.write_text(json.dumps(known, ensure_ascii=False, sort_keys=True), encoding="utf-8")
    os.replace(temporary, path)


def _remembered(store_uri: str, header: list[str]) -> dict | None:
    path = _mappings_file(store_uri)
    try:
        found = json.loads(path.read_text(encoding="utf-8")).get(_signature(header)) if path.exists() else None
    except (OSError, ValueError, AttributeError):
        return None
    if not found or found.get("kind") not in KINDS or len(found.get("targets", [])) != len(header):
        return None
    return found


def _signature(header: list[str]) -> str:
    return hashlib.sha256("\x1f".join(fold(name) for name in header).encode()).hexdigest()[:24]


def _samples(head) -> list[list[str]]:
    """The first values of each column, to show what it holds."""
    columns = [[] for _name in head.header]
    try:
        for count, (_line, row) in enumerate(open_rows(head)):
            if count >= SAMPLES:
                break
            for i, name in enumerate(head.header):
                value = row.get(name) if isinstance(row, dict) else None
                if value not in (None, ""):
                    columns[i].append(str(value)[:60])
    except MaillageError:
        pass  # an unreadable row is the load's to report, with its line
    return columns


def _sweep(folder: Path) -> None:
    """Forget uploads no one mapped within a day."""
    limit = time.time() - KEEP_FOR
    for path in folder.iterdir():
        if path.name != "mappings.json" and path.stat().st_mtime < limit:
            path.unlink(missing_ok=True)
