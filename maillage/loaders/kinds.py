"""The kinds of input file, their documented columns, and how a row becomes a record.

Column names are matched leniently (case, accents, spaces); columns that are not
documented are kept in the record's ``extra`` properties, never dropped.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache

from pydantic import ValidationError

from ..errors import UsageError
from ..model import Actor, Initiative, Need, Partnership, Territory
from ..vocabulary import Vocabulary, fold
from ..i18n import N_, _
from .fast import fast_record

__all__ = ["KINDS", "KIND_ORDER", "RecordKind", "detect_kind", "make_record", "check_header"]


@dataclass(frozen=True)
class RecordKind:
    name: str
    model: type
    required: tuple[str, ...]
    optional: tuple[str, ...]
    renamed: tuple[tuple[str, str], ...] = ()  # (column, model field)

    @property
    def columns(self) -> tuple[str, ...]:
        return self.required + self.optional


KINDS = {
    "territories": RecordKind("territories", Territory, ("code", "level", "name"), ("parent", "population"),
                              (("parent", "parents"),)),
    "actors": RecordKind("actors", Actor, ("name", "kind"),
                         ("id", "commune", "siren", "siret", "rna", "themes", "offers", "seeks", "operates_in",
                          "website"),
                         (("id", "key"),)),
    "partnerships": RecordKind("partnerships", Partnership, ("source", "target", "kind"),
                               ("id", "start", "end", "themes", "amount", "description")),
    "initiatives": RecordKind("initiatives", Initiative, ("id", "name"),
                              ("territory", "themes", "members", "start", "end", "description")),
    "needs": RecordKind("needs", Need, ("id", "title"),
                        ("territory", "themes", "resources", "holder", "status", "since", "description")),
}
KIND_ORDER = ("territories", "actors", "partnerships", "initiatives", "needs")
# Columns that tell a kind apart, checked in this order.
_SIGNATURES = (
    ("partnerships", {"source", "target"}),
    ("territories", {"code", "level"}),
    ("initiatives", {"members"}),
    ("needs", {"title"}),
    ("actors", {"name", "kind"}),
)


def detect_kind(columns, path="") -> str:
    """Return the kind of a file from its column names.

    Examples
    --------
    >>> detect_kind(["id", "source", "target", "kind"])
    'partnerships'
    """
    names = {fold(column) for column in columns}
    for kind, signature in _SIGNATURES:
        if signature <= names:
            return kind
    raise UsageError(_("{path}: cannot tell what this file holds from its columns ({join}); pass --kind {join2}").format(path=path, join=', '.join(list(columns)[:8]), join2='|'.join(KIND_ORDER)))


def check_header(kind: RecordKind, columns) -> list[str]:
    """Return the required columns missing from ``columns``."""
    names = {fold(column) for column in columns}
    return [column for column in kind.required if column not in names]


_CONTROL = re.compile("[\x00-\x1f\x7f]")
_REFERENCES = {"id", "key", "source", "target", "holder", "members", "siren", "siret", "rna", "commune", "code"}


_SURROGATE = re.compile("[\ud800-\udfff]")


def _unstorable(column: str, value, reference: bool) -> str | None:
    """Why a value cannot be stored faithfully (NUL, lone surrogates, control characters in ids)."""
    if type(value) is str:  # most values: tested first, with no encoding made
        if "\x00" in value:
            return _("contains a NUL character")
        if not value.isascii() and _SURROGATE.search(value):
            return _("contains invalid Unicode (a lone surrogate)")
        if reference and _CONTROL.search(value):
            return _("contains a control character (not allowed in an identifier)")
        return None
    if isinstance(value, dict):
        return next((m for k, v in value.items() for m in [_unstorable(column, k, False) or
                                                           _unstorable(column, v, False)] if m), None)
    if isinstance(value, (list, tuple)):
        return next((m for v in value for m in [_unstorable(column, v, reference)] if m), None)
    if isinstance(value, float) and not math.isfinite(value):
        return _("not a finite number")
    if not isinstance(value, str):
        return None
    if "\x00" in value:
        return _("contains a NUL character")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return _("contains invalid Unicode (a lone surrogate)")
    if reference and _CONTROL.search(value):
        return _("contains a control character (not allowed in an identifier)")
    return None


@lru_cache(maxsize=4096)
def _folded(column) -> str:
    """A column name folded (the same few names come back on every row)."""
    return fold(str(column))


@lru_cache(maxsize=4096)
def _storable_name(column) -> bool:
    """Whether a column name can be stored (cached as a yes or no: the message is in the run's language)."""
    return _unstorable(str(column), str(column), False) is None


FAST_PATH = True  # rows already in canonical form skip pydantic (see loaders/fast.py); tests turn it off


def make_record(kind: RecordKind, row: dict, vocabulary: Vocabulary):
    """Validate one row; return ``(record, [])`` or ``(None, [(field, message), ...])``."""
    if FAST_PATH:
        record = fast_record(kind.name, row, vocabulary)
        if record is not None:
            return record, []
    problems = [(str(column), message) for column, value in row.items() if column is not None
                for message in [_unstorable(str(column), value, _folded(column) in _REFERENCES)
                                or (None if _storable_name(column) else _unstorable(str(column), str(column), False))]
                if message]
    if problems:
        return None, problems
    data, extra = {}, {}
    renamed = dict(kind.renamed)
    for column, value in row.items():
        if column is None:
            continue
        name = _folded(column)
        if name in kind.columns:
            data[renamed.get(name, name)] = value
        elif value not in (None, ""):
            extra[column] = value
    data["extra"] = extra
    try:
        return kind.model.model_validate(data, context={"vocabulary": vocabulary}), []
    except ValidationError as exc:
        return None, [_describe(error, dict(map(reversed, kind.renamed))) for error in exc.errors()]


# pydantic's own messages, for the error types a row can meet; our validators' messages are
# already in the run's language (they are raised through the catalogue)
_PYDANTIC = {
    "missing": N_("required value is empty"), "string_type": N_("expected text"),
    "int_parsing": N_("expected a whole number"), "int_type": N_("expected a whole number"),
    "int_from_float": N_("expected a whole number"), "float_parsing": N_("expected a number"),
    "float_type": N_("expected a number"), "bool_parsing": N_("expected true or false"),
    "bool_type": N_("expected true or false"), "list_type": N_("expected a list"),
    "dict_type": N_("expected an object"), "too_long": N_("too many values"), "string_too_long": N_("text too long"),
    "greater_than_equal": N_("value too small"), "less_than_equal": N_("value too large"),
    "extra_forbidden": N_("unexpected field"), "date_parsing": N_("expected a date"),
}


def _describe(error: dict, columns: dict) -> tuple[str, str]:
    field = str(error["loc"][0]) if error["loc"] else ""
    if error["type"] in _PYDANTIC:
        message = _(_PYDANTIC[error["type"]])
    else:
        message = error["msg"].removeprefix("Value error, ")
    return columns.get(field, field), message
