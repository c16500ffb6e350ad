"""Actors and communes named as people name them, in the files an intermediary keeps.

An intermediary's spreadsheet of partnerships says « Banque Alimentaire du Bas-Rhin » and « IBM
France », not ``banque-alimentaire-67``; its list of actors says « Strasbourg », not ``67482``.
The load pipeline asks this module only for what its keys could not resolve:

- an actor reference that is no key of the store or of this load, and reads as a name, is looked
  up by its name (accents, case, hyphens and « St »/« Saint » forgiven). One actor of that name:
  it is that one. Several: the row is rejected with each candidate's id and commune, for the user
  to write the one meant. The index is read from the load session once, on the first such
  reference, then kept up to date with the actors the load writes.
- a commune written as a name (« Strasbourg », « Saint-Denis (93) », « Saint-Denis, 93 », or a
  name beside a département column) becomes its INSEE code from the territories the store holds
  (the COG); a name several communes bear needs the département, and the message lists them.
"""

from __future__ import annotations

import re

from .. import identifiers as ids
from ..graph.places import is_name, name_key
from ..i18n import _
from ..vocabulary import fold

__all__ = ["ActorNames", "CommuneNames", "DEPARTEMENT_COLUMNS"]

SHOWN = 5  # candidates listed in a message
DEPARTEMENT_COLUMNS = ("departement", "code_departement", "dep", "dept", "num_departement")
_WITH_DEPARTEMENT = re.compile(r"^(?P<name>.*?)\s*(?:\((?P<a>[^()]+)\)|,\s*(?P<b>[^,]+))\s*$")


class ActorNames:
    """Folded actor name → the ids of the actors bearing it, for the references keys did not resolve."""

    def __init__(self, session, communes: "CommuneNames"):
        self.session, self.communes = session, communes
        self._index: dict[str, dict[str, str | None]] | None = None  # name key → {actor id: commune}
        # rows validated but not yet written (the row path writes a batch at a time): a row naming
        # one of them finds it, wherever the batch ends, as it finds a row the columnar path wrote
        self._pending: dict[str, dict[str, str | None]] = {}

    def added(self, rows) -> None:
        """Actor rows this load wrote (kept in the index once it is built); rows awaiting their write
        are forgotten (they come back here with the ids they were written under)."""
        self._pending = {}
        if self._index is not None:
            for row in rows:
                self._add(row["id"], row.get("name"), row.get("commune"))

    def pending(self, actor_id: str, name: str | None, commune: str | None) -> None:
        """An actor row validated into a batch not yet written."""
        if name:
            self._pending.setdefault(name_key(name), {})[actor_id] = commune

    def identify(self, row: dict) -> tuple[dict, list[tuple[str, str]]]:
        """An actor row with no key (id, SIREN, SIRET, RNA) gets the id of the one stored actor of its
        name (and commune, when given), else one derived from its name and commune; several
        stored actors of that name are listed for the user to choose."""
        if any(row.get(_column(row, key) or key) for key in ("id", "siren", "siret", "rna")):
            return row, []
        name_column, commune_column = _column(row, "name"), _column(row, "commune")
        name = str(row.get(name_column) or "").strip() if name_column else ""
        if not name:
            return row, []  # the model says what is missing
        commune = str(row.get(commune_column) or "").strip() or None if commune_column else None
        self._build()
        key = name_key(name)
        named = {**self._index.get(key, {}), **self._pending.get(key, {})}
        bearers = {actor_id: place for actor_id, place in named.items() if commune is None or place in (None, commune)}
        if len(bearers) > 1:
            return row, [(name_column, self._ambiguous(name, bearers))]
        if bearers:
            return dict(row, id=next(iter(bearers))), []
        derived = "-".join(part for part in (_slug(name), commune) if part)
        return dict(row, id=derived, id_derived_from="name" + (" + commune" if commune else "")), []

    def _build(self) -> None:
        if self._index is None:
            self._index = {}
            for actor_id, name, commune in self.session.actor_names():
                self._add(actor_id, name, commune)

    def resolve(self, refs) -> tuple[dict[str, str], dict[str, str]]:
        """({reference: actor id}, {reference: why not}) for references that read as names."""
        named = sorted({ref for ref in refs if ref and is_name(ref)})
        if not named:
            return {}, {}
        self._build()
        found, problems = {}, {}
        for ref in named:
            bearers = self._index.get(name_key(ref), {})
            if len(bearers) == 1:
                found[ref] = next(iter(bearers))
            elif bearers:
                problems[ref] = self._ambiguous(ref, bearers)
        return found, problems

    def _add(self, actor_id: str, name: str | None, commune: str | None) -> None:
        if name:
            self._index.setdefault(name_key(name), {})[actor_id] = commune

    def _ambiguous(self, ref: str, bearers: dict) -> str:
        listed = "; ".join(f"{actor_id} ({_place(self.communes.name_of(commune), commune)})"
                           for actor_id, commune in sorted(bearers.items())[:SHOWN])
        more = len(bearers) - SHOWN
        return _("{ref!r} names {count} actors: {names}{more}; write the one meant (its id, SIREN or SIRET)").format(
            ref=ref, count=len(bearers), names=listed, more=f" (+{more})" if more > 0 else "")


class CommuneNames:
    """Commune names → INSEE codes, from the territories the store holds."""

    def __init__(self, territories):
        self._territories = territories  # callable: read once, when a commune is first written as a name
        self._index: dict[str, list[tuple[str, str]]] | None = None
        self._names: dict[str, str] = {}
        self._written: dict[str, dict] = {}  # a server store shows this load's territories only on commit

    def added(self, rows) -> None:
        """Territory rows this load wrote (its COG, before its actors)."""
        for row in rows:
            self._written[row["id"]] = row
            if self._index is not None:
                self._add(row["id"], row)

    def name_of(self, code: str | None) -> str | None:
        self._build()
        return self._names.get(code or "")

    def resolve_row(self, row: dict) -> tuple[dict, list[tuple[str, str]]]:
        """The row with its commune name turned into a code, and the problems (field, message)."""
        column = _column(row, "commune")
        value = row.get(column) if column else None
        if not isinstance(value, str) or not is_name(value):
            return row, []
        hint = next((str(row[key]).strip() for key in row if fold(str(key)) in DEPARTEMENT_COLUMNS and row[key]), None)
        code, problem = self.resolve(value, hint)
        if problem:
            return row, [(column, problem)]
        return dict(row, **{column: code}), []

    def resolve(self, text: str, departement: str | None = None) -> tuple[str | None, str | None]:
        """(INSEE code, None) or (None, why not) for a commune written as a name.

        Examples
        --------
        >>> names = CommuneNames(lambda: {"commune:93066": {"name": "Saint-Denis", "level": "commune"},
        ...                               "commune:97411": {"name": "Saint-Denis", "level": "commune"}})
        >>> names.resolve("St Denis (93)")
        ('93066', None)
        >>> names.resolve("saint-denis")[1]
        "'saint-denis' names 2 communes: Saint-Denis (93066); Saint-Denis (97411); add the département"
        """
        self._build()
        name, given = _split_departement(text)
        departement = departement or given
        if not self._names:
            return None, _("commune {text!r} is a name: load the territories (COG) first, or write its INSEE "
                           "code").format(text=text)
        matches = self._index.get(name_key(name), [])
        if departement:
            matches = [m for m in matches if _in_departement(m[0], departement)]
        if len(matches) == 1:
            return matches[0][0], None
        if not matches:
            return None, _("no commune named {text!r} in the territories this store holds").format(text=text)
        listed = "; ".join(f"{label} ({code})" for code, label in matches[:SHOWN])
        return None, _("{text!r} names {count} communes: {names}; add the département").format(
            text=text, count=len(matches), names=listed)

    def _build(self) -> None:
        if self._index is None:
            self._index = {}
            for tid, row in {**self._territories(), **self._written}.items():
                self._add(tid, row)

    def _add(self, tid: str, row: dict) -> None:
        level, _sep, code = tid.partition(":")
        if (row.get("level") or level) == "commune" and row.get("name"):
            self._names[code] = row["name"]
            bearers = self._index.setdefault(name_key(row["name"]), [])
            if (code, row["name"]) not in bearers:
                bearers.append((code, row["name"]))
                bearers.sort()


def _place(name: str | None, code: str | None) -> str:
    return ", ".join(part for part in (name, code) if part) or "—"


def _column(row: dict, name: str) -> str | None:
    """The row's own key for maillage's column ``name`` (« Commune », « SIRET »), if it has one."""
    return next((key for key in row if key is not None and fold(str(key)) == name), None)


def _slug(name: str) -> str:
    """« Banque Alimentaire du Bas-Rhin » → ``banque-alimentaire-du-bas-rhin`` (an id from a name)."""
    return re.sub(r"[^a-z0-9]+", "-", fold(name)).strip("-")[:60].strip("-")


def _split_departement(text: str) -> tuple[str, str | None]:
    """« Saint-Denis (93) » → (« Saint-Denis », « 93 »); a name alone → (name, None)."""
    match = _WITH_DEPARTEMENT.match(text.strip())
    if match and match.group("name"):
        return match.group("name"), (match.group("a") or match.group("b")).strip()
    return text.strip(), None


def _in_departement(code: str, departement: str) -> bool:
    """Whether commune ``code`` lies in ``departement`` (a code, « 2A », « 974 », or its name)."""
    given = departement.strip().upper()
    if not re.fullmatch(r"\d[0-9AB]\d?", given):
        folded = name_key(departement)
        given = next((dep for dep, row in ids.departements().items() if name_key(row["nom"]) == folded), given)
    return code.startswith(given.zfill(2)) if given.isdigit() else code.startswith(given)
