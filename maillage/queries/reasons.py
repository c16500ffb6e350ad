"""Why an analysis proposes what it proposes: reasons as codes with values, said in words.

Each reason is a plain dict ``{"code": …, **values}`` whose values are language-free (vocabulary
codes, actor names, numbers); ``--json`` carries them as they are under ``why``. :func:`say`
words a reason for a practitioner in the run's language; :func:`explain` names the measure
behind it with its value, for ``--explain``.

Examples
--------
>>> from maillage.i18n import language
>>> reason = {"code": "cuts_off", "count": 12}
>>> with language("fr"):
...     say(reason)
'sans lui, 12 acteurs seraient coupés du reste'
>>> with language("en"):
...     explain(reason)
'cut point: removing it disconnects 12 actors (articulation point)'
"""

from __future__ import annotations

from ..i18n import _, join, ngettext, number, percent
from ..vocabulary import default_vocabulary

__all__ = ["say", "explain", "words", "label_list", "level_words", "providers_sentence"]

def label_list(name: str, codes) -> str:
    """Vocabulary codes as lower-case labels of the run's language, separated by « / » (labels hold
    commas and « et » themselves: « logiciel et outils numériques / compétences »)."""
    vocabulary = default_vocabulary()
    return " / ".join(vocabulary.label(name, code).lower() for code in codes)


def level_words(level: str) -> str:
    return {
        "commune": _("in the same commune"),
        "epci": _("in the same intercommunality (EPCI)"),
        "departement": _("in the same département"),
        "region": _("in the same région"),
        "national": _("works nationwide"),
    }[level]


def _names(names: list, total: int) -> str:
    shown = join(names)
    return shown + (" …" if total > len(names) else "")


def _marked(reason: dict) -> list[str]:
    """Introducers' names, those whose tie is illustrative or unsourced said so (never stated as fact)."""
    illustrative, unsourced = set(reason.get("illustrative") or ()), set(reason.get("unsourced") or ())
    return [name + (" (" + _("illustrative tie") + ")" if name in illustrative else
                    " (" + _("tie without a source") + ")" if name in unsourced else "") for name in reason["names"]]


def _role(role: str) -> str:
    return {"itinerant": _("itinerant"), "gatekeeper": _("gatekeeper"), "liaison": _("liaison"),
            "representative": _("representative"), "coordinator": _("coordinator")}[role]


def _roles(roles: dict) -> str:
    return ", ".join(f"{_role(role)} {count}" for role, count in roles.items())


def say(reason: dict) -> str:
    """One reason in plain words, in the run's language."""
    code, r = reason["code"], reason
    if code == "offers_sought":
        return _("offers {resources}, which {actor} seeks").format(
            resources=label_list("resource", r["resources"]), actor=r["actor"])
    if code == "seeks_offered":
        return _("seeks {resources}, which {actor} offers").format(
            resources=label_list("resource", r["resources"]), actor=r["actor"])
    if code == "same_themes":
        return _("both work on {themes}").format(themes=label_list("theme", r["themes"]))
    if code == "proximity":
        return level_words(r["level"])
    if code == "common_partners":
        return ngettext("{count} partner in common: {names}", "{count} partners in common: {names}",
                        r["count"]).format(count=r["count"], names=_names(_marked(r), r["count"]))
    if code == "active_partner":
        return ngettext("{actor} has {count} partner already", "{actor} has {count} partners already",
                        r["count"]).format(actor=r["actor"], count=number(r["count"]))
    if code == "other_sector":
        return _("from another sector ({kind})").format(kind=label_list("actor_kind", [r["kind"]]))
    if code == "within_reach":
        return _("{actor} is within reach").format(actor=r["actor"])
    if code == "offers_needed":
        return _("offers {resources}").format(resources=label_list("resource", r["resources"]))
    if code == "works_on":
        return _("works on {themes}").format(themes=label_list("theme", r["themes"]))
    if code == "already_partner":
        if r.get("holder"):
            return _("already works with {actor}, who holds the need").format(actor=r["actor"])
        return _("already works with {actor}, active on the need's themes").format(actor=r["actor"])
    if code == "chain":
        text = _("introduction in {steps} steps: {chain}").format(steps=r["steps"], chain=" → ".join(r["names"]))
        text += _(", who works with both") if r["steps"] == 2 else ""
        if r.get("illustrative"):
            return text + " (" + _("through an illustrative tie") + ")"
        return text + (" (" + _("through a tie without a source") + ")" if r.get("unsourced") else "")
    if code == "more_chains":
        return ngettext("and {count} other chain of {steps} steps", "and {count} other chains of {steps} steps",
                        r["count"]).format(count=r["count"], steps=r["steps"])
    if code == "no_path":
        return _("no chain of acquaintances within {steps} steps: an introduction must be built").format(
            steps=r["max_hops"])
    if code == "on_paths":
        return _("many links between other actors go through it ({share} of the shortest ones)").format(
            share=percent(r["betweenness"]))
    if code == "brokers_across":
        return ngettext("puts in touch, {count} time, actors of different sectors who do not work together",
                        "puts in touch, {count} times, actors of different sectors who do not work together",
                        r["count"]).format(count=r["count"])
    if code == "more_than_chance":
        return _("more often than chance would explain")
    if code == "cuts_off":
        return ngettext("without it, {count} actor would be cut off from the rest",
                        "without it, {count} actors would be cut off from the rest", r["count"]).format(
            count=r["count"])
    if code == "structural_holes":
        return _("links groups that do not work together (about {count} separate circles of partners)").format(
            count=number(r["effective_size"], 0))
    raise ValueError(_("unknown reason code {code!r}").format(code=code))


def explain(reason: dict) -> str:
    """One reason with the measure behind it and its value, for ``--explain``."""
    code, r = reason["code"], reason
    if code == "on_paths":
        return _("betweenness {value} (share of shortest paths between other actors through it, Brandes)").format(
            value=number(r["betweenness"], 3))
    if code == "brokers_across":
        return _("Gould–Fernandez brokerage across kinds: {count} ({roles})").format(
            count=r["count"], roles=_roles(r["roles"]))
    if code == "more_than_chance":
        return _("above chance as {roles} (permutation test of the kinds, Bonferroni-corrected)").format(
            roles=", ".join(f"{_role(role)} (p = {number(value, 3)})" for role, value in r["p"].items()))
    if code == "cuts_off":
        return ngettext("cut point: removing it disconnects {count} actor (articulation point)",
                        "cut point: removing it disconnects {count} actors (articulation point)",
                        r["count"]).format(count=r["count"])
    if code == "structural_holes":
        return _("Burt's constraint {constraint}, effective size {size}").format(
            constraint=number(r["constraint"], 3), size=number(r["effective_size"], 2))
    if code == "chain":
        return _("shortest path of {steps} ties: {chain}").format(steps=r["steps"], chain=" → ".join(r["names"]))
    if code == "common_partners":
        return _("common neighbours: {count}").format(count=r["count"])
    return say(reason)


def words(reasons: list[dict]) -> list[str]:
    """The reasons of one row in plain words."""
    return [say(reason) for reason in reasons]


def providers_sentence(need: dict) -> str:
    """What the scores of a need's proposals (a ``gaps`` need) mean, in one sentence."""
    count = need["providers"]
    if need.get("ranked_by") == "weights":
        return ngettext("{count} provider within reach, scored by fixed weights (no holder to pair it with).",
                        "{count} providers within reach, scored by fixed weights (no holder to pair them with).",
                        count).format(count=number(count))
    return ngettext("{count} provider within reach, ranked by the learned ranking.",
                    "{count} providers within reach, ranked by the learned ranking; a score is the share of the "
                    "other providers it outranks (1 = first).", count).format(count=number(count))
