"""One streaming parser per input format: CSV, JSON (an array of objects), JSON Lines.

Each parser yields ``(line, row)`` pairs, ``line`` being the 1-based line where the row
starts, so every error can name ``file:line``. Files are read through a byte counter so
a caller can report progress on files larger than memory.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import itertools
import zipfile
import zlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import DataError, UsageError
from ..i18n import _, number

__all__ = ["RowProblem", "FORMATS", "FileHead", "inspect_file", "detect_format", "open_rows", "read_header", "read_csv",
           "read_json", "read_jsonl", "sniff_encoding", "decode_line"]

FORMATS = ("csv", "json", "jsonl", "parquet")
TABULAR = ("csv", "parquet")  # read as rows of named text cells (open-data readers take either)
_SUFFIXES = {".csv": "csv", ".tsv": "csv", ".txt": "csv", ".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl", ".parquet": "parquet"}
ENCODINGS = ("utf-8", "utf-8-sig", "cp1252", "latin-1")
Progress = Callable[[int], None]
csv.field_size_limit(2**31 - 1)


COMPRESSED = (".gz", ".zip")
# no real table comes near these (SIRENE's widest stock has 50 columns, SCDL 20): beyond them a
# file is refused up front rather than read for minutes
MAX_COLUMNS = 2_000
FIRST_BLOCK = 1 << 20  # the longest header line read
_PEEK = 1 << 16  # the first bytes looked at for binary data (a buffer's worth: no extra read)


def compressed(path: str | Path) -> bool:
    """Whether a file is read through gzip or zip (``communes.json.gz``, ``StockEtablissement_utf8.zip``)."""
    return Path(path).suffix.lower() in COMPRESSED


def detect_format(path: str | Path) -> str:
    """Return the format of ``path`` from its suffix (csv, json or jsonl), under ``.gz`` or ``.zip``.

    A zip archive names its format by its one member (``StockUniteLegale_utf8.zip`` holds a CSV).
    """
    path = Path(path)
    if path.suffix.lower() == ".gz":
        path = path.with_suffix("")
    elif path.suffix.lower() == ".zip":
        path = Path(_zip_member(path).filename)
    suffix = path.suffix.lower()
    if suffix not in _SUFFIXES:
        raise UsageError(_("{path}: cannot tell the format from suffix {suffix!r} (use .csv, .json, .jsonl)").format(path=path, suffix=suffix))
    return _SUFFIXES[suffix]


class RowProblem(str):
    """Yielded in place of a row that the parser could read but not split into fields."""


def _fail(path: Path, line: int, reason: str) -> DataError:
    return DataError(_("{path}:{line}: {reason}").format(path=path, line=line, reason=reason), file=str(path), line=line, reason=reason)


class _CountingReader(io.RawIOBase):
    """A raw reader that reports the bytes consumed (for progress bars)."""

    def __init__(self, raw, progress: Progress | None):
        self._raw, self._progress = raw, progress

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        count = self._raw.readinto(buffer)
        if count and self._progress:
            self._progress(count)
        return count

    def close(self) -> None:
        self._raw.close()
        super().close()


def sniff_encoding(path: str | Path, sample_size: int = 1 << 20) -> str:
    """Return ``utf-8-sig`` (BOM), ``utf-8`` or ``cp1252`` from the first MiB of the file.

    The guess only names the file's main encoding: CSV lines are decoded one by one, and a
    line that is not UTF-8 is read as cp1252 wherever it stands (see :func:`decode_line`).
    """
    with _open_bytes(Path(path), None) as handle:
        sample = handle.read(sample_size)
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError as exc:
        if len(sample) < sample_size or exc.start < len(sample) - 4:  # not a character cut by the sample's end
            return "cp1252"
    return "utf-8"


def decode_line(raw: bytes) -> tuple[str, bool]:
    """Decode one line as UTF-8, else as cp1252 (bytes cp1252 leaves undefined read as Latin-1).

    Returns the text and whether the fallback was used. French text in cp1252 is never valid
    UTF-8 (an accented letter is one byte above 0x7F followed by ASCII), so a line that decodes
    as UTF-8 is UTF-8; files that switch encoding mid-way (a UTF-8 BOM then cp1252 bytes, or
    cp1252 rows appended after line 1 000) are read correctly.

    Examples
    --------
    >>> decode_line("Crèche".encode("cp1252")), decode_line("Crèche".encode("utf-8"))
    (('Crèche', True), ('Crèche', False))
    """
    try:
        return raw.decode("utf-8"), False
    except UnicodeDecodeError:
        try:
            return raw.decode("cp1252"), True
        except UnicodeDecodeError:
            return raw.decode("latin-1"), True


def _check_encoding(encoding: str | None) -> None:
    if encoding is not None and encoding.lower() not in ENCODINGS:
        raise UsageError(_("unsupported encoding {encoding!r} (choose from {join})").format(encoding=encoding, join=', '.join(ENCODINGS)))


def _zip_member(path: Path) -> zipfile.ZipInfo:
    """The one file a zip archive holds (as published: SIRENE's and DECP's stocks come one per archive)."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = [info for info in archive.infolist() if not info.is_dir()]
    except (OSError, zipfile.BadZipFile) as exc:
        raise DataError(_("{path}: not a readable zip archive ({exc})").format(path=path, exc=exc), file=str(path),
                        line=1, reason=str(exc)) from None
    if len(members) != 1:
        reason = _("a zip archive holding {count} files: give them one by one (unzipped)").format(count=len(members))
        raise DataError(_("{path}: {reason}").format(path=path, reason=reason), file=str(path), line=1, reason=reason)
    return members[0]


class _ShareOfCompressed(io.RawIOBase):
    """A zip member's bytes, reporting progress in compressed bytes (what the progress total counts)."""

    def __init__(self, member, ratio: float, progress: Progress | None):
        self._member, self._ratio, self._progress, self._owed = member, ratio, progress, 0.0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self._member.read(len(buffer))
        buffer[:len(data)] = data
        if data and self._progress:
            self._owed += len(data) * self._ratio
            whole = int(self._owed)
            self._owed -= whole
            if whole:
                self._progress(whole)
        return len(data)

    def close(self) -> None:
        self._member.close()
        super().close()


def _open_bytes(path: Path, progress: Progress | None) -> io.BufferedReader:
    """The file's bytes, decompressed from ``.gz`` or ``.zip`` as they are read (never unpacked to disk)."""
    try:
        raw = open(path, "rb", buffering=0)
    except OSError as exc:
        raise UsageError(_("cannot open {path}: {strerror}").format(path=path, strerror=exc.strerror)) from exc
    if path.suffix.lower() == ".gz":
        return io.BufferedReader(_Gunzipped(gzip.GzipFile(fileobj=_CountingReader(raw, progress)), path), 1 << 16)
    if path.suffix.lower() == ".zip":
        info = _zip_member(path)
        member = zipfile.ZipFile(raw).open(info)
        ratio = info.compress_size / info.file_size if info.file_size else 0.0
        return io.BufferedReader(_ShareOfCompressed(member, ratio, progress), buffer_size=1 << 16)
    return io.BufferedReader(_CountingReader(raw, progress), buffer_size=1 << 16)


class _Gunzipped(io.RawIOBase):
    """A gzip stream as a raw reader; a damaged archive is a clear error, not a traceback."""

    def __init__(self, stream, path: Path):
        self._stream, self._path = stream, path

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        try:
            return self._stream.readinto(buffer)
        except (OSError, EOFError, zlib.error) as exc:
            raise DataError(_("{path}: not a readable gzip file ({exc})").format(path=self._path, exc=exc),
                            file=str(self._path), line=1, reason=str(exc)) from None

    def close(self) -> None:
        self._stream.close()
        super().close()


_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)


class _Decoded:
    """Counts the lines a CSV read decoded with the cp1252 fallback."""

    def __init__(self):
        self.fallback_lines = 0
        self.first_fallback: int | None = None


def _lines(path: Path, encoding: str | None, progress: Progress | None, stats: _Decoded | None = None,
           skip: int = 0) -> Iterator[str]:
    """Yield decoded lines (after ``skip`` lines); a decoding error names its physical line.

    Without an explicit ``encoding`` each line is UTF-8 or, failing that, cp1252; with one,
    every line must be in it.
    """
    _check_encoding(encoding)
    handle = _open_bytes(path, progress)
    codec = None if encoding is None else ("utf-8" if encoding.lower() in ("utf-8", "utf-8-sig") else encoding.lower())
    with handle:
        first = _checked_head(path, handle)
        for number, raw in enumerate(_physical_lines(itertools.chain([first], handle)), start=1):
            if number > skip and number > 1 and codec in (None, "utf-8"):
                # past the head, lines are decoded a block at a time (most blocks are UTF-8 whole)
                yield from _block_lines(path, handle, raw, number, codec, stats)
                return
            if number == 1:
                if raw.startswith(_UTF16_BOMS):
                    raise _fail(path, 1, _("UTF-16 or UTF-32 text: save the file as UTF-8 (or cp1252) and load it again"))
                if raw.startswith(codecs.BOM_UTF8):
                    raw = raw[len(codecs.BOM_UTF8):]
            if number <= skip:
                continue
            yield _decode_one(path, raw, number, codec, stats)


def _decode_one(path: Path, raw: bytes, number: int, codec: str | None, stats: _Decoded | None) -> str:
    """One physical line: UTF-8 else cp1252 (counted) without a codec, else in the codec or an error."""
    if codec is None:
        text, fallback = decode_line(raw)
        if fallback and stats is not None:
            stats.fallback_lines += 1
            stats.first_fallback = stats.first_fallback or number
        return text
    try:
        return raw.decode(codec)
    except UnicodeDecodeError as exc:
        raise _fail(path, number, _("not valid {codec} text ({reason}); pass --encoding cp1252 for older Windows "
                                    "files").format(codec=codec, reason=exc.reason)) from None


_BLOCK = 1 << 20


def _block_lines(path: Path, handle, first: bytes, number: int, codec: str | None, stats) -> Iterator[str]:
    """The rest of a file as lines, decoded a megabyte at a time; a block that is not UTF-8 whole,
    or holds a CR that ends no line, goes line by line as :func:`_lines` reads it."""
    pending = first
    while True:
        chunk = handle.read(_BLOCK)
        block = pending + chunk
        if chunk:
            cut = block.rfind(b"\n") + 1
            if cut == 0:  # no line end in a whole megabyte yet: read on
                pending = block
                continue
            block, pending = block[:cut], block[cut:]
        else:
            pending = b""
        if not block:
            return
        lines = None
        if b"\r" not in block.replace(b"\r\n", b""):
            try:
                lines = block.decode("utf-8").split("\n")
            except UnicodeDecodeError:
                lines = None
        if lines is not None:
            last = lines.pop()
            for text in lines:
                yield text + "\n"
            number += len(lines)
            if last:
                yield last
                number += 1
        else:
            for raw in _physical_lines(io.BytesIO(block)):
                yield _decode_one(path, raw, number, codec, stats)
                number += 1
        if not chunk:
            return


def _physical_lines(handle) -> Iterator[bytes]:
    """Byte lines ending in LF, CRLF, or a CR alone (classic Mac files, or a CR inside a cell)."""
    for raw in handle:
        if b"\r" not in raw.rstrip(b"\r\n"):
            yield raw
            continue
        pieces = raw.split(b"\r")
        for piece in pieces[:-1]:
            yield piece + b"\r"
        if pieces[-1].strip(b"\n"):
            yield pieces[-1]
        elif pieces[-1] == b"\n":  # the CRLF that ended the line
            yield b"\n"


def _parse_header(line: str, delimiter: str | None = None) -> tuple[list[str], str]:
    """Return the column names of a CSV header line and its delimiter (detected unless given)."""
    delimiter = delimiter or max(";,\t", key=line.count)
    cells = next(csv.reader(io.StringIO(line, newline=""), delimiter=delimiter), [])
    return [" ".join(name.replace("\ufeff", "").split()) for name in cells], delimiter


@dataclass
class FileHead:
    """What one look at a file's head tells: read once, then carried through the whole load.

    ``source`` (an open-data source) and ``kind`` (what the rows hold) are filled in by
    whoever recognises the file; ``notes`` collects what the read learned on the way (lines
    decoded as cp1252).
    """

    path: Path
    format: str
    header: list[str]
    encoding: str | None = None
    delimiter: str | None = None
    size: int = 0
    source: str | None = None
    kind: str | None = None
    translator: object = None
    decoded: _Decoded = field(default_factory=_Decoded)
    header_lines: int = 1  # a header whose quoted cells span lines takes several
    renamed: dict = field(default_factory=dict)  # maillage column → the file's own, when its header was mapped

    @property
    def folded(self) -> set[str]:
        """The header with case, accents and punctuation removed (for recognising columns)."""
        from .opendata.common import fold_header

        return {fold_header(name) for name in self.header}

    def rows(self, progress: Progress | None = None) -> Iterator[tuple[int, dict]]:
        """Stream ``(line, row)`` past the header."""
        return open_rows(self, progress=progress)


def inspect_file(path: str | Path, fmt: str | None = None, *, encoding: str | None = None) -> FileHead:
    """Open ``path`` once to learn its format, encoding, delimiter and header.

    Raises
    ------
    UsageError
        When the file is missing or its format cannot be told from its suffix.
    DataError
        When the file is empty, has an empty header or is UTF-16.
    """
    path = Path(path)
    if not path.is_file():
        raise UsageError(_("no such file: {path}").format(path=path))
    fmt = fmt or detect_format(path)
    size = path.stat().st_size
    if fmt in ("json", "jsonl"):
        with _open_bytes(path, None) as handle:
            _refuse_binary(path, handle.peek(_PEEK)[:_PEEK])
    if fmt == "csv":
        lines = _lines(path, encoding, None)
        header_line, count = next(lines, ""), 1
        while header_line.count('"') % 2 and count < 20:  # a quoted cell goes on to the next line
            more = next(lines, None)
            if more is None:
                break
            header_line, count = header_line + more, count + 1
        lines.close()
        if not header_line.strip():
            raise _fail(path, 1, _("empty file or empty header"))
        try:
            header, delimiter = _parse_header(header_line)
        except csv.Error as exc:
            raise _fail(path, 1, _("malformed CSV header ({exc})").format(exc=exc)) from None
        _check_width(path, len(header))
        return FileHead(path, fmt, header, encoding, delimiter, size, header_lines=count)
    if fmt not in FORMATS:
        raise UsageError(_("unknown format {fmt!r} (choose from {join})").format(fmt=fmt, join=', '.join(FORMATS)))
    if fmt == "parquet":
        names = _parquet_file(path).schema_arrow.names
        _check_width(path, len(names))
        return FileHead(path, fmt, names, None, None, size)
    if fmt == "json" and _starts_with_object(path, encoding):
        stream = json_stream(path, encoding=encoding)
        return FileHead(path, fmt, [stream.enter(_ANY_KEY) or ""], encoding, None, size)
    rows = (read_jsonl if fmt == "jsonl" else read_json)(path, encoding=encoding)
    try:
        first = next(rows, None)
    finally:
        rows.close()
    return FileHead(path, fmt, list(first[1]) if first else [], encoding, None, size)


def _checked_head(path: Path, handle) -> bytes:
    """The first line, read at most ``FIRST_BLOCK`` bytes far, after refusing what is no text table:
    binary or sparse bytes, a header line longer than any real one. Reading on would hold a
    256 MiB "line" of zeros in memory."""
    _refuse_binary(path, handle.peek(_PEEK)[:_PEEK])
    first = handle.readline(FIRST_BLOCK + 1)
    if len(first) > FIRST_BLOCK and not first.endswith((b"\n", b"\r")) and b"\r" not in first:
        raise _fail(path, 1, _("the header line is longer than {size} MiB: not a table maillage can read (at most "
                               "{columns} columns)").format(size=FIRST_BLOCK >> 20, columns=number(MAX_COLUMNS)))
    return first


def _refuse_binary(path: Path, block: bytes) -> None:
    if block.startswith(_UTF16_BOMS) or b"\x00" not in block:
        return  # UTF-16 is said precisely by the line reader
    raise _fail(path, 1 + block[:block.index(b"\x00")].count(b"\n"),
                _("binary data (a NUL byte) in the first {size} KiB: not a text file (CSV, JSON)").format(
                    size=_PEEK >> 10))


def _check_width(path: Path, width: int) -> None:
    if width > MAX_COLUMNS:
        raise _fail(path, 1, _("{count} columns: more than the {limit} maillage reads (keep the columns it loads and "
                               "load again)").format(count=number(width), limit=number(MAX_COLUMNS)))


class _AnyKey:
    def __contains__(self, key) -> bool:
        return True


_ANY_KEY = _AnyKey()


def _starts_with_object(path: Path, encoding: str | None) -> bool:
    """Whether a JSON file holds an object (``{"marches": …}``) rather than an array."""
    stream = json_stream(path, encoding=encoding, chunk_size=4096)
    return stream.peek() == "{"


class Recovered(list):
    """A row's values mended by a reader's ``recover`` (``note`` says how), e.g. an unquoted decimal comma."""

    note: str = ""


def read_csv(path: "str | Path | FileHead", *, encoding: str | None = None, delimiter: str | None = None,
             progress: Progress | None = None, recover=None) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield ``(line, row)`` for each record of a CSV file with a header.

    The delimiter (``,`` ``;`` or tab) is detected from the header unless given; each line is
    UTF-8 (BOM or not) or cp1252 unless an encoding is given. Given a :class:`FileHead`, the
    header it read is used and not parsed again.
    """
    head = path if isinstance(path, FileHead) else inspect_file(path, "csv", encoding=encoding)
    header = head.header
    for line, values in read_csv_values(head, delimiter=delimiter, progress=progress, recover=recover):
        if isinstance(values, RowProblem):
            yield line, values
            continue
        row = dict(zip(header, values))
        if isinstance(values, Recovered):
            row["__recovered__"] = values.note
        yield line, row


def read_csv_values(head: FileHead, *, delimiter: str | None = None, progress: Progress | None = None,
                    recover=None) -> Iterator[tuple[int, list[str]]]:
    """Yield ``(line, values)`` as :func:`read_csv` does, the values as a list in the header's order.

    ``recover(values, width)``, when given, may mend a row with more fields than the header (a
    :class:`Recovered` list, exactly ``width`` long) where the split is certain; else it is refused.

    For readers of wide files (SIRENE's stocks have 30 to 50 columns) that look at a few
    columns first and build a row only for what they keep.
    """
    if head.format == "parquet":
        yield from _parquet_values(head, progress)
        return
    header, delimiter = head.header, delimiter or head.delimiter
    width = len(header)
    lines = _lines(head.path, head.encoding, progress, head.decoded, skip=head.header_lines)
    reader = csv.reader(lines, delimiter=delimiter)
    previous_end = head.header_lines
    while True:
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise _fail(head.path, previous_end + 1, _("malformed CSV ({exc})").format(exc=exc)) from None
        line, previous_end = previous_end + 1, reader.line_num + 1
        if not values or (not values[0].strip() and not any(value.strip() for value in values)):
            continue
        if len(values) > width and any(value.strip() for value in values[width:]):
            if recover is not None and (mended := recover(values, width)) is not None:
                yield line, mended
                continue
            yield line, RowProblem(_("{len} fields but the header has {len2} (is a '{delimiter}' inside an unquoted value?)").format(len=len(values), len2=len(header), delimiter=delimiter))
            continue
        yield line, values


INT64 = 2**63 - 1


def _finite_float(text: str) -> float:
    value = float(text)
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueError(_("number {value} is not finite (too large for a float)").format(value=text[:40]))
    return value


def _bounded_int(text: str) -> int:
    if len(text.lstrip("-")) > 19 or not -INT64 - 1 <= int(text) <= INT64:
        raise ValueError(_("integer {value}{value2} is too large (limit ±2^63)").format(value=text[:40], value2='…' if len(text) > 40 else ''))
    return int(text)


def _no_constant(name: str):
    raise ValueError(_("{name} is not a number JSON allows").format(name=name))


def strict_json_decoder() -> json.JSONDecoder:
    """A JSON decoder that refuses NaN, Infinity, numbers beyond a float, and integers beyond 64 bits."""
    return json.JSONDecoder(parse_float=_finite_float, parse_int=_bounded_int, parse_constant=_no_constant)


def _decode_json(decoder: json.JSONDecoder, text: str, position: int = 0):
    """``raw_decode`` whose number and depth errors become ValueError (JSONDecodeError stays itself)."""
    try:
        return decoder.raw_decode(text, position)
    except json.JSONDecodeError:
        raise
    except RecursionError:
        raise ValueError(_("JSON nested too deeply")) from None


def read_jsonl(path: str | Path, *, encoding: str | None = None,
               progress: Progress | None = None) -> Iterator[tuple[int, dict]]:
    """Yield ``(line, object)`` for each non-blank line of a JSON Lines file."""
    path = Path(path)
    decoder = strict_json_decoder()
    for line, text in enumerate(_lines(path, encoding or "utf-8", progress), start=1):
        if text.strip():
            yield line, _object(path, line, text, decoder)


def _object(path: Path, line: int, text: str, decoder: json.JSONDecoder) -> dict:
    try:
        value, end = _decode_json(decoder, text.strip())
        if end != len(text.strip()):
            raise _fail(path, line, _("invalid JSON (extra data after the object)"))
    except json.JSONDecodeError as exc:
        raise _fail(path, line, _("invalid JSON ({msg})").format(msg=exc.msg)) from None
    except ValueError as exc:
        raise _fail(path, line, _("invalid JSON ({exc})").format(exc=exc)) from None
    if not isinstance(value, dict):
        raise _fail(path, line, _("expected a JSON object, got {name}").format(name=type(value).__name__))
    return value


def _text_chunks(path: Path, encoding: str | None, progress: Progress | None, size: int):
    """Decoded text of a JSON file, chunk by chunk; a decoding error names its line."""
    codec = (encoding or "utf-8-sig").lower()
    decoder = codecs.getincrementaldecoder("utf-8-sig" if codec in ("utf-8", "utf-8-sig") else codec)()
    lines = 1
    with _open_bytes(path, progress) as handle:
        first = True
        while True:
            raw = handle.read(size)
            if first and raw.startswith(_UTF16_BOMS):
                raise _fail(path, 1, _("UTF-16 or UTF-32 text: save the file as UTF-8 and load it again"))
            first = False
            try:
                text = decoder.decode(raw, final=not raw)
            except UnicodeDecodeError as exc:
                line = lines + raw[:exc.start].count(b"\n")
                raise _fail(path, line, _("not valid {codec} text ({reason}); JSON files must be UTF-8").format(codec=codec, reason=exc.reason)) from None
            lines += raw.count(b"\n")
            if not raw:
                return
            yield text


class _JsonArray:
    """Streams the objects of one JSON array from text chunks, in time linear in the file's size."""

    def __init__(self, path: Path, chunks, chunk_size: int):
        self.path, self.chunks, self.chunk_size = path, chunks, chunk_size
        self.buffer, self.position, self.line, self.ended = "", 0, 1, False
        self.decoder = strict_json_decoder()

    def _more(self, at_least: int) -> bool:
        """Append at least ``at_least`` characters (fewer at the end of the file); False at its end."""
        got, parts = 0, [self.buffer[self.position:]]
        while got < at_least and not self.ended:
            chunk = next(self.chunks, None)
            if chunk is None:
                self.ended = True
                break
            parts.append(chunk)
            got += len(chunk)
        self.buffer, self.position = "".join(parts), 0  # one join per call: no quadratic copying
        return got > 0

    def _next_char(self) -> str | None:
        """The next non-blank character (None at the end of the file), counting lines."""
        while True:
            while self.position < len(self.buffer) and self.buffer[self.position] in " \t\r\n":
                self.line += self.buffer[self.position] == "\n"
                self.position += 1
            if self.position < len(self.buffer):
                return self.buffer[self.position]
            if not self._more(self.chunk_size):
                return None

    def _value(self):
        while True:
            try:
                value, end = _decode_json(self.decoder, self.buffer, self.position)
            except json.JSONDecodeError as exc:
                cut = exc.msg.startswith("Unterminated string") or exc.pos >= len(self.buffer) - 1
                # a value cut by the chunk's end: read as much again (doubling keeps the whole read linear)
                if cut and self._more(max(self.chunk_size, len(self.buffer))):
                    continue
                where = self.line + self.buffer.count("\n", self.position, exc.pos)
                raise _fail(self.path, where, _("invalid JSON ({msg})").format(msg=exc.msg)) from None
            except ValueError as exc:
                raise _fail(self.path, self.line, _("invalid JSON ({exc})").format(exc=exc)) from None
            line = self.line
            self.line += self.buffer.count("\n", self.position, end)
            self.position = end
            return line, value

    def __iter__(self):
        yield from self.objects()
        if self._next_char() is not None:
            raise _fail(self.path, self.line, _("invalid JSON (data after the end of the array)"))

    def enter(self, keys) -> str | None:
        """Step into an object up to the value of the first of its keys in ``keys`` (None: none there).

        The values of other keys met on the way are read and dropped.
        """
        if self._next_char() != "{":
            raise _fail(self.path, self.line, _("expected a JSON object"))
        self.position += 1
        while True:
            char = self._next_char()
            if char == "}":
                self.position += 1
                return None
            if char == ",":
                self.position += 1
                continue
            line, key = self._value()
            if not isinstance(key, str) or self._next_char() != ":":
                raise _fail(self.path, line, _("invalid JSON (expected a key and ':')"))
            self.position += 1
            if key in keys:
                return key
            self._value()

    def peek(self) -> str | None:
        """The next non-blank character, left unread."""
        return self._next_char()

    def objects(self):
        """The objects of the array that starts here (its end is read, nothing after it)."""
        if self._next_char() != "[":
            raise _fail(self.path, self.line, _("expected a JSON array of objects"))
        self.position += 1
        expect_value = False
        while True:
            char = self._next_char()
            if char is None:
                raise _fail(self.path, self.line, _("unexpected end of file in a JSON array"))
            if char == "]" and not expect_value:
                self.position += 1
                break
            line, value = self._value()
            if not isinstance(value, dict):
                raise _fail(self.path, line, _("expected a JSON object, got {name}").format(name=type(value).__name__))
            yield line, value
            char = self._next_char()
            if char == ",":
                self.position += 1
                expect_value = True
            elif char != "]":
                raise _fail(self.path, self.line, _("invalid JSON (expected ',' or ']' after an object)"))
            else:
                expect_value = False


def read_json(path: str | Path, *, encoding: str | None = None, chunk_size: int = 1 << 16,
              progress: Progress | None = None) -> Iterator[tuple[int, dict]]:
    """Yield ``(line, object)`` for each object of a JSON array, reading it in chunks.

    The array is never held whole in memory: objects are decoded one at a time, and a single
    large object is read in doubling chunks, so its time stays linear in its size. NaN,
    Infinity, numbers too large for a float and integers beyond 64 bits are refused, and so is
    anything after the array.
    """
    path = Path(path)
    _check_encoding(encoding)
    yield from _JsonArray(path, _text_chunks(path, encoding, progress, chunk_size), chunk_size)


def json_stream(path: str | Path, *, encoding: str | None = None, chunk_size: int = 1 << 16,
                progress: Progress | None = None) -> _JsonArray:
    """A streaming reader of a JSON file whose arrays of objects sit under keys (``enter``, ``objects``)."""
    path = Path(path)
    _check_encoding(encoding)
    return _JsonArray(path, _text_chunks(path, encoding, progress, chunk_size), chunk_size)


def _parquet_file(path: Path):
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise UsageError(_("{path}: reading Parquet needs pyarrow (pip install 'maillage[fast]')").format(
            path=path)) from None
    try:
        return pq.ParquetFile(path)
    except Exception as exc:  # pyarrow raises its own ArrowInvalid, OSError … for a damaged file
        raise DataError(_("{path}: not a readable Parquet file ({exc})").format(path=path, exc=exc), file=str(path),
                        line=1, reason=str(exc)) from None


def _cell(value) -> str:
    """A Parquet value as the text a CSV cell would hold (SIRENE's and DECP's Parquet mirror their CSV)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _parquet_values(head: FileHead, progress: Progress | None) -> Iterator[tuple[int, list[str]]]:
    """Each row of a Parquet file as text cells in the header's order; ``line`` is the row's number + 1
    (the header being line 1, as in the CSV the file mirrors)."""
    parquet = _parquet_file(head.path)
    total, line = max(parquet.metadata.num_rows, 1), 1
    for batch in parquet.iter_batches(batch_size=10_000, columns=head.header):
        columns = [column.to_pylist() for column in batch.columns]
        for values in zip(*columns):
            line += 1
            yield line, [_cell(value) for value in values]
        if progress:
            progress(int(head.size * batch.num_rows / total))


def open_rows(path: "str | Path | FileHead", fmt: str | None = None, *, encoding: str | None = None,
              progress: Progress | None = None) -> Iterator[tuple[int, dict]]:
    """Yield ``(line, row)`` from a file (or a :class:`FileHead`) with the parser of its format."""
    if isinstance(path, FileHead):
        fmt, encoding = path.format, path.encoding
    fmt = fmt or detect_format(path)
    if fmt in TABULAR:
        return read_csv(path if isinstance(path, FileHead) else inspect_file(path, fmt), encoding=encoding,
                        progress=progress)
    target = path.path if isinstance(path, FileHead) else path
    if fmt == "jsonl":
        return read_jsonl(target, encoding=encoding, progress=progress)
    if fmt == "json":
        return read_json(target, encoding=encoding, progress=progress)
    raise UsageError(_("unknown format {fmt!r} (choose from {join})").format(fmt=fmt, join=', '.join(FORMATS)))


def read_header(path: str | Path, fmt: str | None = None, *, encoding: str | None = None) -> list[str]:
    """Return the column names of a file: the CSV header, or the first object's keys."""
    return inspect_file(path, fmt, encoding=encoding).header
