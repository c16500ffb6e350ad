"""What a load did to the store, counted from the store itself: created, updated, unchanged, duplicates.

Every entity a load touches is read from the session twice, before its first write and once
all rows are in (:meth:`~maillage.graph.store.LoadSession.fetch`), so the report's counts are
what the store gained, not what the rows promised:

- ``created``: entities that did not exist and do now;
- ``updated``: entities that existed and whose content changed;
- ``unchanged``: entities that existed, were given again, and are as they were;
- ``duplicates``: rows that repeat exactly the latest row of the same entity in this load
  (not written again);
- ``merged``: rows that give an entity already given earlier in this load, with other values
  (the later non-empty values win; each changed value is listed under ``conflicts``).

Each entity is counted once, in the file of its first row.
"""

from __future__ import annotations

import json
from collections import OrderedDict

from ..graph.store import LoadSession, content_of
from ..identifiers import names_differ
from .fast import FastActor, FastPartnership
from .ledger import PENDING, Ledger
from .opendata.common import Conflict

__all__ = ["Accounting", "COUNTED", "flags_of"]

COUNTED = ("created", "updated", "unchanged", "duplicates", "merged")
RECENT_ROWS = 20_000
_PROVENANCE = ("source_file", "source_line")


# extra fields whose presence is a flag of the same name (see the README's flag table)
_FLAG_FIELDS = ("kind_guessed", "themes_unmapped", "name_folded", "decimal_comma", "amount_implausible",
                "date_implausible", "mojibake", "name_from_id", "co_holders", "kind_replaced", "kind_unknown",
                "joined_by_name")


def flags_of(row: dict) -> list[str]:
    """The flags a written row carries in ``extra`` (how its identity, kind or themes were read)."""
    extra = row.get("extra") or {}
    flags = [extra["identity"]] if extra.get("identity") else []
    flags += [name for name in _FLAG_FIELDS if extra.get(name)]
    if extra.get("start_from"):
        flags.append("start_from_payment")
    if extra.get("unread"):
        flags.append("field_unread")  # a date, period or amount published as text: left empty, kept as written
    if extra.get("excel_date"):
        flags.append("excel_date")
    return flags


def _digest(value) -> int:
    """A short fingerprint of a row's content, compared only within one load (one process)."""
    return hash(_CANONICAL.encode(value))


_CANONICAL = json.JSONEncoder(sort_keys=True, ensure_ascii=False, default=str)  # json.dumps's, made once


class Accounting:
    """Tracks one load's entities; :meth:`admit` before each write, :meth:`settle` before commit."""

    def __init__(self, session: LoadSession):
        self.session = session
        # kind → id → [digest before the load (None: absent), latest row digest, its flags, file
        # report], in memory and past a few hundred thousand entities in a scratch file (ledger.py)
        self.ledger = Ledger()
        # the latest rows themselves, for the conflicts of a later row of the same entity: the most
        # recent ones only (rows of one entity mostly come close together); an entity evicted
        # from here is compared with what the load has written of it so far
        self.recent: OrderedDict = OrderedDict()
        self.conflicts: list[Conflict] = []

    def admit(self, kind: str, rows: list[dict], file_report) -> list[dict]:
        """Classify rows about to be written; return those to write (exact repeats are dropped)."""
        seen = self.ledger.lookup(kind, [row["id"] for row in rows])
        fresh = [row["id"] for row in rows if row["id"] not in seen]
        before = self.session.fetch(kind, fresh) if fresh else {}
        kept, changed = [], {}
        for row in rows:
            given = {k: v for k, v in row.items() if k not in _PROVENANCE}
            digest = _digest(given)
            entry = seen.get(row["id"])
            if entry is not None and entry[1] is PENDING:
                entry = seen[row["id"]] = [entry[0], self._written_digest(kind, row["id"]), entry[2], entry[3]]
            if entry is None:
                stored = before.get(row["id"])
                seen[row["id"]] = changed[row["id"]] = [_digest(content_of(kind, stored)) if stored else None,
                                                        digest, tuple(flags_of(row)), file_report]
                if stored and kind == "actors":
                    self._name_conflict(row, stored)
                kept.append(row)
            elif entry[1] == digest:
                file_report.duplicates += 1
                continue
            else:
                file_report.merged += 1
                self._value_conflicts(kind, self._earlier(kind, row["id"]), row)
                entry[1], entry[2] = digest, tuple(flags_of(row))
                changed[row["id"]] = entry
                kept.append(row)
            self._remember(kind, row)
        self.ledger.put(kind, changed)
        return kept

    def admit_new(self, kind: str, ids: list[str], file_report) -> None:
        """Count entities the columnar path writes: new to the store and to this load, plain, no flags.

        They share one entry (their row digest is worked out only if a later row repeats one).
        """
        entry = (None, PENDING, (), file_report)
        self.ledger.put(kind, dict.fromkeys(ids, entry), shared=True)

    def known(self, kind: str, ids) -> set[str]:
        """Which of ``ids`` this load has already given."""
        return set(self.ledger.lookup(kind, ids))

    def touched(self) -> dict[str, list[str]]:
        """kind → the ids this load wrote, sorted."""
        return {kind: sorted(self.ledger.ids(kind)) for kind in self.ledger.kinds()}

    def close(self) -> None:
        self.ledger.close()

    def _written_digest(self, kind: str, id_: str) -> int:
        """The digest :meth:`admit` would have kept for a plain row the columnar path wrote.

        Rebuilt as the row path builds it (the record's fields, its id and keys) from what the
        session holds, which is what was written: the entity was new and nothing else touched it.
        """
        stored = self.session.fetch(kind, [id_])[id_]
        if kind == "actors":  # a row of an actors file (its key is its id) or a legal unit (SIRENE)
            record = FastActor(stored["key"], stored["name"], stored["kind"], stored["commune"], stored["themes"],
                               stored["offers"], stored["seeks"], stored["website"], stored["siren"],
                               stored["siret"], stored["rna"], stored["extra"])
            return _digest(dict(record.model_dump(), id=id_, keys=sorted(set(record.keys) | {id_})))
        record = FastPartnership(id_, stored["source"], stored["target"], stored["kind"], stored["start"],
                                 stored["end"], stored["themes"], stored["amount"], stored["description"])
        return _digest(record.model_dump())

    def _remember(self, kind: str, row: dict) -> None:
        self.recent[(kind, row["id"])] = row
        self.recent.move_to_end((kind, row["id"]))
        if len(self.recent) > RECENT_ROWS:
            self.recent.popitem(last=False)

    def _earlier(self, kind: str, id_: str) -> dict:
        earlier = self.recent.get((kind, id_))
        if earlier is None:  # long gone from memory: what this load has made of it so far
            earlier = self.session.fetch(kind, [id_]).get(id_) or {}
        return earlier

    def _name_conflict(self, row: dict, stored: dict) -> None:
        if (stored.get("extra") or {}).get("name_from_id"):
            return  # the stored name was its identifier, standing in until a file named it
        if row.get("name") and stored.get("name") and names_differ(stored["name"], row["name"]):
            self.conflicts.append(Conflict("actors", row["id"], "name", row.get("source_file"), row.get("source_line"),
                                           stored["name"], row["name"], "given"))

    def _value_conflicts(self, kind: str, earlier: dict, row: dict) -> None:
        """Values this row changes in an entity an earlier row of the same load gave."""
        other = f"{earlier.get('source_file')}:{earlier.get('source_line')}"
        old_extra, new_extra = earlier.get("extra") or {}, row.get("extra") or {}
        pairs = [(name, earlier.get(name), row.get(name)) for name in row if name not in _PROVENANCE + ("extra", "keys")]
        pairs += [(f"extra.{name}", old_extra.get(name), new_extra.get(name)) for name in new_extra]
        for name, old, new in pairs:
            if old not in (None, [], "") and new not in (None, [], "") and old != new:
                self.conflicts.append(Conflict(kind, row["id"], name, row.get("source_file"), row.get("source_line"),
                                               old, new, "given", other))

    def settle(self) -> dict[str, dict[str, int]]:
        """Read back every touched entity and count, per file report, what the store gained."""
        totals = {}
        for kind in self.ledger.kinds():
            counts = dict.fromkeys(COUNTED, 0)
            for (_before, _pending, _flags, file_report), count in self.ledger.shared_entries(kind):
                # the columnar path's writes: new to the store and to the load, written just before
                # they are counted, no flags (admit_new)
                file_report.outcome(kind, "created", count)
                counts["created"] += count
            for chunk in self.ledger.chunks(kind, shared=False):
                self._settle_chunk(kind, chunk, counts)
            totals[kind] = counts
        return totals

    def _settle_chunk(self, kind: str, chunk: list, counts: dict) -> None:
        # an entity absent before only has to exist now (created); the others are read back whole
        # and compared with what they were. One the columnar path wrote (and nothing since) exists:
        # it was written just before it was counted.
        new = [id_ for id_, entry in chunk if entry[0] is None and entry[1] is not PENDING]
        present = self.session.existing(kind, new) if new else set()
        after = self.session.fetch(kind, [id_ for id_, entry in chunk if entry[0] is not None])
        for id_, (before, first, flags, file_report) in chunk:
            if before is None:
                if first is not PENDING and id_ not in present:
                    continue
                outcome = "created"
            else:
                stored = after.get(id_)
                if stored is None:
                    continue
                outcome = "unchanged" if _digest(content_of(kind, stored)) == before else "updated"
            file_report.outcome(kind, outcome)
            counts[outcome] += 1
            if outcome != "unchanged":
                for flag in flags:
                    file_report.flag(flag)
