"""The interactive view's own words, in the run's language.

The page carries them in its data block (``texts``); its script only assembles them. Plural
texts are pairs (one, many); ``{name}``-style placeholders are filled by the page.
"""

from __future__ import annotations

from ..i18n import N_, _, current_language

__all__ = ["VIEW_TEXTS", "VIEW_PLURALS", "LEVEL_TEXTS", "view_texts", "level_names"]

VIEW_TEXTS = {
    "date": N_("Date"), "play": N_("▶ Play"), "pause": N_("⏸ Pause"), "all_dates": N_("all dates"),
    "search": N_("Search"), "search_placeholder": N_("Name of an actor…"), "neighbourhood": N_("Neighbourhood"),
    "hops": N_("{n} steps"), "focus_button": N_("Neighbourhood of the chosen actor"), "reset": N_("Show everything"),
    "legend": N_("Legend"), "go_to": N_("Go to"), "whole_territory": N_("The whole territory"), "theme": N_("Theme"),
    "all_themes": N_("All"), "chosen": N_("Chosen"), "click_hint": N_("Click an actor or a group."),
    "as_of": N_("as of {date}"), "every_date": N_("all dates"), "themes": N_("Themes: {list}"),
    "offers": N_("Offers: {list}"), "seeks": N_("Seeks: {list}"), "partnerships_list": N_("Partnerships ({count}): {list}"),
    "none": N_("none"), "no_open_need": N_("no open need"), "open_group": N_("Click to open this group."),
    "between_groups": N_("({count} between these groups)"), "neighbourhood_of": N_("neighbourhood of {name}"),
    "no_actor": N_("No actor « {name} »"), "choose_first": N_("Choose an actor first (click or search), then "
                                                             "« Neighbourhood »."),
    "proposed": N_("proposed rapprochement"), "counted": N_("{label}: {count}"),
    "drawing": N_("Drawing"), "mode_graph": N_("Network"), "mode_map": N_("Map"), "link": N_("Link to this view"),
    "copy_link": N_("Copy the link"), "link_copied": N_("Link copied: it reopens this view as it is."),
    "link_select": N_("The link is selected below: copy it (Ctrl+C)."),
    "size_means": N_("Size: {what}."), "colour_means": N_("Colour: the kind of actor (legend above)."),
    "outlined_means": N_("Outlined in black: the chosen or searched actor and the holders of open needs."),
    "new_means": N_("Thick green: ties begun in the year before the date; faded and dotted: ties ended by then."),
    "ended_means": N_("Dashed purple: proposed rapprochements (computed as of the view's first date: drawn from that date on)."),
    "map_means": N_("Map: communes shaded by open needs (none, 1, 2, 3 or more); thick lines are départements' "
                    "borders, grey ones intercommunalities'."),
    "map_source": N_("Outlines and town halls: {source}."),
    "white_means": N_("Red: a commune with a need no provider within reach could meet (a white zone)."),
}

VIEW_PLURALS = {
    "actors": (N_("actor"), N_("actors")), "groups": (N_("group"), N_("groups")),
    "partnerships": (N_("partnership"), N_("partnerships")), "open_needs": (N_("open need"), N_("open needs")),
    "proposals": (N_("proposal"), N_("proposals")),
    "proposed": (N_("proposed rapprochement"), N_("proposed rapprochements")),
    "hidden": (N_("weaker link hidden"), N_("weaker links hidden")),
    "initiative_links": (N_("initiative link"), N_("initiative links")),
    "outside": (N_("tie with an actor outside this drawing (↗)"), N_("ties with actors outside this drawing (↗)")),
    "places": (N_("commune"), N_("communes")), "ended": (N_("ended tie (faded)"), N_("ended ties (faded)")),
    "fresh": (N_("tie of the last year"), N_("ties of the last year")),
    "unplaced": (N_("actor without a known commune (not on the map)"), N_("actors without a known commune (not on the map)")),
}

LEVEL_TEXTS = {"region": N_("région"), "departement": N_("département"), "epci": N_("intercommunality (EPCI)"),
               "commune": N_("commune"), "community": N_("community"), "kind": N_("kind of actor"),
               "scope": N_("territory"), "unknown": N_("place unknown"), "gathered": N_("gathered")}


def level_names() -> dict[str, str]:
    return {key: _(text) for key, text in LEVEL_TEXTS.items()}


def view_texts() -> dict:
    """The page's words in the run's language, its language code and its number locale."""
    language = current_language()
    return {"texts": {key: _(text) for key, text in VIEW_TEXTS.items()},
            "plurals": {key: [_(one), _(many)] for key, (one, many) in VIEW_PLURALS.items()},
            "lang": language, "locale": "fr-FR" if language == "fr" else "en-GB"}
