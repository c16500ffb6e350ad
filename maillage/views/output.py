"""Writing output files safely: whole or not at all, and cells that spreadsheets cannot execute.

Every export is written to a temporary file beside its target, then renamed over it, so a full
disk or a killed process never leaves half a file; an error names the path and the reason.
"""

from __future__ import annotations

import math
import os
import re
import tempfile
from contextlib import contextmanager
from pathlib import Path

from ..errors import OutputError
from ..i18n import _

__all__ = ["atomic_output", "neutralize_cell", "xml_safe", "json_safe", "FORMULA_PREFIXES"]

# OWASP, "CSV Injection": a cell starting with one of these is run as a formula by spreadsheets.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


@contextmanager
def atomic_output(path: str | Path, mode: str = "w", encoding: str | None = "utf-8", newline: str | None = None):
    """Yield a handle on a temporary file that becomes ``path`` only when the block succeeds."""
    path = Path(path)
    if path.exists() and not path.is_file():  # a device or a pipe (/dev/stdout, /dev/full): written in place
        try:
            with open(path, mode, encoding=encoding if "b" not in mode else None, newline=newline) as handle:
                yield handle
        except OSError as exc:
            raise OutputError(_("cannot write {path}: {value}").format(path=path, value=exc.strerror or exc)) from None
        return
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise OutputError(_("cannot write {path}: folder {folder} does not exist").format(path=path, folder=folder))
    try:
        descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise OutputError(_("cannot write {path}: {value}").format(path=path, value=exc.strerror or exc)) from None
    mask = os.umask(0)
    os.umask(mask)
    os.chmod(temporary, 0o666 & ~mask)  # the permissions a plain open() would give, not mkstemp's 0600
    try:
        with os.fdopen(descriptor, mode, encoding=encoding if "b" not in mode else None, newline=newline) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except OSError as exc:
        Path(temporary).unlink(missing_ok=True)
        raise OutputError(_("cannot write {path}: {value}").format(path=path, value=exc.strerror or exc)) from None
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def neutralize_cell(value):
    """A text cell a spreadsheet would run as a formula gets a leading apostrophe (numbers are left alone).

    Examples
    --------
    >>> neutralize_cell("=HYPERLINK(\\"http://x\\")"), neutralize_cell("-12"), neutralize_cell(-12.5)
    ('\\'=HYPERLINK("http://x")', "'-12", -12.5)
    """
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def xml_safe(value, counter: list | None = None):
    """Text with the characters XML 1.0 cannot hold replaced by U+FFFD (``counter`` counts the changed values).

    Examples
    --------
    >>> xml_safe("a\\x00b\\uffff")
    'a\\ufffdb\\ufffd'
    """
    if not isinstance(value, str):
        return value
    cleaned = _NOT_XML.sub("\ufffd", value)
    if counter is not None and cleaned != value:
        counter.append(1)
    return cleaned


def json_safe(value):
    """A value with NaN and infinities as null, so the JSON is standard (RFC 8259)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {key: json_safe(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(item) for item in value]
    return value
