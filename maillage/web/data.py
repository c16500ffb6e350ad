"""What the workbench reads and writes, through the library only (stores, analyses, load pipeline).

One :class:`Workbench` serves the application: it keeps the projection of the store in memory
while the store's state token is unchanged (a load elsewhere is seen on the next request), and
serialises its own writes (SQLite takes one writer at a time; readers are never blocked, WAL).
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

import networkx as nx

from ..errors import NotFoundError, StoreBusy
from ..graph import open_store
from ..graph.projection import Scope, project, today
from ..i18n import _, current_language, language
from ..identifiers import normalize_rna, normalize_siren, normalize_siret
from ..queries import allies, gaps, profile
from ..queries.allies import candidate_index
from ..queries.common import simple_graph
from ..queries.proposals import pair_context, ranker_for
from ..vocabulary import fold
from ..views.export import as_of, tie_counts
from .provenance import chain_ties, funding_history, place_name, tie_rows
from .followups import actor_follow_ups, need_stages, partnership_prefill, recent_follow_ups

__all__ = ["Workbench", "check_identifier"]


class Workbench:
    """The store behind the pages, its cached projection and its serialised writes."""

    def __init__(self, store_uri: str, write_wait: float = 3.0, workers: int = 0):
        self.store_uri, self.write_wait = store_uri, write_wait
        self.pending = None  # the PendingWrites that keep what a busy store could not take (set by the app)
        self._compute_lock = threading.Lock()
        self._pool = None
        if workers:
            from concurrent.futures import ProcessPoolExecutor
            from multiprocessing import get_context

            # spawned, not forked: this process runs threads; each worker projects the store itself
            self._pool = ProcessPoolExecutor(workers, mp_context=get_context("spawn"), initializer=_worker_start,
                                             initargs=(store_uri,))
        self.neo4j = "://" in store_uri
        self._write_lock, self._cache_lock = threading.Lock(), threading.Lock()
        self._cached: tuple[str, nx.MultiGraph, dict] | None = None
        self._pages: dict = {}  # (state token, page, key) → what a page shows: computed once per store state
        self._computing: set = set()
        self._shared = open_store(store_uri, read_only=True) if self.neo4j else None  # one driver for all

    def close(self) -> None:
        if self._pool is not None:
            # a worker may be minutes into an analysis: stop it now rather than let it finish
            processes = list((self._pool._processes or {}).values())
            self._pool.shutdown(wait=False, cancel_futures=True)
            for process in processes:
                process.terminate()
            for process in processes:
                process.join(5)
        if self._shared is not None:
            self._shared.close()

    def warm(self) -> None:
        """Project the store now (and in every worker), before the first visitor waits for it."""
        self._graphs()
        if self._pool is not None:
            for future in [self._pool.submit(_worker_warm) for _ in range(self._pool._max_workers)]:
                future.result()

    @contextmanager
    def reading(self):
        if self._shared is not None:
            yield self._shared
            return
        with open_store(self.store_uri, read_only=True) as store:
            yield store

    @contextmanager
    def writing(self):
        """The store for one write; a write waiting longer than ``write_wait`` s gives up clearly."""
        if not self._write_lock.acquire(timeout=self.write_wait):
            raise StoreBusy(_("another change is being saved; try again in a moment"))
        try:
            with open_store(self.store_uri, **({} if self.neo4j else {"timeout": self.write_wait})) as store:
                yield store
        finally:
            self._write_lock.release()

    # -- reading

    def graph(self) -> nx.MultiGraph:
        """Every tie ever recorded (dates shown on pages); analyses use :meth:`current`."""
        return self._graphs()[1]

    def current(self) -> nx.MultiGraph:
        """The ecosystem as of today, as the CLI's analyses see it."""
        return self._graphs()[2]["today"]

    def _graphs(self):
        """(store state token, all-time projection, {today's projection, folded names}), rebuilt when the store changes."""
        with self.reading() as store:
            token = store.state_token()
            with self._cache_lock:
                if self._cached is None or self._cached[0] != token:
                    graph = project(store, Scope.parse(None, None))
                    names = [(fold(data.get("name") or ""), node) for node, data in graph.nodes(data=True)]
                    words: dict[str, set] = {}
                    for name, node in names:
                        for word in set(name.split("_")):
                            words.setdefault(word, set()).add(node)
                    current = as_of(graph, today())
                    # built once here, under the lock: the analyses build them lazily, and twenty
                    # requests arriving together would otherwise each build their own
                    candidate_index(simple_graph(current))
                    if current.number_of_nodes():  # and what every proposal is ranked from
                        pair_context(current)
                        ranker_for(current)
                    self._cached = (token, graph, {"today": current, "names": names, "words": words})
                    self._pages.clear()
                return self._cached

    def journal(self, subject: str | None = None, action: str | None = None) -> list[dict]:
        with self.reading() as store:
            return store.journal(subject=subject, action=action)

    def accounts(self) -> dict[str, dict]:
        with self.reading() as store:
            return store.accounts()

    def shared_secret(self) -> str:
        with self.reading() as store:
            return store.shared_secret()

    def write_account(self, name: str, row: dict | None) -> None:
        with self.writing() as store:
            store.write_account(name, row)

    def history_of(self, by: str = "") -> dict:
        """Who recorded what: each person's count of changes and outcomes, and ``by``'s own entries."""
        journal = self.journal()
        people: dict[str, dict] = {}
        for entry in journal:
            if entry.get("by"):
                person = people.setdefault(entry["by"], {"name": entry["by"], "changes": 0, "outcomes": 0})
                person["outcomes" if entry["action"] == "outcome" else "changes"] += 1
        return {"by": by, "people": sorted(people.values(), key=lambda p: natural_key(p["name"])),
                "history": [entry for entry in journal if by and entry.get("by") == by]}

    def search(self, text: str, limit: int = 20) -> list[dict]:
        """Actors by name (accents, case and small typos forgiven), SIREN, SIRET, RNA or id."""
        from difflib import get_close_matches

        _token, graph, extra = self._graphs()
        wanted = fold(text or "")
        if not wanted:
            return []
        compact = "".join(text.split())
        exact = [n for n, d in graph.nodes(data=True)
                 if compact in (str(n), d.get("siren"), d.get("siret"), d.get("rna"), d.get("key"))
                 or (len(compact) == 14 and compact[:9] == d.get("siren"))]
        found = sorted(((name.index(wanted), len(name), str(node)), node) for name, node in extra["names"]
                       if wanted in name and node not in exact)
        ranked = exact + [node for _key, node in found]
        if len(ranked) < limit:  # typos: each word of the query read as the closest words of the names
            matched = None
            for word in [w for w in wanted.split("_") if w]:
                close = [word] if word in extra["words"] else get_close_matches(word, extra["words"], n=3, cutoff=0.7)
                nodes = set().union(*(extra["words"][w] for w in close)) if close else set()
                matched = nodes if matched is None else matched & nodes
            names = dict((node, name) for name, node in extra["names"])
            ranked += sorted((node for node in matched or () if node not in ranked),
                             key=lambda node: (len(names[node]), str(node)))
        return [self.summary(graph, node) for node in ranked[:limit]]

    def suggest_territories(self, text: str, level: str | None = None, limit: int = 12) -> list[dict]:
        """Territories whose name holds ``text`` (accents and case forgiven), names starting with it first."""
        wanted = fold(text or "")
        if len(wanted) < 2:
            return []
        names = self.graph().graph.get("territory_names", {})
        found = sorted((not fold(name).startswith(wanted), len(name), name, tid) for tid, name in names.items()
                       if wanted in fold(name) and (level is None or tid.startswith(level + ":")))
        return [{"id": tid, "name": name} for _first, _size, name, tid in found[:limit]]

    @staticmethod
    def summary(graph, node) -> dict:
        data = graph.nodes[node]
        names = graph.graph.get("territory_names", {})
        return {"id": node, "name": data.get("name"), "kind": data.get("kind"),
                "place": names.get(f"commune:{data.get('commune')}") or data.get("commune") or ""}

    def compute(self, page: str, key):
        """One analysis a page shows, computed now (in this process or in a pool worker)."""
        current = self.current()
        if page == "allies":
            return allies(current, key, top=8)
        if page == "need":
            return gaps(current, top=5, only={key})
        if page == "profile":
            return profile(current, top=5)
        return gaps(current, top=3)

    def _remembered(self, page: str, key, background: bool = False):
        """A page's analysis, once per store state and language; with ``background``, None until ready.

        Analyses run in the worker processes when there are some (so cached pages keep being
        served while they compute), else one at a time in this process.
        """
        token, chosen = self._graphs()[0], current_language()
        slot = (token, page, key, chosen)
        if slot in self._pages:
            return self._pages[slot]

        def run():
            if self._pool is not None:
                value = self._pool.submit(_worker_compute, page, key, chosen).result()
            else:
                with self._compute_lock, language(chosen):
                    value = self.compute(page, key)
            while len(self._pages) > 4096:  # bounded memory: the oldest answers go first
                self._pages.pop(next(iter(self._pages)))
            self._pages[slot] = value
            return value

        if not background:
            return run()
        with self._cache_lock:
            if slot not in self._computing:
                self._computing.add(slot)
                threading.Thread(target=run, daemon=True).start()
        return None

    def home(self, theme: str = "", state: str = "open", page: int = 1, place: str = "", holder: str = "") -> dict:
        """The profile summary (computed in the background beyond 5,000 actors), needs, white zones.

        Needs are filtered (``theme``; ``state`` open — the default, open needs with or without a
        provider in reach —, covered or all; ``place``, a territory; ``holder``, part of its name), ordered open first then by title with numbers as
        numbers (« Besoin 2 » before « Besoin 10 »), and cut in pages of ``NEEDS_PER_PAGE``.
        """
        current = self.current()
        empty = {"needs": [], "needs_total": 0, "pages": 1, "page": 1, "theme": theme, "state": state,
                 "themes": [], "places": [], "place": place, "holder": holder}
        if not current.number_of_nodes():
            return dict(empty, profile=None, white_zones=[], needs_by_theme={}, computing=False,
                        needs_pending=False, follow_ups=[])
        big = current.number_of_nodes() > 5_000
        summary = self._remembered("profile", None, background=big)
        found = self._remembered("gaps", None, background=big)
        listing = needs_page(found["needs"], theme, state, page, place, holder) if found else empty
        return dict(listing, profile=summary, follow_ups=recent_follow_ups(self.journal(action="outcome"), self.graph()),
                    white_zones=found["summary"]["white_zones"] if found else [],
                    needs_by_theme=found["summary"].get("needs_by_theme", {}) if found else {},
                    computing=summary is None or found is None, needs_pending=found is None,
                    counts={"actors": current.number_of_nodes(), "ties": tie_counts(current)["partnerships"]})

    def actor(self, actor_id: str) -> dict:
        graph = self.graph()
        if actor_id not in graph:
            raise NotFoundError(_("no actor {text!r} in this scope.{hint}").format(text=actor_id, hint=""))
        data = dict(graph.nodes[actor_id])
        with self.reading() as reader:  # amounts, descriptions, directions and provenance, as stored
            ties = tie_rows(reader, graph, actor_id)
            stored = reader.fetch_rows("actors", [actor_id]).get(actor_id) or {}
        needs = [n for n in graph.graph.get("needs", []) if n.get("holder") == actor_id]
        current = self.current()
        found = self._remembered("allies", actor_id) if actor_id in current else {"allies": []}
        journal = self.journal()
        history = [e for e in journal if e["subject"] == actor_id or actor_id in (e.get("data") or {}).get("actors", [])]
        follow_ups = actor_follow_ups(journal, graph, actor_id)
        approached = {row["provider"]: row for row in follow_ups if row["holder"] == actor_id}
        return {"id": actor_id, "data": data, "partnerships": ties, "needs": needs, "allies": found["allies"],
                "history": history, "follow_ups": follow_ups, "approached": approached,
                "place": place_name(graph, data.get("commune")), "funding": funding_history(ties),
                "origin": {"file": Path(stored["source_file"]).name if stored.get("source_file") else None,
                           "line": stored.get("source_line")}}

    def need(self, need_id: str) -> dict:
        found = self._remembered("need", need_id)
        need = next((n for n in found["needs"] if n["id"] == need_id), None)
        if need is None:
            stored = next((n for n in self.graph().graph.get("needs", []) if n["id"] == need_id), None)
            if stored is None:
                raise NotFoundError(_("no need {need!r} in this scope").format(need=need_id))
            graph = self.graph()
            holder = stored.get("holder")
            need = dict(stored, proposals=[], covered_by=[], providers=0,
                        holder_name=graph.nodes[holder].get("name") if holder in graph else None)
        # its own entries, and the changes that wrote it (a partnership saved with « this meets the need »)
        entries = [e for e in self.journal() if e["subject"] == need_id
                   or need_id in ((e.get("data") or {}).get("changes") or {}).get("needs", {})]
        recorded = need_stages(entries, need_id)
        graph = self.graph()
        with self.reading() as reader:  # the ties each introduction stands on, with where they come from
            chains = {p["provider"]: chain_ties(reader, graph, p.get("paths") or []) for p in need["proposals"]}
        return {"need": need, "chains": chains,
                "holder_place": place_name(graph, graph.nodes[need["holder"]].get("commune"))
                if need.get("holder") in graph else None, "outcomes": {provider: found[-1] for provider, found in recorded.items()},
                "stages": recorded, "history": entries}

    # -- writing

    def record_outcome(self, need_id: str, provider: str, status: str, date: str, by: str, note: str) -> dict:
        from ..model import parse_date
        from ..queries.outcomes import OUTCOME_STATUSES, outcome_label

        errors = {}
        page = self.need(need_id)
        proposal = next((p for p in page["need"]["proposals"] if p["provider"] == provider), None)
        if proposal is None:
            errors["provider"] = _("not one of this need's proposals")
        if status not in OUTCOME_STATUSES:
            errors["status"] = _("choose one of: {stages}").format(
                stages=", ".join(outcome_label(stage) for stage in OUTCOME_STATUSES))
        try:
            date = parse_date(date) if date else today()
        except ValueError as exc:
            errors["date"] = str(exc)
        if not (by or "").strip():
            errors["by"] = _("say who recorded it")
        if errors:
            return {"errors": errors}
        entry = {"id": _entry_id(), "subject": need_id, "action": "outcome", "at": _now(), "by": by.strip(),
                 "data": {"provider": provider, "provider_name": proposal["provider_name"],
                          "holder": page["need"].get("holder"), "status": status, "date": date,
                          "note": (note or "").strip(), "score": proposal["score"],
                          "introducers": [i["id"] for i in proposal["introducers"]],
                          "actors": [a for a in (page["need"].get("holder"), provider) if a]}}
        try:
            self.write_outcome(entry)
        except StoreBusy:
            if self.pending is None:
                raise
            self.pending.keep({"op": "outcome", "at": entry["at"], "entry": entry})
            return {"entry": entry, "pending": True}
        if status == "accepted":  # a partnership agreed: offer to record it, and the need as met
            return {"entry": entry, "partnership": partnership_prefill(page["need"], provider, date)}
        return {"entry": entry}

    def write_outcome(self, entry: dict) -> None:
        with self.writing() as store:
            store.append_journal([entry])


NEEDS_PER_PAGE = 25
_STATE_ORDER = {"no_provider": 0, "open": 1, "covered": 2}
NEED_STATES = {"open": ("open", "no_provider"), "covered": ("covered",), "all": ("open", "no_provider", "covered")}


def natural_key(text: str) -> tuple:
    """Order « Besoin 2 » before « Besoin 10 »: digits compare as numbers, letters folded."""
    import re

    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part)
                 for part in re.split(r"(\d+)", fold(text or "")) if part)


def needs_page(needs: list[dict], theme: str, state: str, page: int, place: str = "", holder: str = "") -> dict:
    """One page of the needs list, as :meth:`Workbench.home` describes it; ``place`` keeps the needs
    of one territory, ``holder`` those whose holder's name holds it (accents, case forgiven)."""
    themes = sorted({t for need in needs for t in need.get("themes") or []})
    places = sorted({need.get("territory") for need in needs if need.get("territory")}, key=natural_key)
    wanted = fold(holder or "")
    kept = [need for need in needs if need.get("status") in NEED_STATES.get(state, NEED_STATES["open"])
            and (not theme or theme in (need.get("themes") or []))
            and (not place or need.get("territory") == place)
            and (not wanted or wanted in fold(need.get("holder_name") or ""))]
    kept.sort(key=lambda need: (_STATE_ORDER.get(need.get("status"), 3), natural_key(need.get("title")),
                                need["id"]))
    pages = max(1, -(-len(kept) // NEEDS_PER_PAGE))
    page = min(max(1, page), pages)
    return {"needs": kept[(page - 1) * NEEDS_PER_PAGE:page * NEEDS_PER_PAGE], "needs_total": len(kept),
            "pages": pages, "page": page, "theme": theme, "state": state if state in NEED_STATES else "open",
            "themes": themes, "places": places, "place": place, "holder": holder}


_WORKER: "Workbench | None" = None


def _worker_start(store_uri: str) -> None:
    global _WORKER
    _WORKER = Workbench(store_uri)


def _worker_warm() -> int:
    return _WORKER.current().number_of_nodes()


def _worker_compute(page: str, key, chosen: str):
    with language(chosen):
        return _WORKER.compute(page, key)


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _entry_id() -> str:
    import secrets

    return f"{_now()}-{secrets.token_hex(4)}"


def check_identifier(text: str) -> str | None:
    """Why a SIREN/SIRET/RNA typed in a form is wrong (None when it is right or not one)."""
    compact = "".join((text or "").split())
    try:
        if compact.isdigit() and len(compact) == 14:
            normalize_siret(compact)
        elif compact.isdigit() and len(compact) == 9:
            normalize_siren(compact)
        elif compact[:1].upper() == "W" and len(compact) == 10:
            normalize_rna(compact)
        elif compact.isdigit() and len(compact) in (13, 15, 8, 10):
            raise ValueError(_("{written!r} is not a SIREN (9 digits) or a SIRET (14 digits)").format(written=text))
    except ValueError as exc:
        return str(exc)
    return None

