"""Load files into a store: plan, validate row by row, resolve actor keys, write in batches.

Files are loaded in dependency order (territories, actors, partnerships, initiatives,
needs) inside one :class:`~maillage.graph.store.LoadSession`: all or nothing unless
``on_error="skip"``, in which case good rows load and bad rows are reported.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path

from ..collector import full_passes_paused
from ..errors import DataError, UsageError
from ..graph.store import Store
from ..model import UNDIRECTED_KINDS, partnership_id
from ..redaction import escape_surrogates
from ..vocabulary import Vocabulary, default_vocabulary
from . import columnar
from .accounting import Accounting
from .formats import TABULAR, FileHead, RowProblem, inspect_file, open_rows
from .columns import resolve_header
from .names import ActorNames, CommuneNames
from .kinds import KIND_ORDER, KINDS, check_header, make_record
from .opendata import SOURCES, Filters, PlainActors, Skip, SourceRow, detect_source, translate
from .report import FileReport, LoadReport
from ..i18n import _, ngettext, number

__all__ = ["plan_sources", "load_files", "ON_ERROR"]

ON_ERROR = ("abort", "skip")
ProgressCallback = Callable[[int, int], None]


def plan_sources(paths: Iterable[str | Path | FileHead], kind: str | None = None, fmt: str | None = None,
                 encoding: str | None = None, columns: dict | None = None) -> list[FileHead]:
    """Return the files to load, each looked at once (format, header, kind), in dependency order.

    Each header is mapped to maillage's columns (``columns``, then French and common names: see
    :mod:`.columns`); the head keeps which of the file's columns became which."""
    if kind is not None and kind not in KINDS:
        raise UsageError(_("unknown kind {kind!r} (choose from {join})").format(kind=kind, join=', '.join(KIND_ORDER)))
    heads = [path if isinstance(path, FileHead) else inspect_file(path, fmt, encoding=encoding) for path in paths]
    for head in heads:
        head.kind, header, head.renamed = resolve_header(head.header, head.path, kind, columns)
        if head.renamed and head.format == "csv":
            head.header = header  # the rows are read under maillage's names; errors name the file's
    return sorted(heads, key=lambda head: KIND_ORDER.index(head.kind))


class _Loader:
    """Holds one load's state: the session, the report, and keys of rejected actor rows."""

    def __init__(self, session, report: LoadReport, vocabulary: Vocabulary, batch_size: int, territories=dict):
        self.session, self.report, self.vocabulary, self.batch_size = session, report, vocabulary, batch_size
        self.communes = CommuneNames(territories)  # communes and actors written as names (read when needed)
        self.names = ActorNames(session, self.communes)
        self.accounting = Accounting(session)
        self.derived: set[str] = set()  # actors implied by accepted source rows, written once
        self.rejected_actor_keys: dict[str, str] = {}
        self.columns: dict[tuple[str, str], dict] = {}  # (file, kind) → maillage field → the source's column

    def load_items(self, items, source_name: str) -> None:
        """Load what an open-data translator yields (Items, SourceRows, Skips), kinds in dependency order."""
        self._reports: dict[tuple[str, str], FileReport] = {}
        batches: dict[str, list] = {kind: [] for kind in KIND_ORDER}
        pending = 0
        for item in items:
            if isinstance(item, Skip):
                file_report = self._file_report(item.path, item.kind, source_name)
                file_report.skipped[item.reason] = file_report.skipped.get(item.reason, 0) + item.count
                continue
            if isinstance(item, PlainActors):
                self._flush_batches(batches)  # what came before is in first: the block's rows may name it
                pending = 0
                for rest in self._plain_actors(item, source_name):
                    pending += self._batch_group(rest, source_name, batches)
            else:
                pending += self._batch_group(item, source_name, batches)
            if pending >= self.batch_size:
                self._flush_batches(batches)
                pending = 0
        self._flush_batches(batches)

    def _batch_group(self, item, source_name: str, batches: dict[str, list]) -> int:
        """Validate one source row into the batches; return how many records it gave."""
        group = item if isinstance(item, SourceRow) else SourceRow(item.path, item.line, [item])
        validated = self._validate_group(group, source_name)
        for file_report, line, record, kind in validated:
            batches[kind].append((file_report, line, record))
        self.report.conflicts += group.conflicts if validated else []
        return len(validated)

    def _plain_actors(self, block: PlainActors, source_name: str) -> list:
        """Write a translator's plain rows of new actors; return the block's other rows, in file
        order, as Items for the row path."""
        file_report = self._file_report(block.path, "actors", source_name)
        self.columns[(file_report.path, "actors")] = block.columns
        written = columnar.write_new_actors(self, file_report, block.values, block.keys)
        rest = [k for k in range(len(block.values)) if k not in written]
        return block.items(rest) if rest else []

    def _file_report(self, path: str, kind: str, source_name: str) -> FileReport:
        key = (path, kind)
        if key not in self._reports:
            self._reports[key] = FileReport(path, kind, source_name)
            self.report.files.append(self._reports[key])
        return self._reports[key]

    def _validate_group(self, group: SourceRow, source_name: str) -> list:
        """Validate every item of one source row; all of them or none go on (a rejected row leaves nothing).

        The row is counted once, in the report of its last item (the tie for a subsidy row);
        the actors it creates are counted as entities in theirs.
        """
        checked, problems = [], []
        for item in group.items:
            file_report = self._file_report(item.path, item.kind, source_name)
            self.columns[(file_report.path, item.kind)] = item.columns
            if "__problem__" in item.row:
                problems.append([("", item.row["__problem__"])])
                continue
            row = dict(item.row)
            found = list(row.pop("__problems__", []))
            record, invalid = make_record(KINDS[item.kind], row, self.vocabulary)
            named = {name for name, _ in found}
            columns = self.columns[(file_report.path, item.kind)]
            found += [(columns.get(f, f), m) for f, m in invalid
                      if columns.get(f, f) not in named and not (named and not f)]
            if found:
                problems.append(found)
            else:
                checked.append((file_report, item.line, record, item.kind))
        main = self._file_report(group.items[-1].path, group.items[-1].kind, source_name)
        main.rows += 1
        if not problems:
            kept = [entry for item, entry in zip([i for i in group.items], checked)
                    if item.derived_key is None or item.derived_key not in self.derived]
            self.derived.update(item.derived_key for item in group.items if item.derived_key)
            return kept
        self._reject(main, group.line, [problem for found in problems for problem in found],
                     group.items[-1].row if group.items[-1].kind == "actors" else None)
        return []

    def _flush_batches(self, batches: dict[str, list]) -> None:
        for kind in KIND_ORDER:
            by_file: dict[int, tuple[FileReport, list]] = {}
            for file_report, line, record in batches[kind]:
                by_file.setdefault(id(file_report), (file_report, []))[1].append((line, record))
            for file_report, batch in by_file.values():
                self._flush(kind, file_report, batch)
            batches[kind] = []

    def load(self, head: FileHead, progress) -> None:
        kind = KINDS[head.kind]
        file_report = FileReport(str(head.path), head.kind, head.format)
        self.report.files.append(file_report)
        if head.renamed:
            self.columns[(file_report.path, head.kind)] = head.renamed
        as_read = {original: column for column, original in head.renamed.items()}  # the file's column → maillage's
        if head.format in TABULAR:
            missing = check_header(kind, [as_read.get(column, column) for column in head.header])
            for column in missing:
                self.report.add_error(file_report.path, 1, column, _("required column is missing"))
            if missing:
                return
        first_error, batch, start = len(self.report.errors), [], 0
        if columnar.usable(head):
            start = columnar.load_file(self, head, file_report, progress)
            if start is None:
                self._sort_errors(first_error)
                return
            progress = None  # what the columnar path read was counted
        try:
            for line, row in open_rows(head, progress=progress):
                if line < start:
                    continue
                if as_read and head.format != "csv" and isinstance(row, dict):  # JSON or Parquet: keys renamed
                    row = {as_read.get(key, key): value for key, value in row.items()}
                file_report.rows += 1
                batch = self._take(head, kind, file_report, batch, line, row)
        except DataError as exc:
            if exc.file is None:
                raise
            file_report.rejected += 1
            self.report.add_error(exc.file, exc.line, "", _("{reason}; the rest of the file was not read").format(reason=exc.reason))
        self._flush(head.kind, file_report, batch)
        _note_encoding(head, file_report)
        self._sort_errors(first_error)

    def _sort_errors(self, first: int) -> None:
        """A file's errors in line order (rows refused at validation and at resolution, which come
        in batch by batch, are listed as they stand in the file)."""
        self.report.errors[first:] = sorted(self.report.errors[first:], key=lambda error: error.line or 0)

    def _take(self, head, kind, file_report, batch, line, row) -> list:
        """Validate one row into the batch; flush the batch when full."""
        if isinstance(row, RowProblem):
            self._reject(file_report, line, [("", str(row))])
            return batch
        if head.kind == "actors" and isinstance(row, dict):
            row, problems = self.communes.resolve_row(row)
            if not problems:
                row, problems = self.names.identify(row)
            if problems:
                self._reject(file_report, line, problems, row)
                return batch
        record, problems = make_record(kind, row, self.vocabulary)
        if problems:
            self._reject(file_report, line, problems, row)
            return batch
        if head.kind == "actors":
            self.names.pending(record.id, record.name, record.commune)
        batch.append((line, record))
        if len(batch) >= self.batch_size:
            self._flush(head.kind, file_report, batch)
            return []
        return batch

    def _reject(self, file_report: FileReport, line: int, problems, row=None) -> None:
        file_report.rejected += 1
        columns = self.columns.get((file_report.path, file_report.kind), {})
        for field_name, message in problems:
            self.report.add_error(file_report.path, line, columns.get(field_name, field_name), message)
        if file_report.kind == "actors" and row:
            for value in (row.get("id"), row.get("siren"), row.get("rna")):
                if value:
                    self.rejected_actor_keys[str(value).strip()] = f"{file_report.path}:{line}"

    def _flush(self, kind: str, file_report: FileReport, batch) -> None:
        if not batch:
            return
        rows = getattr(self, f"_rows_{kind}")(file_report, batch)
        for row in rows:
            row["source_file"] = file_report.path
        file_report.loaded += len(rows)
        self.session.write(kind, self.accounting.admit(kind, rows, file_report))
        if kind in ("actors", "territories"):  # names this load gives, for the files after it
            (self.names if kind == "actors" else self.communes).added(rows)

    def _rows_territories(self, file_report, batch):
        return [_row(record, line, id=record.id) for line, record in batch]

    def _rows_actors(self, file_report, batch):
        known = self.session.resolve_actors(key for _, record in batch for key in record.keys)
        stored = set(known.values())  # the actors the store holds already (taken once: the set of a growing
        rows = []                     # dict's values, rebuilt per row, made large loads quadratic)
        for line, record in batch:
            own = record.keys  # built anew at each access
            actor_id = next((known[key] for key in own if key in known), record.id)
            keys = sorted(set(own) | {actor_id})
            known.update(dict.fromkeys(keys, actor_id))
            rows.append(_row(record, line, id=actor_id, keys=keys))
        return self._replace_guesses(rows, {row["id"] for row in rows if row["id"] in stored})

    def _replace_guesses(self, rows, existing) -> list:
        """A stored kind that was a guess gives way to a row whose kind is not (SIRENE's legal category,
        the RNA): the guess flag goes, and the change is noted (``kind_replaced``, counted in the report)."""
        stored = self.session.fetch("actors", existing) if existing else {}
        for row in rows:
            before = stored.get(row["id"])
            extra = row.get("extra") or {}
            was = before.get("extra") or {} if before else {}
            if before is None or not (was.get("kind_guessed") or was.get("kind_unknown")) \
                    or extra.get("kind_guessed") or extra.get("kind_unknown"):
                continue
            row["extra"] = {**extra, "kind_guessed": None, "kind_unknown": None}  # a null removes the key when merged
            if before["kind"] != row["kind"]:
                row["extra"]["kind_replaced"] = f"{before['kind']} → {row['kind']}"
        return rows

    def _resolve(self, file_report, batch, references) -> tuple[list, dict]:
        """Resolve actor references (``references(record)`` gives (field, key) pairs); reject unknown ones."""
        known = self.session.resolve_actors({ref for _, record in batch for _, ref in references(record) if ref})
        by_name, ambiguous = self.names.resolve({ref for _, record in batch for _, ref in references(record)
                                                 if ref and ref not in known})
        known.update(by_name)
        kept = []
        for line, record in batch:
            unknown = [(name, ref) for name, ref in references(record) if ref and ref not in known]
            if unknown:
                self._reject(file_report, line, [(name, ambiguous.get(ref) or self._unknown(ref))
                                                 for name, ref in unknown])
            else:
                kept.append((line, record))
        return kept, known

    def _unknown(self, ref: str) -> str:
        rejected = self.rejected_actor_keys.get(ref) or self.rejected_actor_keys.get(ref.split(":", 1)[-1])
        if rejected:
            return _("unknown actor {ref!r} (its row {row} was rejected)").format(ref=ref, row=rejected)
        return _("unknown actor {ref!r}").format(ref=ref)

    def known_actors(self, keys) -> dict[str, dict]:
        """Key → the stored actor it designates (store or this load), for translators' identity checks."""
        ids = self.session.resolve_actors(keys)
        rows = self.session.fetch("actors", set(ids.values())) if ids else {}
        return {key: rows[id_] for key, id_ in ids.items() if id_ in rows}

    def _rows_partnerships(self, file_report, batch):
        kept, known = self._resolve(file_report, batch, lambda r: [("source", r.source), ("target", r.target)])
        rows = []
        for line, record in kept:
            source, target = known[record.source], known[record.target]
            if source == target:
                self._reject(file_report, line, [("target", _("{target!r} is the same actor as the source").format(
                    target=record.target))])
                continue
            if record.kind in UNDIRECTED_KINDS:  # written either way round, stored one way
                source, target = sorted((source, target))
            pid = record.id or partnership_id(source, target, record.kind, record.start)
            rows.append(_row(record, line, id=pid, source=source, target=target))
        return rows

    def _rows_initiatives(self, file_report, batch):
        kept, known = self._resolve(file_report, batch, lambda r: [("members", m.actor) for m in r.members])
        return [_row(record, line, members=[{"actor": known[m.actor], "role": m.role} for m in record.members])
                for line, record in kept]

    def _rows_needs(self, file_report, batch):
        kept, known = self._resolve(file_report, batch, lambda r: [("holder", r.holder)])
        return [_row(record, line, holder=known.get(record.holder)) for line, record in kept]


def _row(record, line: int, **overrides) -> dict:
    row = record.model_dump()
    row.update(overrides, source_line=line)
    return row


def load_files(store: Store, paths: Iterable[str | Path], *, kind: str | None = None, fmt: str | None = None,
               on_error: str = "abort", dry_run: bool = False, encoding: str | None = None,
               vocabulary: Vocabulary | None = None, batch_size: int = 5000,
               progress: ProgressCallback | None = None, source: str | None = None,
               departements: Iterable[str] | None = None, communes: Iterable[str] | None = None,
               include_dissolved: bool = False, before_commit=None, grantor: str | None = None,
               columns: dict | None = None) -> LoadReport:
    """Load ``paths`` into ``store`` as one unit and return the report.

    ``source`` (cog, rna, sirene, scdl, qpv; detected from the files when they are published
    open data) reads the files as published; ``departements`` and ``communes`` then keep only
    those places, and ``include_dissolved`` keeps dissolved associations (flagged). ``grantor`` (a
    SIREN, SIRET or name) is the grantor of subsidy files that name none (a département's own list).
    ``columns`` maps the own files' columns to maillage's (:func:`.columns.parse_mapping`); French and
    common headers are recognised without it.
    ``before_commit(session, report, touched)``, when given, runs just before a load commits,
    ``touched`` mapping each kind to the ids the load wrote (the workbench writes its journal
    entry there, so the change and its record land together).

    Raises
    ------
    DataError
        When a row is bad and ``on_error`` is ``"abort"``: nothing is written, and the
        exception's ``report`` lists every bad row.
    UsageError
        When a file is missing or its kind or format cannot be told.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from maillage.graph import open_store
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "actors.csv").write_text("id,name,kind\\nasso,Les Amis,association\\n")
    >>> with open_store(folder / "m.db") as store:
    ...     load_files(store, [folder / "actors.csv"]).status
    'committed'
    """
    if on_error not in ON_ERROR:
        raise UsageError(_("on_error must be one of {join}, got {on_error!r}").format(join=', '.join(ON_ERROR), on_error=on_error))
    paths = [Path(path) for path in paths]
    for path in paths:
        if not path.is_file():
            raise UsageError(_("no such file: {path}").format(path=path))
    heads = [inspect_file(path, fmt, encoding=encoding) for path in paths]  # each file's head, read once
    detected = source is None and kind is None and fmt is None
    if detected:
        source = detect_source(heads)
    filters = Filters(departements, communes)
    if filters and source is None:
        raise UsageError(_("--departement and --commune filter open-data sources (--source {sources})").format(sources="|".join(SOURCES)))
    # each file read by its own kind: published files by their source (first: they are the
    # reference, territories and registries), the user's own files after them, in one unit
    published = [head for head in heads if head.source] if detected else (heads if source else [])
    plain = [head for head in heads if head not in published]
    sources = plan_sources(plain, kind, columns=columns) if plain else []
    by_source = {name: [head for head in published if (head.source if detected else source) == name]
                 for name in SOURCES}
    by_source = {name: files for name, files in by_source.items() if files}
    report = LoadReport(on_error=on_error)
    total, done = sum(os.path.getsize(path) for path in paths), 0

    def advance(count: int) -> None:
        nonlocal done
        done += count
        if progress:
            progress(done, total)

    session = store.load_session()
    try:
        loader = _Loader(session, report, vocabulary or default_vocabulary(), batch_size, store.territories)
    except BaseException:
        session.rollback()
        raise
    try:
        with full_passes_paused():  # the report's bookkeeping grows to millions of entries: see collector
            _run_load(session, loader, by_source, sources, filters, {"include_dissolved": include_dissolved,
                      "grantor": grantor}, advance, on_error, dry_run, before_commit)
    finally:
        loader.accounting.close()  # its scratch file, if the load spilled its bookkeeping to one
    if report.status == "rolled_back":
        if report.bad_rows:
            message = ngettext("{count} bad row; nothing was loaded", "{count} bad rows; nothing was loaded",
                               report.bad_rows).format(count=number(report.bad_rows))
        else:  # a required column missing, a file that could not be read: no row was bad
            message = ngettext("{count} problem with the files (see above); nothing was loaded",
                               "{count} problems with the files (see above); nothing was loaded",
                               len(report.errors)).format(count=number(len(report.errors)))
        raise DataError(message, report)
    return report


def _run_load(session, loader, published, sources, filters, options, advance, on_error, dry_run,
              before_commit) -> None:
    """Load the files in one session, then commit it or roll it back (``report.status`` says which).

    ``published`` maps each open-data source to its files (read first, in the order of SOURCES)."""
    report = loader.report
    try:
        for source, heads in published.items():
            loader.load_items(translate(source, heads, filters, session.resolve_actors, advance,
                                        known=loader.known_actors, **options), source)
            for head in heads:
                for file_report in report.files:
                    if file_report.path == escape_surrogates(str(head.path)):
                        _note_encoding(head, file_report)
        for planned in sources:
            loader.load(planned, advance)
        if report.ok or on_error == "skip":
            loader.accounting.settle()
        report.conflicts += loader.accounting.conflicts
    except BaseException:
        session.rollback()
        raise
    if dry_run or (not report.ok and on_error == "abort"):
        session.rollback()
        report.status = "dry_run" if dry_run else "rolled_back"
        return
    if before_commit is not None:  # e.g. the workbench's journal entry, committed with the change
        try:
            before_commit(session, report, loader.accounting.touched())
        except BaseException:
            session.rollback()
            raise
    session.commit()
    report.status = "committed"


def _note_encoding(head: FileHead, file_report: FileReport) -> None:
    if head.decoded.fallback_lines:
        file_report.encoding_note = _("{count} lines were not UTF-8 and were read as cp1252, the first at line "
                                      "{line}").format(count=head.decoded.fallback_lines,
                                                       line=head.decoded.first_fallback)
