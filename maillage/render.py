"""The analyses' results as lines of text for people, in the run's language.

The CLI prints these lines; ``--json`` prints the results themselves. Human text names
actors (never their ids), gives vocabulary labels (never codes) and writes numbers the
language's way. With ``explain``, each reason is followed by the measure behind it.
"""

from __future__ import annotations

from .i18n import _, date_text, join, ngettext, number, percent
from .queries.reasons import explain as explain_reason
from .queries.reasons import label_list, providers_sentence
from .vocabulary import default_vocabulary
from .render_backtest import evaluate_lines

__all__ = ["scope_line", "gaps_lines", "bridges_lines", "allies_lines", "profile_lines", "stats_lines",
           "evaluate_lines", "export_lines", "reason_lines", "counts_by"]

def _label(name: str, code) -> str:
    return default_vocabulary().label(name, code) if code is not None else "—"


def counts_by(vocabulary: str | None, counts: dict) -> str:
    """``{code: n}`` as « Association 4, Entreprise 6 » (labels when the codes are a vocabulary's)."""
    if not counts:
        return "—"
    if vocabulary is None:
        return ", ".join(f"{key} {number(value)}" for key, value in counts.items())
    return ", ".join(f"{_label(vocabulary, key)} {number(value)}" for key, value in counts.items())


def scope_line(territory, at) -> str:
    """The first line of an analysis: where and when, the date written one way whatever way it was given."""
    from .model import parse_date

    try:
        at = parse_date(at) if at else at
    except ValueError:
        pass  # the projection refuses it with its own message
    where = _("territory {territory}").format(territory=territory) if territory else _("the whole store")
    when = (_("as of {date}: partnerships active that day, needs raised by then (--all-time for everything ever "
              "recorded)").format(date=date_text(at)) if at else _("all time: every partnership and need ever recorded"))
    return _("Scope: {where}, {when}.").format(where=where, when=when) + "\n"


def reason_lines(row: dict, indent: str, explain: bool) -> list[str]:
    """A row's reasons, one per line; with ``explain``, each followed by its measure."""
    lines = []
    for text, why in zip(row["reasons"], row.get("why") or [None] * len(row["reasons"])):
        lines.append(f"{indent}– {text}")
        technical = explain_reason(why) if (explain and why) else None
        if technical and technical != text:
            lines.append(f"{indent}  [{technical}]")
    return lines


def _status(need: dict) -> str:
    return {"open": _("open"), "covered": _("covered"), "no_provider": _("no provider in reach")}[need["status"]]


OPEN_ONLY_PAST = 20  # needs shown: past this many, covered ones are left out unless --all


def gaps_lines(result: dict, explain: bool = False, open_only: bool | None = None) -> list[str]:
    """The needs and their proposals; covered needs left out when ``open_only`` (by default past
    :data:`OPEN_ONLY_PAST` needs), and said; long lists of names cut to ten, with the count."""
    needs = result["needs"]
    if open_only is None:
        open_only = len(needs) > OPEN_ONLY_PAST
    shown = [need for need in needs if not open_only or need["status"] != "covered"]
    lines = [_ranking_line(result)] if explain and result.get("ranker") else []
    for need in shown:
        lines += ([""] if lines else []) + _need_lines(need, explain)
    if len(shown) < len(needs):
        hidden = len(needs) - len(shown)
        lines += ["", ngettext("{count} covered need not shown (--all shows it).",
                               "{count} covered needs not shown (--all shows them).", hidden).format(count=number(hidden))]
    summary = result["summary"]
    lines.append("")
    lines.append(_("White zones (themes with needs and no provider working on them): {themes}").format(
        themes=label_list("theme", summary["white_zones"]) or _("none")))
    isolated = summary.get("isolated_actor_names", [])
    if len(isolated) > 10:
        names = _("{names} and {count} more").format(names=", ".join(isolated[:10]), count=number(len(isolated) - 10))
        lines.append(_("Actors without any partnership ({count}): {names}").format(count=number(len(isolated)),
                                                                                  names=names))
    else:
        lines.append(_("Actors without any partnership: {names}").format(names=join(isolated) or _("none")))
    return lines


def _ranking_line(result: dict) -> str:
    """Which ranking ranked the providers (``--explain``)."""
    which = (_("the model shipped with maillage") if result["ranker"].get("source") == "default"
             else _("the model given with --model"))
    return _("Providers of a need with a holder are ranked by the learned ranking ({which}), the score being the "
             "share of the need's other providers each one outranks; those of a need without a holder by fixed "
             "weights.").format(which=which)


def _need_lines(need: dict, explain: bool) -> list[str]:
    head = _("■ {title} [{id}]: {status}").format(title=need["title"], id=need["id"], status=_status(need))
    if need["holder_name"]:
        head += " — " + _("raised by {actor}").format(actor=need["holder_name"])
    if need.get("priority_areas"):
        head += " " + _("(in a commune with a priority neighbourhood)")
    lines = [head]
    lines += ["    " + _("already met by {actor}").format(actor=c["name"]) for c in need["covered_by"]]
    if need["proposals"]:
        lines.append("    " + providers_sentence(need))
    for rank, proposal in enumerate(need["proposals"], start=1):
        lines.append(_("  {rank}. {actor} (score {score})").format(
            rank=rank, actor=proposal["provider_name"], score=number(proposal["score"], 2)))
        lines += reason_lines(proposal, "     ", explain)
        lines += _contribution_lines(proposal, "     ", explain)
    return lines


def _table(rows: list[list[str]], headers: list[str]) -> list[str]:
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(headers)]
    out = ["  ".join(h.ljust(w) for h, w in zip(headers, widths)).rstrip()]
    out += ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows]
    return out


def _cut(text) -> str:
    text = "" if text is None else str(text)
    return text if len(text) <= 48 else text[:47] + "…"


def bridges_lines(result: dict, explain: bool = False) -> list[str]:
    lines = [_("{actors} actors, {ties} pairs of actors tied (by a partnership or a shared initiative).").format(
        actors=number(result["actors"]), ties=number(result["ties"]))]
    if explain:
        lines.append(_("Betweenness: {note}").format(note=result["betweenness"]["note"]))
    ranking = result["betweenness"].get("ranking")
    if ranking and result["betweenness"]["method"] == "sampled" and ranking["top"] > 1:
        lines.append(_("Ranking by betweenness: with probability {confidence}, {sure} of the {top} actors of highest "
                       "betweenness certainly belong there and {ordered} of the {pairs} pairs of neighbours in that "
                       "ranking are certainly in that order; the rest lie within the estimate's error.").format(
            top=number(ranking["top"]), sure=number(ranking["certainly_in_top"]),
            ordered=number(ranking["pairs_in_order"]), pairs=number(ranking["pairs"]),
            confidence=percent(ranking["confidence"], 0)))
    lines.append("")
    rows = result["ranking"]
    if explain:
        sampled = result["betweenness"]["method"] == "sampled"
        headers = [_("actor"), _("kind"), _("score"), _("betweenness")]
        if sampled:
            headers.append(_("{confidence} interval").format(confidence=percent(result["betweenness"]["confidence"], 0)))
        headers += [_("constraint"), _("eff. size"), _("cuts off")]
        table = []
        for row in rows:
            cells = [_cut(row["name"]), _label("actor_kind", row["kind"]), number(row["score"], 3),
                     number(row["betweenness"], 3)]
            if sampled:
                low, high = row["betweenness_interval"]
                cells.append(f"[{number(low, 3)} ; {number(high, 3)}]")
            cells += ["—" if row["constraint"] is None else number(row["constraint"], 3),
                      number(row["effective_size"] or 0, 2), number(row["cuts_off"])]
            table.append(cells)
        lines += _table(table, headers) + [""]
    for rank, row in enumerate(rows, start=1):
        lines.append(_("{rank}. {actor} ({kind})").format(rank=rank, actor=row["name"],
                                                          kind=_label("actor_kind", row["kind"]).lower()))
        lines += reason_lines(row, "   ", explain) or ["   – " + _("no brokerage")]
    if result["articulation_points"]:
        lines += ["", _("Cut points (actors whose departure would split the network):")]
        for row in result["articulation_points"]:
            lines.append("  " + ngettext("{actor}: {count} actor would be cut off ({pieces} pieces)",
                                         "{actor}: {count} actors would be cut off ({pieces} pieces)",
                                         row["cuts_off"]).format(actor=row["name"], count=row["cuts_off"],
                                                                 pieces=row["pieces"]))
    return lines


def allies_lines(result: dict, explain: bool = False) -> list[str]:
    lines = [_("Potential allies of {actor} ({count} candidates scored)").format(
        actor=result["actor"]["name"], count=number(result["candidates"])), ""]
    for rank, row in enumerate(result["allies"], start=1):
        head = _("{rank}. {actor} ({kind}), score {score}").format(
            rank=rank, actor=row["name"], kind=_label("actor_kind", row["kind"]).lower(),
            score=number(row["score"], 2))
        introducers = [i["name"] for i in row["introducers"][:3]]
        if introducers:
            head += " — " + _("introduced by {names}").format(names=join(introducers))
        lines.append(head)
        lines += reason_lines(row, "   ", explain)
        lines += _contribution_lines(row, "   ", explain)
    return lines


def _contribution_lines(row: dict, indent: str, explain: bool) -> list[str]:
    """With ``explain``, the learned ranking's contributions to a proposal's score, largest first."""
    if not (explain and row.get("contributions")):
        return []
    return [indent + _("contributions to the score: {parts}").format(parts=", ".join(
        f"{_part(part)} {'+' if value >= 0 else ''}{number(value, 3)}" for part, value in sorted(
            row["contributions"].items(), key=lambda item: (-abs(item[1]), item[0]))))]


def _part(part: str) -> str:
    return {"complementarity": _("complementarity"), "themes": _("themes"), "territory": _("territory"),
            "network": _("network"), "activity": _("activity"), "kinds": _("kinds"),
            "history": _("history")}[part]


def profile_lines(result: dict, explain: bool = False) -> list[str]:
    parts, found = result["components"], result["communities"]
    lines = [
        _("{count} actors: {kinds}").format(count=number(result["actors"]),
                                            kinds=counts_by("actor_kind", result["actors_by_kind"])),
        _("{count} partnerships: {kinds}").format(count=number(result["partnerships"]),
                                                  kinds=counts_by("partnership_kind", result["partnerships_by_kind"])),
        ngettext("and {count} tie between members of the same initiative (the analyses count it as a tie)",
                 "and {count} ties between members of the same initiative (the analyses count them as ties)",
                 result.get("co_membership_ties", 0)).format(count=number(result.get("co_membership_ties", 0))),
        _("by year begun: {years}").format(years=", ".join(
            f"{_('undated') if year == 'undated' else year} {number(n)}"
            for year, n in result["partnerships_by_year"].items()) or "—"),
        ngettext("{count} group of actors linked together (the largest has {largest}), {isolated} without any "
                 "partnership", "{count} separate groups of actors (the largest has {largest}), {isolated} without "
                 "any partnership", parts["count"]).format(count=number(parts["count"]), largest=number(parts["largest"]),
                                                           isolated=number(parts["isolated_actors"])),
    ]
    if explain:
        lines.append(_("density {density}; modularity {modularity} ({method})").format(
            density=number(result["density"], 4), modularity=number(found["modularity"], 3), method=found["method"]))
    lines += ["", _("{count} communities of actors who work together, the largest:").format(count=found["count"])]
    for row in found["largest"]:
        lines.append("  " + _("{size} actors around {hubs} ({themes})").format(
            size=number(row["size"]), hubs=join(h["name"] for h in row["hubs"]),
            themes=label_list("theme", row["themes"]) or "—"))
    lines += ["", _("Who holds the ecosystem together:")]
    for row in result["top_brokers"]:
        lines.append(f"  {row['name']}")
        lines += reason_lines({"reasons": row["reasons"][:2], "why": (row.get("why") or [])[:2]}, "    ", explain)
    lines += ["", _("Open needs: {count}").format(count=len(result["open_needs"]))]
    lines += [f"  {need['title']} [{need['id']}]" for need in result["open_needs"]]
    return lines


def stats_lines(counts: dict) -> list[str]:
    vocabularies = {"actors_by_kind": "actor_kind", "partnerships_by_kind": "partnership_kind"}
    titles = {
        "territories": _("territories"), "territories_by_level": _("territories by level"),
        "actors": _("actors"), "actors_by_kind": _("actors by kind"), "actor_keys": _("actor identifiers"),
        "partnerships": _("partnerships recorded (every date)"), "partnerships_by_kind": _("partnerships by kind"),
        "initiatives": _("initiatives"), "initiative_members": _("initiative members"), "needs": _("needs"),
        "needs_by_status": _("needs by recorded status (gaps tells the open ones already met by a partner)"),
    }
    levels = {"commune": _("commune"), "departement": _("département"), "region": _("région"),
              "epci": _("intercommunality (EPCI)"), "ept": _("territory (EPT)"), "arrondissement": _("arrondissement")}
    statuses = {"open": _("open"), "met": _("met"), "closed": _("closed"), "covered": _("covered")}
    lines = []
    for key, value in counts.items():
        title = titles.get(key, key)
        if isinstance(value, dict):
            if key in vocabularies:
                text = counts_by(vocabularies[key], value)
            else:
                names = levels if key == "territories_by_level" else statuses
                text = ", ".join(f"{names.get(k, k)} {number(v)}" for k, v in value.items()) or "—"
        else:
            text = number(value)
        lines.append(_("{title}: {value}").format(title=title, value=text))
    return lines


def export_lines(result: dict) -> list[str]:
    lines = [_("wrote {path}").format(path=path) for path in result.get("paths", [result["path"]])]
    parts = [_("{actors} actors, {ties} partnerships over all dates").format(
        actors=number(result["nodes"]), ties=number(result.get("partnerships", result["edges"])))]
    if result.get("co_membership"):
        parts.append(ngettext("{count} tie between members of the same initiative",
                              "{count} ties between members of the same initiative",
                              result["co_membership"]).format(count=number(result["co_membership"])))
    if result["proposals"]:
        parts.append(_("{count} proposals").format(count=number(result["proposals"])))
    if result.get("groups"):
        parts.append(_("{count} groups").format(count=number(result["groups"])))
    text = ", ".join(parts)
    if result.get("bytes"):
        text += "; " + _("{size} MiB").format(size=number(result["bytes"] / 2 ** 20, 1))
    lines.append(text)
    if result["notice"]:
        lines.append(result["notice"])
    return lines
