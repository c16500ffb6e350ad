"""The fast path of validation: rows already in canonical form skip pydantic.

Most rows of a large file are plain: lower-case codes, ISO dates, five-digit communes, http(s)
addresses, SIREN, SIRET and RNA numbers written as they are stored (and passing their checks),
nothing to strip. Open-data translators give such rows too, with lists of codes and columns kept
in ``extra``. For those, :func:`fast_record` proves in a few string tests that pydantic would
accept the row unchanged, and builds the same record without running it (a plain object with the
model's fields, id, keys and ``model_dump``). Any row it cannot prove (a label instead of a code,
a date or an identifier to read, a column to rename, a control character) returns None and goes
through pydantic, which gives the messages. So the fast path can only ever *accept* rows pydantic
accepts, with the same record: ``tests/test_fast_path.py`` checks both on generated rows.
"""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache

from .. import identifiers as ids
from ..vocabulary import Vocabulary, fold

__all__ = ["fast_record", "FAST_KINDS", "FastActor", "FastPartnership"]

_ACTOR_COLUMNS = frozenset({"id", "name", "kind", "commune", "themes", "offers", "seeks", "website"})
_PARTNERSHIP_COLUMNS = frozenset({"id", "source", "target", "kind", "start", "end", "themes", "amount",
                                  "description"})
FAST_KINDS = ("actors", "partnerships")
# anything pydantic or the storage checks could change or refuse: control characters, surrogates
_UNSAFE = re.compile("[\x00-\x1f\x7f\ud800-\udfff]")
_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:@/+-]*$")
_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_AMOUNT = re.compile(r"^(0|[1-9]\d{0,14})(\.\d{1,6})?$")
_WEBSITE = re.compile(r"^https?://[A-Za-z0-9.-]+(:\d{1,5})?(/[!-~]*)?$")


class FastActor:
    """What :class:`~maillage.model.Actor` would hold for a plain row."""

    __slots__ = ("key", "name", "kind", "commune", "themes", "offers", "seeks", "website", "siren", "siret", "rna",
                 "extra", "_keys")

    def __init__(self, key, name, kind, commune, themes, offers, seeks, website, siren=None, siret=None, rna=None,
                 extra=None):
        self.key, self.name, self.kind, self.commune = key, name, kind, commune
        self.themes, self.offers, self.seeks, self.website = themes, offers, seeks, website
        self.siren, self.siret, self.rna, self.extra = siren, siret, rna, extra or {}
        self._keys = None

    @property
    def id(self) -> str:  # Actor.id
        if self.siren:
            return f"siren:{self.siren}"
        if self.rna:
            return f"rna:{self.rna}"
        return self.key

    @property
    def keys(self) -> list[str]:  # Actor.keys (a new list each time, as the model's; worked out once)
        if self._keys is None:
            found = [self.id, self.key, self.siren and f"siren:{self.siren}", self.siret and f"siret:{self.siret}",
                     self.rna and f"rna:{self.rna}"]
            self._keys = list(dict.fromkeys(key for key in found if key))
        return list(self._keys)

    def model_dump(self) -> dict:  # the fields and their order of Actor.model_dump()
        return {"extra": dict(self.extra), "key": self.key, "name": self.name, "kind": self.kind,
                "commune": self.commune, "siren": self.siren, "siret": self.siret, "rna": self.rna,
                "themes": self.themes, "offers": self.offers, "seeks": self.seeks, "operates_in": [],
                "website": self.website}


class FastPartnership:
    """What :class:`~maillage.model.Partnership` would hold for a plain row."""

    __slots__ = ("id", "source", "target", "kind", "start", "end", "themes", "amount", "description")

    def __init__(self, id, source, target, kind, start, end, themes, amount, description):  # noqa: A002
        self.id, self.source, self.target, self.kind = id, source, target, kind
        self.start, self.end, self.themes, self.amount, self.description = start, end, themes, amount, description

    def model_dump(self) -> dict:  # the fields and their order of Partnership.model_dump()
        return {"extra": {}, "id": self.id, "source": self.source, "target": self.target, "kind": self.kind,
                "start": self.start, "end": self.end, "themes": self.themes, "amount": self.amount,
                "description": self.description}


def fast_record(kind: str, row: dict, vocabulary: Vocabulary):
    """The record pydantic would make of ``row``, or None when that is not certain."""
    if kind == "actors":
        return _actor(row, vocabulary)
    if kind == "partnerships":
        return _partnership(row, vocabulary)
    return None


def _plain(row: dict, allowed: frozenset) -> bool:
    for column, value in row.items():
        if column not in allowed or not isinstance(value, str) or value != value.strip() or _UNSAFE.search(value):
            return False
    return True


def _codes(vocabulary: Vocabulary, name: str, text: str):
    """Exact codes separated by « ; » (sorted, unique), or None when any needs reading."""
    if not text:
        return []
    known = vocabulary.terms[name]
    items = text.split(";")
    for item in items:
        if item not in known:
            return None
    return sorted(set(items))


@lru_cache(maxsize=100_000)
def _commune_ok(code: str) -> bool:
    if len(code) != 5:
        return False
    try:
        return ids.normalize_commune(code) == code
    except ValueError:
        return False


@lru_cache(maxsize=100_000)
def _day_ok(text: str) -> bool:
    if not _ISO_DAY.match(text):
        return False
    try:
        return date.fromisoformat(text).isoformat() == text
    except ValueError:
        return False


_MODEL_COLUMNS = frozenset({"id", "name", "kind", "commune", "siren", "siret", "rna", "themes", "offers", "seeks",
                            "operates_in", "website"})
_LIST_COLUMNS = {"themes": "theme", "offers": "resource", "seeks": "resource"}


@lru_cache(maxsize=4096)
def _outside_the_model(column) -> bool:
    """A column the row path keeps in ``extra`` as written: no model field by any spelling, a plain name."""
    return (isinstance(column, str) and fold(column) not in _MODEL_COLUMNS and column == column.strip()
            and column != "" and not _UNSAFE.search(column))


def _actor(row: dict, vocabulary: Vocabulary):
    extra, lists = {}, {}
    for column, value in row.items():
        if column in _LIST_COLUMNS and type(value) is list:  # an open-data translator's codes
            codes = _code_list(vocabulary, _LIST_COLUMNS[column], value)
            if codes is None:
                return None
            lists[column] = codes
        elif column in _ACTOR_COLUMNS or column in _IDENTITY_COLUMNS:
            if type(value) is not str or value != value.strip() or _UNSAFE.search(value):
                return None
        elif not _outside_the_model(column) or (type(value) is not str and value is not None):
            return None
        elif value:  # kept in extra as written, as make_record keeps it
            if _UNSAFE.search(value):
                return None
            extra[column] = value
    key, name, kind = row.get("id") or None, row.get("name") or "", row.get("kind") or ""
    if (key is not None and not _KEY.match(key)) or not name or kind not in vocabulary.terms["actor_kind"]:
        return None
    commune = row.get("commune") or None
    if commune is not None and not _commune_ok(commune):
        return None
    website = row.get("website") or None
    if website is not None and not _WEBSITE.match(website):
        return None
    for field, name_of_vocabulary in _LIST_COLUMNS.items():
        if field not in lists:
            codes = _codes(vocabulary, name_of_vocabulary, row.get(field) or "")
            if codes is None:
                return None
            lists[field] = codes
    identity = _identity(row.get("siren") or None, row.get("siret") or None, row.get("rna") or None, key)
    if identity is None:
        return None
    return FastActor(key, name, kind, commune, lists["themes"], lists["offers"], lists["seeks"], website, *identity,
                     extra)


_IDENTITY_COLUMNS = frozenset({"siren", "siret", "rna"})


def _identity(siren, siret, rna, key):
    """(siren, siret, rna) as Actor keeps them when they are written as it would write them, else None."""
    if siren is not None and not (len(siren) == 9 and siren.isascii() and siren.isdigit() and ids.luhn_valid(siren)):
        return None
    if siret is not None:
        if not (len(siret) == 14 and siret.isascii() and siret.isdigit()):
            return None
        if siret.startswith(ids.LA_POSTE_SIREN):
            if siret != ids.LA_POSTE_SIREN + "00048" and sum(map(int, siret)) % 5:
                return None
        elif not ids.luhn_valid(siret):
            return None
        if siren is not None and siren != siret[:9]:
            return None
        siren = siren or siret[:9]
    if rna is not None and not ids._RNA.match(rna):  # what normalize_rna accepts as written
        return None
    if not (key or siren or rna):
        return None
    return siren, siret, rna


def _code_list(vocabulary: Vocabulary, name: str, items: list):
    """A list of exact codes (sorted, unique), or None when any needs reading."""
    known = vocabulary.terms[name]
    for item in items:
        if type(item) is not str or item not in known:
            return None
    return sorted(set(items))


def _partnership(row: dict, vocabulary: Vocabulary):
    if not _plain(row, _PARTNERSHIP_COLUMNS):
        return None
    source, target, kind = row.get("source") or "", row.get("target") or "", row.get("kind") or ""
    if not (_KEY.match(source) and _KEY.match(target)) or kind not in vocabulary.terms["partnership_kind"]:
        return None
    start, end = row.get("start") or None, row.get("end") or None
    if (start is not None and not _day_ok(start)) or (end is not None and not _day_ok(end)):
        return None
    if start and end and end < start:
        return None
    amount = row.get("amount") or None
    if amount is not None:
        if not _AMOUNT.match(amount):
            return None
        amount = float(amount)
    themes = _codes(vocabulary, "theme", row.get("themes") or "")
    identifier = row.get("id") or None
    if themes is None or source == target or (identifier is not None and not _KEY.match(identifier)):
        return None
    return FastPartnership(identifier, source, target, kind, start, end, themes, amount,
                           row.get("description") or None)
