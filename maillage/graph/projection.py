"""Build the NetworkX graph the analyses need from any store.

Nodes are actors (with kind, commune, département, région, EPCIs, themes, offers,
seeks); edges are partnerships (a MultiGraph: one edge per partnership, keyed by its
id) and initiative ties (each member to the initiative's lead). ``G.graph`` carries the
scope, the needs that concern it and the initiatives.
"""

from __future__ import annotations

import datetime
import os
from collections.abc import Iterator
from dataclasses import dataclass

import networkx as nx

from .. import identifiers as ids
from ..collector import collector_paused
from ..errors import NotFoundError
from ..model import parse_date, parse_territory_ref
from .store import ActorFilter, Store
from ..i18n import _

__all__ = ["Scope", "project", "collector_paused", "scope_filter", "initiative_ties", "scope_needs", "territory_filter", "ancestors", "places", "today", "active", "illustrative"]


def today() -> str:
    """Today's date (ISO), or ``MAILLAGE_TODAY`` when set (reproducible runs and tests)."""
    return os.environ.get("MAILLAGE_TODAY") or datetime.date.today().isoformat()


@dataclass(frozen=True)
class Scope:
    """What a projection keeps: a territory (any level), a date, actor and partnership kinds."""

    territory: str | None = None
    at: str | None = None
    kinds: frozenset[str] | None = None
    partnership_kinds: frozenset[str] | None = None

    @classmethod
    def parse(cls, territory=None, at=None, kinds=None, partnership_kinds=None) -> "Scope":
        return cls(parse_territory_ref(territory) if territory else None, parse_date(at) if at else None,
                   frozenset(kinds) if kinds else None, frozenset(partnership_kinds) if partnership_kinds else None)


def _children(territories: dict[str, dict]) -> dict[str, list[str]]:
    children: dict[str, list[str]] = {}
    for tid, row in territories.items():
        for parent in row.get("parents") or []:
            children.setdefault(parent, []).append(tid)
    return children


def territory_filter(territories: dict[str, dict], territory: str) -> ActorFilter:
    """Return the actor filter of a territory id (``level:code``)."""
    level, code = territory.split(":", 1)
    if level == "commune":
        return ActorFilter(communes=frozenset([code]))
    departements = set()
    if level == "departement" and (code in ids.departements() or territory in territories):
        departements.add(code)
    if level == "region":
        departements |= {dep for dep, row in ids.departements().items() if row["region"] == code}
    communes, stack, children, seen = set(), [territory], _children(territories), set()
    while stack:  # walk down the declared hierarchy (EPCI members, a région's départements …)
        for child in children.get(stack.pop(), []):
            if child not in seen:
                seen.add(child)
                stack.append(child)
                child_level, child_code = child.split(":", 1)
                if child_level == "commune":
                    communes.add(child_code)
                elif child_level == "departement":
                    departements.add(child_code)
    if not (communes or departements) and territory not in territories:
        raise NotFoundError(_("unknown territory {territory!r}").format(territory=territory))
    return ActorFilter(communes=frozenset(communes), departements=frozenset(departements))


def ancestors(territories: dict[str, dict], territory: str) -> list[str]:
    """Return ``territory`` and every territory that contains it, nearest first."""
    found, queue = [territory], [territory]
    while queue:
        current = queue.pop(0)
        level, code = current.split(":", 1)
        parents = list(territories.get(current, {}).get("parents") or [])
        if level == "commune":
            parents.append(f"departement:{ids.departement_of_commune(code)}")
        if level == "departement" and ids.region_of_departement(code):
            parents.append(f"region:{ids.region_of_departement(code)}")
        for parent in parents:
            if parent not in found:
                found.append(parent)
                queue.append(parent)
    return found


def places(territories: dict[str, dict], territory: str | None) -> dict:
    """Return where a territory sits: its commune, epcis, departement and region codes.

    Examples
    --------
    >>> places({}, "commune:67482")
    {'commune': '67482', 'epcis': [], 'departement': '67', 'region': '44'}
    """
    if not territory:
        return {"commune": None, "epcis": [], "departement": None, "region": None}
    found = ancestors(territories, territory)
    code = lambda level: [p.split(":", 1)[1] for p in found if p.startswith(level + ":")]  # noqa: E731
    return {"commune": (code("commune") or [None])[0], "epcis": code("epci") + code("ept"),
            "departement": (code("departement") or [None])[0], "region": (code("region") or [None])[0]}


def _area(territories, area: str) -> dict:
    """An operating area: ``france`` or a territory, with the levels a place can match it on."""
    if area == "france":
        return {"id": "france", "level": "national"}
    level = area.split(":", 1)[0]
    return {"id": area, "level": level, **places(territories, area)}


def _need_places(territories, need: dict, graph) -> dict:
    """Where a need is: its holder's places when the holder is known, else its territory's."""
    if need.get("holder") in graph:
        node = graph.nodes[need["holder"]]
        return {key: node[key] for key in ("commune", "epcis", "departement", "region")}
    return places(territories, need.get("territory"))


def _need_in_scope(territories, need: dict, scope: Scope, graph) -> bool:
    """A need concerns the scope when it was raised by the scope's date, and its holder is in the scope
    or its territory is inside or around it."""
    if scope.at and need.get("since") and need["since"] > scope.at:
        return False
    if scope.territory is None or need.get("holder") in graph:
        return True
    if not need.get("territory"):
        return False
    return (scope.territory in ancestors(territories, need["territory"])
            or need["territory"] in ancestors(territories, scope.territory))


def scope_needs(store: Store, territories: dict[str, dict], scope: Scope, present) -> list[dict]:
    """The needs that concern ``scope``, whose actors are ``present`` (anything ``in`` answers)."""
    return [need for need in store.need_rows() if _need_in_scope(territories, need, scope, present)]


def project(store: Store, scope: Scope | None = None) -> nx.MultiGraph:
    """Return the ecosystem graph of ``scope`` (all of it by default).

    Examples
    --------
    >>> import tempfile, os
    >>> from maillage.graph import open_store
    >>> with open_store(os.path.join(tempfile.mkdtemp(), "m.db")) as store:
    ...     project(store).number_of_nodes()
    0
    """
    scope = scope or Scope()
    with collector_paused(), store.snapshot():
        return _project(store, scope)


def scope_filter(territories: dict[str, dict], scope: Scope) -> ActorFilter:
    """The actor filter of a scope: its territory's communes and départements, its actor kinds."""
    where = territory_filter(territories, scope.territory) if scope.territory else ActorFilter()
    return ActorFilter(where.communes, where.departements, scope.kinds)


def _project(store: Store, scope: Scope) -> nx.MultiGraph:
    territories = store.territories()
    where = scope_filter(territories, scope)
    graph = nx.MultiGraph(scope={"territory": scope.territory, "at": scope.at,
                                 "kinds": sorted(scope.kinds) if scope.kinds else None})
    seats: dict = {}  # where each commune sits, found once for all its actors
    for row in store.actor_rows(where):
        attributes = {k: row.get(k) for k in ("name", "kind", "siren", "siret", "rna", "website", "key")}
        commune = row.get("commune")
        seat = seats.get(commune)
        if seat is None:
            seat = seats[commune] = places(territories, commune and f"commune:{commune}")
        attributes.update(themes=row["themes"], offers=row["offers"], seeks=row["seeks"],
                          operates_in=row["operates_in"], **{**seat, "epcis": list(seat["epcis"])})
        graph.add_node(row["id"], **attributes)
    late = 0
    for row in store.partnership_rows(where, scope.at, scope.partnership_kinds):
        if row["source"] not in graph or row["target"] not in graph:
            late += 1  # an actor written after the actors were read (a load committed meanwhile): left out
            continue
        graph.add_edge(row["source"], row["target"], key=row["id"], **{
            k: row.get(k) for k in ("kind", "start", "end", "themes", "amount", "description")},
            source_file=row.get("source_file"), illustrative=illustrative(row))
    graph.graph["ties_left_out"] = late
    graph.graph["areas"] = {area: _area(territories, area)
                            for _, data in graph.nodes(data=True) for area in data["operates_in"]}
    graph.graph["initiatives"] = _add_initiatives(graph, store, scope)
    graph.graph["needs"] = [dict(need, places=_need_places(territories, need, graph))
                            for need in scope_needs(store, territories, scope, graph)]
    graph.graph["territory_names"] = {tid: row.get("name") for tid, row in territories.items()}
    graph.graph["priority_areas"] = {row["code"]: row["extra"]["qpv"].split(";") for row in territories.values()
                                     if row.get("level") == "commune" and (row.get("extra") or {}).get("qpv")}
    return graph


_TRUE = {"true", "1", "yes", "oui", "vrai", "y", "o", "x"}


def illustrative(row: dict) -> bool:
    """Whether a tie is marked invented or illustrative by its file (``invented`` / ``illustrative``
    columns, kept in ``extra``): a reason resting on it must say so."""
    extra = row.get("extra")
    if not extra:
        return False
    return any(str(extra.get(name, "")).strip().lower() in _TRUE for name in ("invented", "illustrative", "fictif"))


def active(row: dict, at: str | None) -> bool:
    """Whether a tie (or initiative) with ``start``/``end`` is under way at ``at`` (always when None)."""
    return at is None or ((not row.get("start") or row["start"] <= at) and (not row.get("end") or row["end"] >= at))


def initiative_ties(store: Store, present, scope: Scope) -> Iterator[tuple[dict, list[dict], str | None]]:
    """Each initiative under way at the scope's date with members among ``present``: its row, those
    members, and the member every other one is tied to (its porteur or animateur, else its first
    member), None when the scope's partnership kinds leave initiative ties out."""
    tied = scope.partnership_kinds is None or "initiative" in scope.partnership_kinds
    for row in store.initiative_rows():
        members = [m for m in row["members"] if m["actor"] in present]
        if not members or not active(row, scope.at):
            continue
        lead = next((m["actor"] for m in members if m["role"] in ("porteur", "animateur")), members[0]["actor"])
        yield row, members, lead if tied else None


def _add_initiatives(graph: nx.MultiGraph, store: Store, scope: Scope) -> dict:
    initiatives = {}
    for row, members, lead in initiative_ties(store, graph, scope):
        initiatives[row["id"]] = row
        for member in members if lead is not None else ():
            if member["actor"] != lead:
                graph.add_edge(lead, member["actor"], key=f"{row['id']}:{member['actor']}", kind="initiative",
                               start=row.get("start"), end=row.get("end"), themes=row["themes"], amount=None,
                               description=f"{row['name']} ({member['role']})",
                               source_file=row.get("source_file"), illustrative=illustrative(row))
    return initiatives
