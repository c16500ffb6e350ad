"""Changes made in the workbench: forms and uploads, through the same pipeline as ``maillage load``.

A form becomes a one-row file of the kind it edits and is loaded with ``on_error="abort"``:
the same validation, the same identity rules, all or nothing. The journal entry (who, when,
what before and after) is written by the load's ``before_commit`` hook, so the change and its
record land together or not at all. Errors come back per field, to be shown beside it.
"""

from __future__ import annotations

import base64
import csv
import os
import re
import tempfile
from pathlib import Path

from ..errors import DataError, MaillageError, NotFoundError, StoreBusy, StoreError, UsageError
from ..i18n import _
from ..loaders.formats import inspect_file
from ..loaders.pipeline import load_files
from ..queries.common import resolve_actor
from ..vocabulary import fold
from . import uploads
from .data import Workbench, _entry_id, _now, check_identifier

__all__ = ["FORMS", "save_form", "upload", "load_upload", "replay"]

# the fields of each form, in order; list fields take several values (one per line or « ; »)
FORMS = {
    "actors": ("id", "name", "kind", "commune", "siren", "siret", "rna", "themes", "offers", "seeks", "operates_in",
               "website"),
    "needs": ("id", "title", "territory", "themes", "resources", "holder", "status", "since", "description"),
    "partnerships": ("source", "target", "kind", "start", "end", "themes", "amount", "description"),
}
LISTS = {"themes", "offers", "seeks", "operates_in", "resources"}
_ACTOR_REFERENCES = {"source", "target", "holder"}
UPLOAD_SUFFIXES = (".csv", ".json", ".jsonl")


def save_form(bench: Workbench, kind: str, values: dict, by: str) -> dict:
    """Validate and load one record; ``{"errors": {field: message}}`` or ``{"report", "subject"}``."""
    if kind not in FORMS:
        raise UsageError(_("unknown kind {kind!r} (choose from {join})").format(kind=kind, join=", ".join(FORMS)))
    row = {name: _clean(name, values.get(name)) for name in FORMS[kind]}
    errors = {}
    if not (by or "").strip():
        errors["by"] = _("say who makes the change")
    for name in ("siren", "siret", "rna"):
        if kind == "actors" and row.get(name) and (problem := check_identifier(row[name])):
            errors[name] = problem
    graph = bench.graph()
    for name in _ACTOR_REFERENCES & set(row):
        if row[name]:
            problem = check_identifier(row[name])
            if problem:
                errors[name] = problem
                continue
            try:
                row[name] = resolve_actor(graph, row[name])
            except NotFoundError as exc:
                errors[name] = str(exc)
    if kind == "actors" and not row["id"] and not any(row[k] for k in ("siren", "siret", "rna")):
        row["id"] = _new_id(graph, row["name"])
    if errors:
        return {"errors": errors}
    if kind == "actors":
        subject, actors = row["id"] or None, [row["id"]] if row["id"] else []
    elif kind == "needs":
        subject, actors = row["id"] or None, [row["holder"]] if row["holder"] else []
    else:
        subject, actors = row["source"], [row["source"], row["target"]]
    files = {kind: [row]}
    if kind == "partnerships" and values.get("need") and values.get("meets_need"):
        met = _need_met_row(bench, str(values["need"]))  # the partnership and the need met land together
        if met is None:
            return {"errors": {"form": _("no need {need!r} in this scope").format(need=values["need"])}}
        files["needs"] = [met]
    return _load(bench, files, by, subject, actors)


def _need_met_row(bench: Workbench, need_id: str) -> dict | None:
    """The stored need as a form row, its status now « met »."""
    with bench.reading() as store:
        stored = store.fetch_rows("needs", [need_id]).get(need_id)
    if stored is None:
        return None
    row = {name: stored.get(name) for name in FORMS["needs"]}
    extra = {key: value for key, value in (stored.get("extra") or {}).items() if key not in row}  # kept as they were
    return dict(row, **extra, status="met", **{name: list(row[name] or []) for name in ("themes", "resources")})


def upload(bench: Workbench, filename: str, content: bytes, by: str) -> dict:
    """The first step of an upload: the file kept, and its mapping proposed (``{"mapping", "token",
    "filename"}``); a file that needs no mapping is loaded at once, as ``maillage load`` would."""
    suffix = Path(filename or "").suffix.lower()
    if suffix not in UPLOAD_SUFFIXES:
        return {"errors": {"file": _("send a .csv, .json or .jsonl file")}}
    if not (by or "").strip():
        return {"errors": {"by": _("say who makes the change")}}
    token = uploads.stage(bench.store_uri, filename, content)
    path, name = uploads.staged(bench.store_uri, token)
    try:
        proposal = uploads.propose(bench.store_uri, path)
    except MaillageError as exc:
        uploads.discard(bench.store_uri, token)
        return {"errors": {"file": str(exc).replace(str(path), name)}}
    if proposal is None:
        return load_upload(bench, token, by)
    return {"mapping": proposal, "token": token, "filename": name}


def load_upload(bench: Workbench, token: str, by: str, kind: str | None = None, targets: list | None = None,
                on_error: str = "abort", keep: bool = True) -> dict:
    """The second step: the kept file loaded with the mapping chosen (remembered once it loads).

    A busy store keeps it for later (``{"pending": True}``) unless ``keep`` is false."""
    path, name = uploads.staged(bench.store_uri, token)
    if not (by or "").strip():
        return {"errors": {"by": _("say who makes the change")}}
    header = inspect_file(path).header
    columns = uploads.as_columns(header, targets) if targets else None
    try:
        result = _load_path(bench, [path], kind, by, "upload", [], {"file": name}, on_error=on_error,
                            columns=columns, shown=(str(path), name))
    except StoreBusy:
        if not keep or bench.pending is None:
            raise
        bench.pending.keep({"op": "upload", "at": _now(), "filename": name, "by": by, "kind": kind,
                            "targets": targets, "on_error": on_error,
                            "content": base64.b64encode(path.read_bytes()).decode("ascii")})
        uploads.discard(bench.store_uri, token)
        return {"pending": True}
    if result.get("report") is not None and result["report"].status == "committed":
        if targets and kind:
            uploads.remember(bench.store_uri, header, kind, targets)
        uploads.discard(bench.store_uri, token)
    return result


def replay(bench: Workbench, entry: dict) -> None:
    """Write one kept entry (see :mod:`maillage.web.pending`); StoreBusy if the store is still held."""
    if entry["op"] == "outcome":
        bench.write_outcome(entry["entry"])
        return
    if entry["op"] == "upload":
        token = uploads.stage(bench.store_uri, entry["filename"], base64.b64decode(entry["content"]))
        result = load_upload(bench, token, entry["by"], entry.get("kind"), entry.get("targets"),
                             entry.get("on_error", "abort"), keep=False)
        uploads.discard(bench.store_uri, token)
    else:
        files = entry.get("files") or {entry["kind"]: entry["rows"]}  # entries kept before needs could be met too
        result = _load(bench, files, entry["by"], entry["subject"], entry["actors"], keep=False)
    if result.get("errors") or result.get("row_errors"):
        problems = list((result.get("errors") or {}).values()) + [e["message"] for e in result.get("row_errors", [])]
        raise DataError("; ".join(str(problem) for problem in problems))


def _load(bench, files: dict, by, subject, actors, keep: bool = True) -> dict:
    """Load ``files`` (kind → rows, each kind a one-file CSV) as one unit, journal entry included."""
    folder = tempfile.mkdtemp(prefix="maillage-form-")
    paths = [Path(folder) / f"{kind}.csv" for kind in files]
    kind = next(iter(files))
    try:
        for path, (name, rows) in zip(paths, files.items()):
            with path.open("w", encoding="utf-8", newline="") as handle:
                more = sorted({key for row in rows for key in row} - set(FORMS[name]))  # a need's own extra columns
                writer = csv.DictWriter(handle, fieldnames=list(FORMS[name]) + more)
                writer.writeheader()
                writer.writerows({k: (";".join(v) if isinstance(v, list) else v) for k, v in row.items()} for row in rows)
        result = _load_path(bench, paths, kind if len(files) == 1 else None, by, subject, actors, {"kind": kind},
                            primary=kind)
    except StoreBusy:
        if not keep or bench.pending is None:
            raise
        bench.pending.keep({"op": "form", "at": _now(), "kind": kind, "files": files, "by": by, "subject": subject,
                            "actors": actors})
        return {"pending": True, "subject": subject}
    finally:
        for path in paths:
            path.unlink(missing_ok=True)
        os.rmdir(folder)
    if "errors" in result:  # the pipeline's messages, by field, back beside the form's fields
        result["errors"] = {error["field"] or "form": error["message"] for error in result["row_errors"]}
    return result


def _load_path(bench, paths, kind, by, subject, actors, data, primary: str | None = None, on_error: str = "abort",
               columns: dict | None = None, shown: tuple[str, str] = ("", "")) -> dict:
    """Load ``paths`` (read as ``kind``, or each by its own columns) with the journal entry of the change;
    ``primary`` is the kind whose single row names the change when it has no subject. ``shown`` is
    (the file's path on the server, the name the user knows it by): pages never show the first.
    The result's ``created`` lists what the load created, by kind."""
    entry_data = dict(data, actors=actors)
    primary_kind = primary or kind or ""
    created: dict[str, list[str]] = {}

    def record(session, report, written):
        touched = {}
        for name, entity_ids in written.items():
            with bench.reading() as reader:
                before = reader.fetch_rows(name, entity_ids)
            after = session.fetch(name, entity_ids)
            touched[name] = {i: {"before": _plain(before.get(i)), "after": _plain(after.get(i))} for i in entity_ids}
            created[name] = sorted(i for i in entity_ids if before.get(i) is None)
        entry_data["changes"] = touched
        entry_data["totals"] = report.totals()
        entry_data["actors"] = sorted(set(entry_data["actors"]) | set(touched.get("actors", {})))
        written_ids = sorted(touched.get(primary_kind, {}))
        session.write_journal([{"id": _entry_id(), "subject": subject or (written_ids[0] if len(written_ids) == 1
                                                                          else "upload"),
                                "action": "change", "at": _now(),
                                "by": by.strip(), "data": entry_data}])

    try:
        with bench.writing() as store:
            report = load_files(store, paths, kind=kind, on_error=on_error, before_commit=record, columns=columns)
    except DataError as exc:
        if exc.report is None:
            return {"errors": {"file": _shown(str(exc), shown)}, "row_errors": []}
        _show_names(exc.report, shown)
        return {"errors": {}, "row_errors": [e.__dict__ for e in exc.report.errors], "report": exc.report}
    except StoreBusy:
        raise
    except (UsageError, StoreError) as exc:
        return {"errors": {"file": _shown(str(exc), shown)}, "row_errors": []}
    _show_names(report, shown)
    return {"report": report, "subject": subject, "created": created,
            "skipped": [e.__dict__ for e in report.errors]}  # on_error="skip": the rows left out


def _shown(text: str, shown: tuple[str, str]) -> str:
    return text.replace(shown[0], shown[1]) if shown[0] else text


def _show_names(report, shown: tuple[str, str]) -> None:
    """The report names the file as the user sent it, never by its path on the server."""
    for file_report in report.files:
        file_report.path = _shown(file_report.path, shown)
    for error in report.errors:
        error.file = _shown(error.file, shown)


def _plain(row):
    if row is None:
        return None
    return {k: v for k, v in row.items() if k not in ("source_file", "source_line")}


def _clean(name: str, value) -> str | list | None:
    text = "" if value is None else str(value).strip()
    if name in LISTS:
        return [part.strip() for part in re.split(r"[;\n]", text) if part.strip()]
    return text


def _new_id(graph, name: str) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", fold(name or "")).strip("-")[:48].strip("-") or "acteur"
    candidate, number = base, 2
    while candidate in graph:
        candidate, number = f"{base}-{number}", number + 1
    return candidate
