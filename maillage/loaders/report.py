"""What a load did: files, rows, and every bad row with its file, line, field and message."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

__all__ = ["RowError", "FileReport", "LoadReport"]


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
    path: str
    kind: str
    format: str
    rows: int = 0
    loaded: int = 0
    rejected: int = 0
    skipped: dict = field(default_factory=dict)  # reason → rows left out on purpose (not errors)


@dataclass
class LoadReport:
    """The outcome of one load; ``status`` is committed, rolled_back or dry_run."""

    files: list[FileReport] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0
    status: str = "pending"
    on_error: str = "abort"
    max_errors: int = 10_000

    def add_error(self, file: str, line: int, field_name: str, message: str) -> None:
        self.error_count += 1
        if len(self.errors) < self.max_errors:
            self.errors.append(RowError(file, line, field_name, message))

    @property
    def ok(self) -> bool:
        return self.error_count == 0

    @property
    def rows(self) -> int:
        return sum(f.rows for f in self.files)

    @property
    def loaded(self) -> int:
        return sum(f.loaded for f in self.files)

    def to_dict(self) -> dict:
        return {
            "status": self.status,
            "on_error": self.on_error,
            "rows": self.rows,
            "loaded": self.loaded,
            "rejected": sum(f.rejected for f in self.files),
            "error_count": self.error_count,
            "errors_truncated": self.error_count > len(self.errors),
            "files": [asdict(f) for f in self.files],
            "errors": [asdict(e) for e in self.errors],
        }

    def summary(self) -> str:
        """One line per file, then the verdict."""
        lines = [f"{f.path}: {f.kind}, {f.loaded} of {f.rows} rows loaded"
                 + (f", {f.rejected} rejected" if f.rejected else "")
                 + "".join(f"; {count} skipped: {reason}" for reason, count in sorted(f.skipped.items()))
                 for f in self.files]
        verdict = {
            "committed": "loaded" + (f"; {self.error_count} bad rows skipped" if self.error_count else ""),
            "rolled_back": f"nothing loaded: {self.error_count} bad rows (the store is unchanged)",
            "dry_run": "dry run: nothing written" + (f"; {self.error_count} bad rows" if self.error_count else
                                                       "; all rows valid"),
        }.get(self.status, self.status)
        return "\n".join(lines + [verdict])
