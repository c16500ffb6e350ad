"""``maillage report``: a territory's printable document for a partners' meeting.

HTML with print CSS, one self-contained file: any browser opens it from disk and prints it to
paper or PDF, and it needs no dependency a PDF library would add for the same result. The map
and the charts are inline SVG drawn here (no script); every figure says what it counts and as of
which date, in the run's language.
"""

from __future__ import annotations

import html
from pathlib import Path

from ..i18n import _, date_text, ngettext, number
from ..vocabulary import default_vocabulary
from .geo import map_layer
from .output import atomic_output
from .texts import level_names

__all__ = ["write_report"]

MAP_WIDTH = 640
SHADES = {"none": "#f2f1ec", "in_reach": "#fdae6b", "white": "#d7301f"}


def _e(text) -> str:
    return html.escape(str(text), quote=True)


def _bars(rows: list[tuple[str, float]], unit: str = "") -> str:
    """A horizontal bar chart, one row per (label, value), values written at the bar's end."""
    if not rows:
        return f"<p>{_e(_('none'))}</p>"
    top, height, width = max(value for _label, value in rows) or 1, 20, 560
    parts = [f'<svg class="bars" viewBox="0 0 {width} {height * len(rows)}" width="{width}" '
             f'height="{height * len(rows)}" role="img">']
    for k, (label, value) in enumerate(rows):
        y, bar = k * height, 300 * value / top
        parts.append(f'<text x="0" y="{y + 14}" font-size="12">{_e(label)}</text>'
                     f'<rect x="200" y="{y + 3}" width="{bar:.1f}" height="{height - 6}" fill="#3a6ea5"/>'
                     f'<text x="{206 + bar:.1f}" y="{y + 14}" font-size="12">{_e(number(value))}{unit}</text>')
    return "".join(parts) + "</svg>"


def _map(report: dict) -> str:
    """The territory's communes shaded by their open needs, with EPCI and département borders."""
    layer = map_layer(report["actor_communes"])
    if layer is None:
        return f"<p>{_e(_('No actor of this territory sits in a commune the shipped outlines know.'))}</p>"
    places, needs = layer["communes"], report["needs"]["by_commune"]
    xs = [v for rings in places["rings"] for ring in rings for v in ring[0::2]] or places["x"]
    ys = [v for rings in places["rings"] for ring in rings for v in ring[1::2]] or places["y"]
    x0, y0, span = min(xs), min(ys), max(max(xs) - min(xs), max(ys) - min(ys)) or 1
    scale = MAP_WIDTH / span
    point = lambda x, y: f"{(x - x0) * scale:.1f},{(y - y0) * scale:.1f}"  # noqa: E731
    height = (max(ys) - y0) * scale
    parts = [f'<svg class="map" viewBox="0 0 {MAP_WIDTH} {height:.0f}" width="{MAP_WIDTH}" height="{height:.0f}" '
             f'role="img" aria-label="{_e(_("Map of the open needs by commune"))}">']
    for code, name, rings in zip(places["code"], places["name"], places["rings"]):
        found = needs.get(code)
        shade = SHADES["white"] if found and found["white"] else SHADES["in_reach"] if found else SHADES["none"]
        path = " ".join("M" + " L".join(point(ring[k], ring[k + 1]) for k in range(0, len(ring), 2)) + " Z"
                        for ring in rings)
        title = name + (f" — {number(found['open'])}" if found else "")
        parts.append(f'<path d="{path}" fill="{shade}" stroke="#cfcfc8" stroke-width="0.4"><title>{_e(title)}</title></path>')
    for kind, colour, width in (("epci", "#8c8c8c", 0.8), ("departement", "#222222", 1.8), ("outer", "#444444", 1.2)):
        line = layer["borders"].get(kind, [])
        segments = " ".join(f"M{point(line[k], line[k + 1])} L{point(line[k + 2], line[k + 3])}"
                            for k in range(0, len(line), 4))
        if segments:
            parts.append(f'<path d="{segments}" fill="none" stroke="{colour}" stroke-width="{width}"/>')
    return "".join(parts) + "</svg>"


def _figure(title: str, counts: str, body: str) -> str:
    return (f'<section class="figure"><h2>{_e(title)}</h2><p class="counts">{_e(counts)}</p>{body}</section>')


def write_report(report: dict, path: str | Path, place: str) -> dict:
    """Write the report of ``report`` (:func:`maillage.queries.report.territory_report`) to ``path``."""
    vocabulary = default_vocabulary()
    when = date_text(report["scope"].get("at")) if report["scope"].get("at") else _("every date recorded")
    as_of = _("as of {date}").format(date=when) if report["scope"].get("at") else when
    needs = report["needs"]
    kinds = sorted(report["actors_by_kind"].items(), key=lambda kv: (-kv[1], kv[0]))
    ties = sorted(report["partnerships_by_kind"].items(), key=lambda kv: (-kv[1], kv[0]))
    years = sorted(report["partnerships_by_year"].items(), key=lambda kv: (kv[0] == "undated", kv[0]))
    sections = [
        _figure(_("Open needs by commune"), ngettext(
            "{count} open need {as_of}: {covered} met by a partner already, {in_reach} with a provider within reach "
            "({reach}), {white} with none (white zones).",
            "{count} open needs {as_of}: {covered} met by a partner already, {in_reach} with a provider within reach "
            "({reach}), {white} with none (white zones).", needs["open"]).format(
            count=number(needs["open"]), as_of=as_of, covered=number(needs["covered"]),
            in_reach=number(needs["in_reach"]), reach=level_names().get(report["reach"], report["reach"]),
            white=number(needs["white"])),
            _map(report) + f'<p class="key"><span class="swatch white"></span>{_e(_("a need without a provider within reach"))}'
            f' <span class="swatch reach"></span>{_e(_("open needs, a provider within reach"))}'
            f' <span class="swatch none"></span>{_e(_("no open need"))}</p>'),
        _figure(_("Actors by kind"), ngettext("{count} actor {as_of}.", "{count} actors {as_of}.", report["actors"]).format(
            count=number(report["actors"]), as_of=as_of),
                _bars([(vocabulary.label("actor_kind", k), v) for k, v in kinds])),
        _figure(_("Partnerships by kind"), ngettext(
            "{count} partnership active {as_of} (and {co} ties between members of one initiative, not counted).",
            "{count} partnerships active {as_of} (and {co} ties between members of one initiative, not counted).",
            report["partnerships"]).format(
            count=number(report["partnerships"]), as_of=as_of, co=number(report["co_membership_ties"])),
            _bars([(vocabulary.label("partnership_kind", k), v) for k, v in ties])),
        _figure(_("Partnerships by the year they began"), _("The same partnerships, by start year; « undated » when "
                                                            "the source gives no date."),
                _bars([(_("undated") if year == "undated" else year, v) for year, v in years])),
        _figure(_("Themes of open needs no provider within reach works on (white zones)"), as_of,
                f"<p>{_e(', '.join(vocabulary.label('theme', t) for t in needs['white_themes']) or _('none'))}</p>"),
        _figure(_("The actors who hold the territory together"), _("The brokers, best first, with what they link {as_of}.")
                .format(as_of=as_of), "<ol>" + "".join(
                    f"<li><strong>{_e(row['name'])}</strong> ({_e(vocabulary.label('actor_kind', row['kind']))})"
                    f"<ul>{''.join(f'<li>{_e(reason)}</li>' for reason in row['reasons'])}</ul></li>"
                    for row in report["brokers"]) + "</ol>"),
        _figure(_("Circles of partners"), _("Communities of actors who work together (Louvain), the largest first, "
                                            "named by their hubs and themes."), "<ul>" + "".join(
                    f"<li>{_e(_('{count} actors around {hubs}; themes: {themes}').format(count=number(row['size']), hubs=', '.join(h['name'] for h in row['hubs'][:3]), themes=', '.join(vocabulary.label('theme', t) for t in row['themes'][:3]) or '—'))}</li>"
                    for row in report["communities"]) + "</ul>"),
    ]
    title = _("{place}: the ecosystem of partnerships").format(place=place)
    page = (f'<!DOCTYPE html><html lang="{_e(_current())}"><head><meta charset="utf-8"><title>{_e(title)}</title>'
            f'<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; style-src \'unsafe-inline\'">'
            f"<style>{STYLE}</style></head><body><header><h1>{_e(title)}</h1>"
            f'<p class="counts">{_e(_("Prepared with maillage from the store {as_of}.").format(as_of=as_of))}</p></header>'
            + "".join(sections) + "</body></html>")
    with atomic_output(path) as handle:
        handle.write(page)
    return {"path": str(path), "format": "html", "bytes": len(page.encode("utf-8")), "figures": len(sections)}


def _current() -> str:
    from ..i18n import current_language

    return current_language()


STYLE = """
body { font: 11pt/1.45 "DejaVu Sans", Arial, sans-serif; color: #222; max-width: 46em; margin: 1.5em auto; padding: 0 1em; }
h1 { font-size: 18pt; margin-bottom: .2em; } h2 { font-size: 13pt; margin: 1.2em 0 .2em; }
.counts { color: #555; margin-top: 0; } svg { display: block; max-width: 100%; height: auto; }
.key .swatch { display: inline-block; width: 1em; height: .8em; border: 1px solid #999; margin: 0 .3em 0 .8em; }
.swatch.white { background: #d7301f; } .swatch.reach { background: #fdae6b; } .swatch.none { background: #f2f1ec; }
section.figure { break-inside: avoid; }
@page { size: A4; margin: 16mm 14mm; }
@media print { body { margin: 0; max-width: none; } }
"""
