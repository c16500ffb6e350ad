"""The upload pages' steps as functions of the form sent: each returns (template, context, status).

The application renders what they return; they hold no request and no template themselves.
"""

from __future__ import annotations

from ..i18n import N_, _
from ..loaders.formats import inspect_file
from . import uploads
from .edits import load_upload, upload

__all__ = ["first_step", "mapping_step", "FIELD_LABELS"]

# what each field holds, in words, for the mapping step (the forms use the same words)
FIELD_LABELS = {
    "id": N_("Identifier"), "name": N_("Name"), "kind": N_("Kind"), "commune": N_("Commune (name or INSEE code)"),
    "siren": N_("SIREN"), "siret": N_("SIRET"), "rna": N_("RNA number"), "themes": N_("Themes"), "offers": N_("Offers"),
    "seeks": N_("Seeks"), "operates_in": N_("Operates in"), "website": N_("Website"), "title": N_("Title"),
    "territory": N_("Territory"), "resources": N_("Resources sought"), "holder": N_("Raised by"), "status": N_("State"),
    "since": N_("Since (date)"), "description": N_("Description"), "source": N_("First actor"), "target": N_("Second actor"),
    "start": N_("Start date"), "end": N_("End date"), "amount": N_("Amount (€)"), "members": N_("Members"), "level": N_("Level"),
    "code": N_("Code"), "parent": N_("Part of"), "population": N_("Population"),
}


def field_label(field: str) -> str:
    return _(FIELD_LABELS.get(field, field))


def first_step(bench, filename: str, content: bytes, by: str) -> tuple[str, dict, int]:
    result = upload(bench, filename, content, by)
    if result.get("mapping"):
        return "upload_map.html", _mapping_context(result["mapping"], result["token"], result["filename"], by), 200
    return _outcome(result)


def mapping_step(bench, form: dict) -> tuple[str, dict, int]:
    """The mapping form sent back: propose again for another kind, or load with the mapping chosen."""
    token, by = str(form.get("upload", "")), str(form.get("by", ""))
    path, name = uploads.staged(bench.store_uri, token)
    header = inspect_file(path).header
    kind, targets = uploads.mapping_from_form(form, len(header))
    if form.get("action") == "propose":
        proposal = uploads.propose(bench.store_uri, path, kind) or _identity(bench, path, kind)
        return "upload_map.html", _mapping_context(proposal, token, name, by), 200
    on_error = "skip" if form.get("skip") else "abort"
    result = load_upload(bench, token, by, kind, targets, on_error)
    if result.get("errors") or result.get("row_errors"):  # the same page again, as chosen, with what was wrong
        proposal = _identity(bench, path, kind)
        proposal = dict(proposal, kind=kind, remembered=False,
                        columns=[dict(column, target=target) for column, target in zip(proposal["columns"], targets)])
        context = _mapping_context(proposal, token, name, by, skip=on_error == "skip")
        return "upload_map.html", dict(context, errors=result.get("errors") or {},
                                       row_errors=result.get("row_errors", [])), 422
    return _outcome(result)


def _identity(bench, path, kind) -> dict:
    """The columns as they are (each mapped to itself where it is a field), for a file needing no proposal."""
    proposal = uploads.propose(bench.store_uri, path, kind)
    if proposal is not None:
        return proposal
    from ..loaders.kinds import KIND_ORDER, KINDS
    from ..vocabulary import fold

    head = inspect_file(path)
    fields = KINDS[kind].columns if kind else ()
    return {"kind": kind, "kinds": list(KIND_ORDER), "remembered": False,
            "columns": [{"name": name, "samples": [], "target": fold(name) if fold(name) in fields else ""}
                        for name in head.header]}


def _mapping_context(proposal: dict, token: str, filename: str, by: str, skip: bool = False) -> dict:
    return {"proposal": proposal, "upload": token, "filename": filename, "by": by, "skip": skip,
            "errors": {}, "row_errors": []}


def _outcome(result: dict) -> tuple[str, dict, int]:
    if result.get("pending"):
        return "kept.html", {"back": "/upload"}, 202
    status = 422 if result.get("errors") or result.get("row_errors") else 200
    return "upload.html", {"errors": result.get("errors") or {}, "report": result.get("report"),
                           "row_errors": result.get("row_errors", []), "created": result.get("created") or {},
                           "skipped": result.get("skipped", [])}, status
