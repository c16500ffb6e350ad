"""Territories and collectivités from ``@etalab/decoupage-administratif`` (the COG as JSON).

Files, told apart by name: ``regions.json``, ``departements.json``, ``epci.json``, ``ept.json``,
``communes.json`` (any subset). Each territory becomes a territory row with its parents
(commune → département, EPCI and EPT, found by inverting the groupings' ``membres``; EPCI →
its members' départements; département → région), and each collectivité an actor of kind
``collectivite``: communes, EPCI and EPT with their SIREN (EPCI and EPT codes are SIRENs),
départements and régions with their official SIREN too (the files give none: maillage ships them,
``maillage/data/collectivites-sirens.csv``), so a grantor, buyer or beneficiary citing that SIREN
is that same actor; the Collectivité européenne d'Alsace is one actor for the Bas-Rhin and the
Haut-Rhin. A département or région the table lacks (the Corsican départements, merged into the
Collectivité de Corse) keeps the key ``departement:2A``. They are seated at their chef-lieu. An EPCI is seated at its most populous member (the files
do not name the seat). Municipal arrondissements point to their commune; communes déléguées
and associées (former communes) are skipped.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from ...errors import DataError
from ...identifiers import collectivite_sirens
from .common import Item, Skip
from .territorial import commune_alias, epci_alias
from ...i18n import N_, _

__all__ = ["recognises", "translate", "FILES"]

FILES = ("regions", "departements", "epci", "ept", "communes")
_FORMER = {"commune-deleguee": N_("former commune (commune déléguée)"),
           "commune-associee": N_("former commune (commune associée)")}


def recognises(head) -> bool:
    path = head.path
    return path.suffix.lower() == ".json" and path.stem.lower() in FILES and path.parent.name != "examples"


def _load(path: Path) -> list[dict]:
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, ValueError, RecursionError) as exc:
        raise DataError(_("{path}: not a decoupage-administratif JSON file ({exc})").format(path=path, exc=exc), file=str(path), line=1,
                        reason=str(exc)) from None
    if not isinstance(data, list):
        raise DataError(_("{path}: expected a JSON array of objects").format(path=path), file=str(path), line=1,
                        reason=_("expected a JSON array of objects"))
    required = _REQUIRED.get(path.stem.lower(), {})
    for index, record in enumerate(data, start=1):
        problem = _malformed(record, required)
        if problem:
            reason = f"record {index}: {problem}"
            raise DataError(_("{path}: {reason}").format(path=path, reason=reason), file=str(path), line=index, reason=reason)
    return data


# The keys each file's records must have, with their type (optional keys are checked when present).
_REQUIRED = {
    "regions": {"code": str, "nom": str},
    "departements": {"code": str, "nom": str, "region": str},
    "epci": {"code": str, "nom": str, "membres": list},
    "ept": {"code": str, "nom": str, "membres": list},
    "communes": {"code": str, "nom": str, "type": str},
}
_OPTIONAL = {"chefLieu": str, "population": int, "populationMunicipale": int, "departement": str, "commune": str,
             "siren": str}


def _malformed(record, required: dict) -> str | None:
    """What is wrong with one record of the COG files (None when it can be read)."""
    if not isinstance(record, dict):
        return _("expected an object, got {name}").format(name=type(record).__name__)
    for key, kind in required.items():
        if key not in record:
            return _("missing key {key!r}").format(key=key)
        if not isinstance(record[key], kind):
            return _("{key!r} should be {name}, got {name2}").format(key=key, name=kind.__name__, name2=type(record[key]).__name__)
    for key, kind in _OPTIONAL.items():
        if record.get(key) is not None and (not isinstance(record[key], kind) or isinstance(record[key], bool)):
            return _("{key!r} should be {name}, got {name2}").format(key=key, name=kind.__name__, name2=type(record[key]).__name__)
    for member in record.get("membres", []) if isinstance(record.get("membres"), list) else []:
        if not isinstance(member, dict) or not isinstance(member.get("code"), str):
            return _("each of 'membres' should be an object with a 'code'")
    if record.get("type") in ("commune-actuelle", "arrondissement-municipal") and not isinstance(
            record.get("departement"), str):
        return _("missing key 'departement'")
    if record.get("type") == "arrondissement-municipal" and not isinstance(record.get("commune"), str):
        return _("missing key 'commune'")
    return None


def _territory(path, index, level, code, name, population, parents, **extra) -> Item:
    row = {"code": code, "level": level, "name": name, "population": population, "parent": sorted(set(parents))}
    row.update({k: v for k, v in extra.items() if v not in (None, "")})
    return Item("territories", str(path), index, row, {"code": "code", "name": "nom"})


def _actor(path, index, key, name, commune, siren, area, alias=None) -> Item:
    # the actor's id comes from its SIREN; the name alias, when it has one, is its other key
    row = {"id": alias if alias and siren else key, "name": name, "kind": "collectivite", "commune": commune,
           "siren": siren, "operates_in": [area], "source": "COG"}
    return Item("actors", str(path), index, row, {"siren": "siren", "commune": "chefLieu", "name": "nom"})


def translate(heads, filters, *, resolve=None, progress=None, **options):
    paths = [head.path for head in heads]
    files = {path.stem.lower(): path for path in paths}
    data = {stem: _load(path) for stem, path in files.items()}
    if progress:
        progress(sum(path.stat().st_size for path in paths))
    communes = {c["code"]: c for c in data.get("communes", []) if c.get("type") == "commune-actuelle"}
    groupings = {}  # commune → [epci:…, ept:…]
    for stem in ("epci", "ept"):
        for grouping in data.get(stem, []):
            for member in grouping.get("membres", []):
                groupings.setdefault(member["code"], []).append(f"{stem}:{grouping['code']}")
    region_of = {d["code"]: d["region"] for d in data.get("departements", [])}
    kept = _kept_departements(filters)
    written: set[str] = set()  # SIRENs of collectivités covering several départements, written once
    for i, region in enumerate(data.get("regions", []), start=1):
        if kept is not None and region["code"] not in {region_of.get(d) for d in kept}:
            yield Skip(str(files["regions"]), "territories", N_("outside the filter"))
            continue
        yield _territory(files["regions"], i, "region", region["code"], region["nom"], None, [])
        yield from _collectivite(files["regions"], i, "region", region, f"Région {region['nom']}", set())
    for i, dep in enumerate(data.get("departements", []), start=1):
        if kept is not None and dep["code"] not in kept:
            yield Skip(str(files["departements"]), "territories", N_("outside the filter"))
            continue
        yield _territory(files["departements"], i, "departement", dep["code"], dep["nom"], None,
                         [f"region:{dep['region']}"])
        yield from _collectivite(files["departements"], i, "departement", dep, f"Département : {dep['nom']}",
                                 written, kept)
    aliases = _aliases(communes, data)
    for stem in ("epci", "ept"):
        yield from _groupings(files.get(stem), data.get(stem, []), stem, communes, filters, aliases)
    for i, commune in enumerate(data.get("communes", []), start=1):
        yield from _commune(files["communes"], i, commune, groupings, filters, aliases)


def _aliases(communes: dict, data: dict) -> set[str]:
    """The name aliases that designate one collectivité only (see ``territorial``): a name two share names neither."""
    names = [commune_alias(c["departement"], c["nom"]) for c in communes.values() if c.get("siren")]
    names += [epci_alias(g["nom"]) for stem in ("epci", "ept") for g in data.get(stem, [])]
    counts = Counter(names)
    return {name for name, count in counts.items() if count == 1}


def _collectivite(path, index, level, record, name, written, kept=None):
    """The actor of a département or région: keyed by its SIREN when maillage knows it."""
    code = record["code"]
    known = collectivite_sirens().get((level, code))
    if known is None:
        yield _actor(path, index, f"{level}:{code}", name, record.get("chefLieu"), None, f"{level}:{code}")
        return
    if known["siren"] in written:
        return
    written.add(known["siren"])
    covers = [c for c in known["covers"].split(";") if kept is None or c in kept] if level == "departement" else [code]
    item = _actor(path, index, f"siren:{known['siren']}", known["name"] or name, record.get("chefLieu"),
                  known["siren"], f"{level}:{covers[0]}")
    item.row["operates_in"] = [f"{level}:{c}" for c in covers]
    item.row[level] = code
    yield item


def _kept_departements(filters) -> set | None:
    """The départements a filter touches (None: no filter)."""
    if not filters:
        return None
    kept = set(filters.departements or ())
    kept |= {c[:3] if c[:2] in ("97", "98") else c[:2] for c in filters.communes or ()}
    return kept


def _groupings(path, rows, level, communes, filters, aliases):
    for i, grouping in enumerate(rows, start=1):
        members = grouping.get("membres", [])
        if filters and not any(filters.keeps(m["code"]) for m in members):
            yield Skip(str(path), "territories", N_("outside the filter"))
            continue
        departements = {communes[m["code"]]["departement"] for m in members if m["code"] in communes}
        population = grouping.get("populationMunicipale") or sum(m.get("populationMunicipale") or 0 for m in members)
        yield _territory(path, i, level, grouping["code"], grouping["nom"], population or None,
                         [f"departement:{d}" for d in departements], epci_type=grouping.get("type"))
        seat = max(members, key=lambda m: (m.get("populationMunicipale") or 0, m["code"]), default=None)
        alias = epci_alias(grouping["nom"])
        yield _actor(path, i, f"siren:{grouping['code']}", grouping["nom"], seat and seat["code"], grouping["code"],
                     f"{level}:{grouping['code']}", alias if alias in aliases else None)


def _commune(path, index, commune, groupings, filters, aliases):
    kind = commune.get("type")
    if kind in _FORMER:
        yield Skip(str(path), "territories", _FORMER[kind])
        return
    code = commune["code"]
    if not filters.keeps(code if kind != "arrondissement-municipal" else commune.get("commune")):
        yield Skip(str(path), "territories", N_("outside the filter"))
        return
    if kind == "arrondissement-municipal":
        yield _territory(path, index, "commune", code, commune["nom"], commune.get("population"),
                         [f"commune:{commune['commune']}", f"departement:{commune['departement']}"],
                         arrondissement_of=commune["commune"])
        return
    parents = [f"departement:{commune['departement']}"] + groupings.get(code, [])
    yield _territory(path, index, "commune", code, commune["nom"], commune.get("population"), parents)
    if commune.get("siren"):
        alias = commune_alias(commune["departement"], commune["nom"])
        yield _actor(path, index, f"siren:{commune['siren']}", commune["nom"], code, commune["siren"], f"commune:{code}",
                     alias if alias in aliases else None)
