"""The exceptions maillage raises: one base class, so callers catch one thing.

The CLI maps :class:`DataError` (bad input, failed load) and :class:`StoreError`
(unreachable or inconsistent store) to exit code 1, and :class:`UsageError` to 2.
"""

from __future__ import annotations

__all__ = ["MaillageError", "DataError", "StoreError", "StoreBusy", "UsageError", "NotFoundError", "OutputError"]


class MaillageError(Exception):
    """Base class of every error maillage raises on purpose."""


class DataError(MaillageError):
    """Input data is invalid; ``report`` (a LoadReport) lists every bad row.

    A parser that cannot go on reading a file raises it with ``file`` and ``line`` set.
    """

    def __init__(self, message: str, report=None, *, file: str | None = None, line: int | None = None,
                 reason: str | None = None):
        super().__init__(message)
        self.report, self.file, self.line, self.reason = report, file, line, reason or message


class StoreError(MaillageError):
    """The store cannot be opened, reached or written."""


class StoreBusy(StoreError):
    """Another writer holds the store past the wait: try again later (nothing was written)."""


class UsageError(MaillageError):
    """The call itself is wrong (unknown option value, missing file, bad combination)."""


class NotFoundError(MaillageError):
    """A named actor, territory or need does not exist; ``candidates`` lists close matches."""

    def __init__(self, message: str, candidates: list[str] | None = None):
        super().__init__(message)
        self.candidates = candidates or []


class OutputError(MaillageError):
    """An output file cannot be written (missing folder, read-only, disk full); nothing partial is left."""
