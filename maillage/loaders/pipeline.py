"""Load files into a store: plan, validate row by row, resolve actor keys, write in batches.

Files are loaded in dependency order (territories, actors, partnerships, initiatives,
needs) inside one :class:`~maillage.graph.store.LoadSession`: all or nothing unless
``on_error="skip"``, in which case good rows load and bad rows are reported.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from ..errors import DataError, UsageError
from ..graph.store import Store
from ..model import partnership_id
from ..vocabulary import Vocabulary, default_vocabulary
from .formats import RowProblem, detect_format, open_rows, read_header
from .kinds import KIND_ORDER, KINDS, check_header, detect_kind, make_record
from .opendata import Filters, Skip, detect_source, translate
from .report import FileReport, LoadReport

__all__ = ["Source", "plan_sources", "load_files", "ON_ERROR"]

ON_ERROR = ("abort", "skip")
ProgressCallback = Callable[[int, int], None]


@dataclass
class Source:
    path: Path
    kind: str
    format: str
    size: int


def plan_sources(paths: Iterable[str | Path], kind: str | None = None, fmt: str | None = None,
                 encoding: str | None = None) -> list[Source]:
    """Return the files to load, each with its kind and format, in dependency order."""
    if kind is not None and kind not in KINDS:
        raise UsageError(f"unknown kind {kind!r} (choose from {', '.join(KIND_ORDER)})")
    sources = []
    for path in map(Path, paths):
        if not path.is_file():
            raise UsageError(f"no such file: {path}")
        file_format = fmt or detect_format(path)
        file_kind = kind or detect_kind(read_header(path, file_format, encoding=encoding), path)
        sources.append(Source(path, file_kind, file_format, os.path.getsize(path)))
    return sorted(sources, key=lambda source: KIND_ORDER.index(source.kind))


class _Loader:
    """Holds one load's state: the session, the report, and keys of rejected actor rows."""

    def __init__(self, session, report: LoadReport, vocabulary: Vocabulary, batch_size: int):
        self.session, self.report, self.vocabulary, self.batch_size = session, report, vocabulary, batch_size
        self.rejected_actor_keys: dict[str, str] = {}
        self.columns: dict[tuple[str, str], dict] = {}  # (file, kind) → maillage field → the source's column

    def load_items(self, items, source_name: str) -> None:
        """Load the Items of an open-data translator, flushing kinds in dependency order."""
        reports: dict[tuple[str, str], FileReport] = {}
        batches: dict[str, list] = {kind: [] for kind in KIND_ORDER}
        pending = 0
        for item in items:
            key = (item.path, item.kind)
            if key not in reports:
                reports[key] = FileReport(item.path, item.kind, source_name)
                self.report.files.append(reports[key])
            file_report = reports[key]
            if isinstance(item, Skip):
                file_report.skipped[item.reason] = file_report.skipped.get(item.reason, 0) + 1
                continue
            self.columns[key] = item.columns
            file_report.rows += 1
            if "__problem__" in item.row:
                self._reject(file_report, item.line, [("", item.row["__problem__"])])
                continue
            record, problems = make_record(KINDS[item.kind], item.row, self.vocabulary)
            if problems:
                self._reject(file_report, item.line, problems, item.row)
                continue
            batches[item.kind].append((file_report, item.line, record))
            pending += 1
            if pending >= self.batch_size:
                self._flush_batches(batches)
                pending = 0
        self._flush_batches(batches)

    def _flush_batches(self, batches: dict[str, list]) -> None:
        for kind in KIND_ORDER:
            by_file: dict[int, tuple[FileReport, list]] = {}
            for file_report, line, record in batches[kind]:
                by_file.setdefault(id(file_report), (file_report, []))[1].append((line, record))
            for file_report, batch in by_file.values():
                self._flush(Source(Path(file_report.path), kind, file_report.format, 0), file_report, batch)
            batches[kind] = []

    def load(self, source: Source, encoding: str | None, progress) -> None:
        kind = KINDS[source.kind]
        file_report = FileReport(str(source.path), source.kind, source.format)
        self.report.files.append(file_report)
        if source.format == "csv":
            missing = check_header(kind, read_header(source.path, "csv", encoding=encoding))
            for column in missing:
                self.report.add_error(str(source.path), 1, column, "required column is missing")
            if missing:
                return
        batch = []
        try:
            for line, row in open_rows(source.path, source.format, encoding=encoding, progress=progress):
                file_report.rows += 1
                batch = self._take(source, kind, file_report, batch, line, row)
        except DataError as exc:
            if exc.file is None:
                raise
            file_report.rejected += 1
            self.report.add_error(exc.file, exc.line, "", f"{exc.reason}; the rest of the file was not read")
            return
        self._flush(source, file_report, batch)

    def _take(self, source, kind, file_report, batch, line, row) -> list:
        """Validate one row into the batch; flush the batch when full."""
        if isinstance(row, RowProblem):
            self._reject(file_report, line, [("", str(row))])
            return batch
        record, problems = make_record(kind, row, self.vocabulary)
        if problems:
            self._reject(file_report, line, problems, row)
            return batch
        batch.append((line, record))
        if len(batch) >= self.batch_size:
            self._flush(source, file_report, batch)
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

    def _flush(self, source: Source, file_report: FileReport, batch) -> None:
        if not batch:
            return
        rows = getattr(self, f"_rows_{source.kind}")(file_report, batch)
        for row in rows:
            row["source_file"] = str(source.path)
        self.session.write(source.kind, rows)
        file_report.loaded += len(rows)

    def _rows_territories(self, file_report, batch):
        return [_row(record, line, id=record.id) for line, record in batch]

    def _rows_actors(self, file_report, batch):
        known = self.session.resolve_actors(key for _, record in batch for key in record.keys)
        rows = []
        for line, record in batch:
            actor_id = next((known[key] for key in record.keys if key in known), record.id)
            keys = sorted(set(record.keys) | {actor_id})
            known.update(dict.fromkeys(keys, actor_id))
            rows.append(_row(record, line, id=actor_id, keys=keys))
        return rows

    def _resolve(self, file_report, batch, references) -> tuple[list, dict]:
        """Resolve actor references (``references(record)`` gives (field, key) pairs); reject unknown ones."""
        known = self.session.resolve_actors({ref for _, record in batch for _, ref in references(record) if ref})
        kept = []
        for line, record in batch:
            unknown = [(name, ref) for name, ref in references(record) if ref and ref not in known]
            if unknown:
                self._reject(file_report, line, [(name, self._unknown(ref)) for name, ref in unknown])
            else:
                kept.append((line, record))
        return kept, known

    def _unknown(self, ref: str) -> str:
        rejected = self.rejected_actor_keys.get(ref) or self.rejected_actor_keys.get(ref.split(":", 1)[-1])
        return f"unknown actor {ref!r}" + (f" (its row {rejected} was rejected)" if rejected else "")

    def _rows_partnerships(self, file_report, batch):
        kept, known = self._resolve(file_report, batch, lambda r: [("source", r.source), ("target", r.target)])
        rows = []
        for line, record in kept:
            source, target = known[record.source], known[record.target]
            if source == target:
                self._reject(file_report, line, [("target", f"{record.target!r} is the same actor as the source")])
                continue
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
               include_dissolved: bool = False) -> LoadReport:
    """Load ``paths`` into ``store`` as one unit and return the report.

    ``source`` (cog, rna, sirene, scdl, qpv; detected from the files when they are published
    open data) reads the files as published; ``departements`` and ``communes`` then keep only
    those places, and ``include_dissolved`` keeps dissolved associations (flagged).

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
        raise UsageError(f"on_error must be one of {', '.join(ON_ERROR)}, got {on_error!r}")
    paths = [Path(path) for path in paths]
    for path in paths:
        if not path.is_file():
            raise UsageError(f"no such file: {path}")
    if source is None and kind is None and fmt is None:
        source = detect_source(paths)
    filters = Filters(departements, communes)
    if filters and source is None:
        raise UsageError("--departement and --commune filter open-data sources (--source cog|rna|sirene|scdl|qpv)")
    sources = [] if source else plan_sources(paths, kind, fmt, encoding)
    report = LoadReport(on_error=on_error)
    total, done = sum(os.path.getsize(path) for path in paths), 0

    def advance(count: int) -> None:
        nonlocal done
        done += count
        if progress:
            progress(done, total)

    session = store.load_session()
    try:
        loader = _Loader(session, report, vocabulary or default_vocabulary(), batch_size)
        if source:
            loader.load_items(translate(source, paths, filters, session.resolve_actors, advance, encoding=encoding,
                                        include_dissolved=include_dissolved), source)
        for planned in sources:
            loader.load(planned, encoding, advance)
    except BaseException:
        session.rollback()
        raise
    if dry_run or (not report.ok and on_error == "abort"):
        session.rollback()
        report.status = "dry_run" if dry_run else "rolled_back"
    else:
        session.commit()
        report.status = "committed"
    if report.status == "rolled_back":
        raise DataError(f"{report.error_count} bad rows; nothing was loaded", report)
    return report
