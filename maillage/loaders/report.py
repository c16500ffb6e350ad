"""What a load did: files, rows, and every bad row with its file, line, field and message."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from ..i18n import _, ngettext, number
from ..redaction import escape_surrogates

__all__ = ["RowError", "FileReport", "LoadReport", "kind_label"]


@dataclass
class RowError:
    file: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}"
        return f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"


@dataclass
class FileReport:
    """One file's rows of one kind. ``rows`` = ``loaded`` + ``rejected`` (+ rows ``skipped`` on purpose);
    ``loaded`` = ``created`` + ``updated`` + ``unchanged`` (entities, once each) + ``duplicates``
    + ``merged`` (rows that repeat an entity of this load)."""

    path: str  # as shown: a name that is not UTF-8 has its bytes escaped (\xe9), so it prints and stores
    kind: str
    format: str
    rows: int = 0
    loaded: int = 0
    rejected: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    duplicates: int = 0
    merged: int = 0
    skipped: dict = field(default_factory=dict)  # reason → rows left out on purpose (not errors)
    flags: dict = field(default_factory=dict)  # flag → entities of this file carrying it
    encoding_note: str | None = None

    def __post_init__(self):
        self.path = escape_surrogates(str(self.path))

    def outcome(self, kind: str, outcome: str, count: int = 1) -> None:
        setattr(self, outcome, getattr(self, outcome) + count)

    def flag(self, name: str) -> None:
        self.flags[name] = self.flags.get(name, 0) + 1


@dataclass
class LoadReport:
    """The outcome of one load; ``status`` is committed, rolled_back or dry_run."""

    files: list[FileReport] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0
    status: str = "pending"
    on_error: str = "abort"
    max_errors: int = 10_000
    conflicts: list = field(default_factory=list)

    def add_error(self, file: str, line: int, field_name: str, message: str) -> None:
        self.error_count += 1
        if len(self.errors) < self.max_errors:
            self.errors.append(RowError(escape_surrogates(str(file)), line, field_name, escape_surrogates(message)))

    @property
    def ok(self) -> bool:
        return self.error_count == 0

    @property
    def bad_rows(self) -> int:
        return sum(f.rejected for f in self.files)

    @property
    def rows(self) -> int:
        return sum(f.rows for f in self.files)

    @property
    def loaded(self) -> int:
        return sum(f.loaded for f in self.files)

    def totals(self) -> dict[str, dict[str, int]]:
        """Per kind (actors, partnerships …): created, updated, unchanged, duplicates, merged, rejected, flags."""
        out: dict[str, dict] = {}
        for f in self.files:
            entry = out.setdefault(f.kind, {"created": 0, "updated": 0, "unchanged": 0, "duplicates": 0, "merged": 0,
                                            "rejected": 0, "flags": {}})
            for name in ("created", "updated", "unchanged", "duplicates", "merged", "rejected"):
                entry[name] += getattr(f, name)
            for flag, count in f.flags.items():
                entry["flags"][flag] = entry["flags"].get(flag, 0) + count
        for entry in out.values():
            entry["flags"] = dict(sorted(entry["flags"].items()))
        return out

    def to_dict(self) -> dict:
        return {
            "status": self.status,
            "on_error": self.on_error,
            "rows": self.rows,
            "loaded": self.loaded,
            "rejected": sum(f.rejected for f in self.files),
            "totals": self.totals(),
            "conflicts": [c.as_dict() for c in self.conflicts],
            "error_count": self.error_count,
            "errors_truncated": self.error_count > len(self.errors),
            "files": [asdict(f) for f in self.files],
            "errors": [asdict(e) for e in self.errors],
        }

    def summary(self) -> str:
        """One line per file, then what the store gained per kind, the conflicts, and the verdict."""
        lines = [self._file_line(f) for f in self.files]
        if self.status == "committed":
            for kind, t in self.totals().items():
                line = _("{kind}: {created} created, {updated} updated, {unchanged} unchanged, {duplicates} duplicate "
                         "rows, {merged} rows merged into an earlier one").format(kind=kind_label(kind), **{
                             key: number(t[key]) for key in ("created", "updated", "unchanged", "duplicates", "merged")})
                if t["flags"]:
                    line += "; " + _("flagged: {flags}").format(
                        flags=", ".join(f"{number(count)} {flag}" for flag, count in t["flags"].items()))
                lines.append(line)
        for conflict in self.conflicts[:20]:
            lines.append(_("conflict {path}:{line}: {kind} {key} {field}: {stored!r} / {given!r} (kept: {kept})").format(
                path=conflict.path, line=conflict.line, kind=kind_label(conflict.kind), key=conflict.key,
                field=conflict.field, stored=conflict.stored, given=conflict.given, kept=conflict.kept))
        if len(self.conflicts) > 20:
            lines.append(_("… and {count} more conflicts (--json lists them all)").format(count=len(self.conflicts) - 20))
        bad, n = number(self.bad_rows), self.bad_rows
        verdict = {
            "committed": ngettext("loaded; {bad} bad row skipped", "loaded; {bad} bad rows skipped", n).format(bad=bad)
            if self.bad_rows else _("loaded"),
            "rolled_back": ngettext("nothing loaded: {bad} bad row (the store is unchanged)",
                                    "nothing loaded: {bad} bad rows (the store is unchanged)", n).format(bad=bad)
            if self.bad_rows or not self.errors else _("nothing loaded (the store is unchanged)"),
            "dry_run": (ngettext("dry run: nothing written; {bad} bad row", "dry run: nothing written; {bad} bad rows",
                                 n).format(bad=bad) if self.bad_rows
                        else _("dry run: nothing written; all rows valid")),
        }.get(self.status, self.status)
        return "\n".join(lines + [verdict])

    @staticmethod
    def _file_line(f: FileReport) -> str:
        if f.rows or not f.loaded:
            # the plural follows the rows loaded (French agrees « 1 ligne chargée sur 3 »)
            line = ngettext("{path}: {kind}, {loaded} row loaded out of {rows}",
                            "{path}: {kind}, {loaded} rows loaded out of {rows}", f.loaded).format(
                path=f.path, kind=kind_label(f.kind), loaded=number(f.loaded), rows=number(f.rows))
        else:
            line = _("{path}: {kind} named by its rows, {loaded} written").format(
                path=f.path, kind=kind_label(f.kind), loaded=number(f.loaded))
        if f.rejected:
            line += ", " + ngettext("{count} rejected", "{count} rejected", f.rejected).format(count=number(f.rejected))
        for reason, count in sorted(f.skipped.items()):
            line += "; " + ngettext("{count} skipped: {reason}", "{count} skipped: {reason}", count).format(
                count=number(count), reason=_(reason))
        if f.encoding_note:
            line += f" ({f.encoding_note})"
        return line


def kind_label(kind: str) -> str:
    """A record kind (actors, partnerships …) in words."""
    return {"actors": _("actors"), "partnerships": _("partnerships"), "initiatives": _("initiatives"),
            "initiative_members": _("initiative members"), "needs": _("needs"), "territories": _("territories"),
            "actor_keys": _("actor identifiers")}.get(kind, kind)
