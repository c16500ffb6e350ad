"""Public contracts (DECP, « données essentielles de la commande publique »): buyer → holder ties.

Read without ``--source``, streamed, in the three forms France publishes them:

- the 2019 JSON format, ``{"marches": [{"id", "acheteur": {"id", "nom"}, "titulaires": [{"id",
  "typeIdentifiant", "denominationSociale"}], "montant", "dateNotification", "dureeMois",
  "codeCPV", "procedure", "modifications": […]}]}``;
- the 2022 JSON format (arrêtés du 22 décembre 2022), ``{"marches": {"marche": […]}}``, whose
  holders are wrapped (``{"titulaire": {…}}``), which names no one (identifiers only) and adds
  ``considerationsSociales`` / ``considerationsEnvironnementales``;
- the consolidated table, one row per contract and holder (``acheteur_id`` / ``acheteur.id``,
  ``titulaire_id``, ``titulaire_typeIdentifiant`` … as the public consolidations write them).

Each contract gives a ``marche_public`` tie from its buyer to each holder, with its amount (on the
tie only when the contract has one holder: co-holders share it, so it is kept as
``contract_amount``), notification date, duration, CPV, procedure, nature and considerations.
Modifications are applied in order (the latest amount, duration and holders; the first kept as
``amount_initial``). Co-holders of one contract are tied to each other (``cooperation``, marked
``co_holders``: an inference from the contract, not a published tie). The same contract and
holder published twice (two sources, two files) is counted once and the repeat reported.
Amounts that cannot be a contract's (zero, negative, three billion euros or more, a run of
six identical non-zero digits such as 999999) and notification dates before 2000 or after the data's own
publication date are flagged and left out of the tie's fields, kept as published in ``unread``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re

from ...i18n import N_, _
from ...identifiers import CellId, normalize_siren, normalized_name, read_id_cell
from ...model import parse_amount, parse_date
from ..formats import TABULAR, FileHead, RowProblem, json_stream, read_csv
from .common import Item, Skip, SourceRow, clean, fold_header
from .parties import Party, StoredParties, kind_of_siren, name_conflicts, published_name

__all__ = ["recognises", "translate", "COLUMNS", "contract_of_json"]

# consolidated table: maillage's name → the folded headers the consolidations use
COLUMNS = {
    "uid": ("uid",), "id": ("id", "idmarche"),
    "buyer_id": ("acheteurid", "idacheteur", "acheteursid", "acheteursiret"),
    "buyer_name": ("acheteurnom", "nomacheteur", "acheteursnom"),
    "holder_id": ("titulaireid", "idtitulaire", "idtitulaires", "titulairesid", "titulairesiret"),
    "holder_type": ("titulairetypeidentifiant", "typeidentifiant", "titulairestypeidentifiant",
                    "typeidentifianttitulaire"),
    "holder_name": ("titulairedenominationsociale", "titulairenom", "denominationsociale", "titulairesdenomination",
                    "titulairesdenominationsociale", "nomtitulaire"),
    "montant": ("montant",), "dateNotification": ("datenotification",), "dureeMois": ("dureemois",),
    "codeCPV": ("codecpv",), "procedure": ("procedure",), "nature": ("nature",), "objet": ("objet",),
    "considerationsSociales": ("considerationssociales",),
    "considerationsEnvironnementales": ("considerationsenvironnementales",),
    "datePublicationDonnees": ("datepublicationdonnees",), "source": ("source",),
    "current": ("donneesactuelles",),
}
_LOOKUP = {alias: name for name, aliases in COLUMNS.items() for alias in aliases}
_ON_TIE = ("codeCPV", "procedure", "nature", "objet", "considerationsSociales", "considerationsEnvironnementales",
           "formePrix", "source")


def recognises(head: FileHead) -> bool:
    if head.format == "json":
        return head.header == ["marches"]
    names = {_LOOKUP.get(fold_header(column)) for column in head.header}
    return head.format in TABULAR and {"buyer_id", "holder_id", "montant"} <= names


def translate(heads, filters, *, resolve=None, known=None, progress=None, **_options):
    """Yield one :class:`SourceRow` per contract (JSON) or contract–holder row (table)."""
    state = _State(StoredParties(known))
    for head in heads:
        contracts = _json_contracts(head, progress) if head.format == "json" else _table_contracts(head, progress)
        for line, contract in contracts:
            if isinstance(contract, (Skip, SourceRow)):
                yield contract
                continue
            yield from _contract_row(str(head.path), line, contract, state)


class _State:
    """What one load remembers: parties met, contract–holder pairs written, each contract's holders."""

    def __init__(self, stored):
        self.stored, self.seen, self.written, self.holders = stored, {}, set(), {}


def _json_contracts(head, progress):
    stream = json_stream(head.path, encoding=head.encoding, progress=progress)
    stream.enter({"marches"})
    if stream.peek() == "{":  # the 2022 format: {"marches": {"marche": [...]}}
        if stream.enter({"marche"}) is None:
            return
    for line, record in stream.objects():
        if "concession" in str(record.get("_type", "")).lower():
            yield line, Skip(str(head.path), "partnerships", N_("a concession contract (not a marché: not read)"))
            continue
        yield line, contract_of_json(record)


def contract_of_json(record: dict) -> dict:
    """A DECP contract (2019 or 2022 JSON) in the shape this loader reads, modifications applied.

    Examples
    --------
    >>> c = contract_of_json({"id": "1", "acheteur": {"id": "21670482500019"}, "montant": 100,
    ...     "titulaires": [{"titulaire": {"id": "55211846500042", "typeIdentifiant": "SIRET"}}],
    ...     "modifications": [{"modification": {"montant": 120}}]})
    >>> c["montant"], c["amount_initial"], c["holders"][0]["id"]
    (120, 100, '55211846500042')
    """
    buyer = record.get("acheteur") if isinstance(record.get("acheteur"), dict) else {}
    contract = {key: record.get(key) for key in ("id", "uid", "montant", "dateNotification", "dureeMois",
                                                 "datePublicationDonnees", *_ON_TIE)}
    contract.update(buyer_id=buyer.get("id"), buyer_name=buyer.get("nom"), holders=_holders(record.get("titulaires")))
    for name in ("considerationsSociales", "considerationsEnvironnementales"):
        value = contract.get(name)
        if isinstance(value, dict):  # {"considerationSociale": ["Clause sociale", …]}
            contract[name] = "; ".join(str(v) for values in value.values() for v in (values or []))
    modifications = [m.get("modification", m) for m in record.get("modifications") or [] if isinstance(m, dict)]
    for modification in modifications:
        if modification.get("montant") is not None:
            contract.setdefault("amount_initial", contract["montant"])
            contract["montant"] = modification["montant"]
        if modification.get("dureeMois") is not None:
            contract["dureeMois"] = modification["dureeMois"]
        if modification.get("titulaires"):
            contract["holders"] = _holders(modification["titulaires"])
    contract["modifications"] = len(modifications) or None
    return contract


def _holders(entries) -> list[dict]:
    holders = []
    for entry in entries or []:
        holder = entry.get("titulaire", entry) if isinstance(entry, dict) else {}
        holders.append({"id": holder.get("id"), "type": holder.get("typeIdentifiant"),
                        "name": holder.get("denominationSociale") or holder.get("nom")})
    return holders


def _table_contracts(head, progress):
    mapping = {column: _LOOKUP[fold_header(column)] for column in head.header if fold_header(column) in _LOOKUP}
    for line, raw in read_csv(head, progress=progress):
        if isinstance(raw, RowProblem):
            yield line, SourceRow(str(head.path), line, [Item("partnerships", str(head.path), line,
                                                               {"__problem__": str(raw)})])
            continue
        row = {mapping.get(column, column): clean(value) for column, value in raw.items() if column is not None}
        if (row.get("current") or "").lower() in ("false", "faux", "0", "non"):
            yield line, Skip(str(head.path), "partnerships", N_("a superseded version of a contract"))
            continue
        row["table"] = True
        row["holders"] = [{"id": row.pop("holder_id", None), "type": row.pop("holder_type", None),
                           "name": row.pop("holder_name", None)}]
        yield line, row


def _contract_row(path, line, contract, state):
    """One SourceRow per contract–holder pair (its new parties, then the tie), then one per co-holder pair."""
    names = {"source": "acheteur.id", "target": "titulaires.id", "amount": "montant", "start": "dateNotification"}
    buyer = _party(contract.get("buyer_id"), None, contract.get("buyer_name"), "buyer")
    holders = [_party(h.get("id"), h.get("type"), h.get("name"), "holder") for h in contract["holders"]]
    values, unread = _values(contract)
    key = "\x1f".join([buyer.key or "", str(contract.get("id") or ""), values.get("start") or ""])
    if not holders:
        yield SourceRow(path, line, [Item("partnerships", path, line, {"source": buyer.key, "kind": "marche_public",
                        "__problems__": [("titulaires", _("a contract without a holder is not a tie"))]}, names)])
        return
    # co-holders of one published record (the table spreads one record over rows sharing its keys);
    # two records with one id and date are lots of one consultation, whose holders are not co-holders
    earlier = state.holders.setdefault(key, []) if contract.get("table") else []
    for holder in holders:
        if (key, holder.key) in state.written:
            yield Skip(path, "partnerships", N_("the same contract and holder published twice (counted once)"))
            continue
        state.written.add((key, holder.key))
        out = SourceRow(path, line)
        for party, role in ((buyer, "buyer"), (holder, "holder")):
            _new_party(out, party, role, state, names)
        out.items.append(Item("partnerships", path, line, _tie(contract, buyer, holder, values, unread, key,
                                                               len(holders)), names))
        yield out
        for other in earlier:
            if other and holder.key and other != holder.key:
                yield SourceRow(path, line, [Item("partnerships", path, line,
                                                  _co_holders(key, other, holder.key, values, contract), names)])
        earlier.append(holder.key)


def _new_party(out, party, role, state, names) -> None:
    if party.key is None:
        return
    stored = state.stored([party.key])
    out.conflicts += name_conflicts(party, stored.get(party.key), state.seen.get(party.key), out.path, out.line)
    if party.key not in stored and not any(item.derived_key == party.key for item in out.items):
        row = party.actor_row(role, source="DECP")
        if not party.cell.siren:
            row["id"] = party.key  # a foreign VAT number (tva:…) or a name
        if party.name is None:
            row["name"], row["name_from_id"] = party.key, True  # the 2022 format names no one
        out.items.insert(0, Item("actors", out.path, out.line, row, names, derived_key=party.key))
    state.seen.setdefault(party.key, (party.name or "", f"{out.path}:{out.line}"))


_FOREIGN = re.compile(r"[A-Z0-9-]+")


def _party(value, kind_of_id, name, role) -> Party:
    """A buyer or holder: by SIRET/SIREN, a French VAT number's SIREN, another official id, or its name."""
    (name, mojibake), text, id_type = published_name(name), clean(value), (clean(kind_of_id) or "SIRET").upper()
    cell = read_id_cell(text) if id_type == "SIRET" else CellId(flag="id_missing" if text is None else None)
    if id_type == "TVA" and text and text.upper().startswith("FR") and len(text) == 13:
        try:
            cell = CellId(siren=normalize_siren(text[4:]), flag="id_normalised")
        except ValueError:
            cell = CellId(flag="id_unusable")
    if cell.siren:
        key = f"siren:{cell.siren}"
    elif id_type != "SIRET" and text and _FOREIGN.fullmatch(text.upper().replace(" ", "")):
        key = f"{id_type.lower()}:{text.upper().replace(' ', '')}"  # an official id of another register
    elif normalized_name(name or ""):
        key = f"nom:decp/{normalized_name(name)}"
    else:
        key = None
    kind, source = _kind(cell, name, role)
    return Party(key, name, cell, None, kind, source, mojibake=mojibake)


_ASSOCIATION = re.compile(r"\b(ASSOCIATION|ASSO|FEDERATION|UNION|FOYER|LIGUE|ENTENTE|MUTUELLE)\b")


def _kind(cell, name, role) -> tuple[str, str]:
    if kind := kind_of_siren(cell.siren):
        return kind, "siren"
    if _ASSOCIATION.search(normalized_name(name or "")):
        return "association", "name"
    # a buyer under public procurement rules is a public body; a holder most often a company
    return ("public_body" if role == "buyer" else "company"), "role"


_RUN = re.compile(r"([1-9])\1{5}")  # 999999, 1111111: a placeholder, not a price


def _values(contract) -> tuple[dict, dict]:
    """Amount, dates and duration read; what cannot be a contract's is left out and kept as published."""
    values, unread = {}, {}
    for name in ("montant", "amount_initial"):
        raw = contract.get(name)
        try:
            amount = parse_amount(raw) if not isinstance(raw, (int, float)) else float(raw)
        except ValueError:
            amount = None
        if raw is not None and (amount is None or amount <= 0 or amount >= 3e9 or _RUN.search(f"{amount:.0f}")):
            unread[name] = raw
            amount = None
        values[name] = amount
    published = _date(contract.get("datePublicationDonnees"))
    start = _date(contract.get("dateNotification"))
    if start and (start < "2000-01-01" or (published and start > published)):
        unread["dateNotification"], start = contract.get("dateNotification"), None
    elif contract.get("dateNotification") and not start:
        unread["dateNotification"] = contract.get("dateNotification")
    values["start"] = start
    months = contract.get("dureeMois")
    try:
        months = int(float(months)) if months not in (None, "") else None
    except ValueError:
        unread["dureeMois"], months = months, None
    if months is not None and not 0 < months <= 600:
        unread["dureeMois"], months = contract.get("dureeMois"), None
    values["months"] = months
    values["end"] = _add_months(start, months) if start and months else None
    return values, unread


def _date(value) -> str | None:
    text = clean(None if value is None else str(value))
    if text is None:
        return None
    try:
        return parse_date(re.sub(r"([+-]\d{2}:\d{2}|Z)$", "", text))  # « 2018-08-30+02:00 »
    except ValueError:
        return None


def _add_months(start: str, months: int) -> str:
    day = dt.date.fromisoformat(start)
    year, month = divmod(day.month - 1 + months, 12)
    return dt.date(day.year + year, month + 1, min(day.day, 28)).isoformat()


def _tie(contract, buyer, holder, values, unread, key, holders) -> dict:
    tie = {"id": "decp:" + hashlib.sha1(f"{key}\x1f{holder.key}".encode()).hexdigest()[:16], "source": buyer.key,
           "target": holder.key, "kind": "marche_public", "start": values["start"], "end": values["end"],
           "description": clean(contract.get("objet")), "contract_id": clean(str(contract.get("id") or "")),
           "duration_months": values["months"], "modifications": contract.get("modifications"),
           "unread": "; ".join(f"{k}: {v}" for k, v in unread.items()) or None,
           "amount_implausible": bool({"montant", "amount_initial"} & set(unread)) or None,
           "date_implausible": bool({"dateNotification", "dureeMois"} & set(unread)) or None}
    if values["montant"] is not None:
        if holders == 1:
            tie["amount"] = values["montant"]
        else:
            tie["contract_amount"], tie["holders"] = values["montant"], holders  # shared, not each one's
    if values.get("amount_initial") is not None:
        tie["amount_initial"] = values["amount_initial"]
    for name in _ON_TIE:
        if name != "objet" and clean(None if contract.get(name) is None else str(contract[name])):
            tie["published_by" if name == "source" else name] = clean(str(contract[name]))
    if buyer.key and buyer.key == holder.key:
        tie["__problems__"] = [("titulaires.id", _("the holder is the buyer itself: not a tie"))]
    for party, column in ((buyer, "acheteur.id"), (holder, "titulaires.id")):
        if party.key is None:  # neither a usable identifier nor a name: nothing says who it is
            tie["__problems__"] = [(column, party.cell.reason or _("required value is empty"))]
    return {k: v for k, v in tie.items() if v is not None}


def _co_holders(key, first, second, values, contract) -> dict:
    a, b = sorted((first, second))
    return {"id": "decp-co:" + hashlib.sha1(f"{key}\x1f{a}\x1f{b}".encode()).hexdigest()[:16], "source": a,
            "target": b, "kind": "cooperation", "start": values["start"], "end": values["end"],
            "co_holders": clean(str(contract.get("id") or "")) or "?",
            "description": clean(contract.get("objet"))}
