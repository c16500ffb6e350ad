"""Subsidies in the SCDL ``subventions`` schema: each row a ``subvention`` from a grantor to a beneficiary.

Read without ``--source``: the schema's columns (``nomAttribuant, idAttribuant, dateConvention,
referenceDecision, nomBeneficiaire, idBeneficiaire, rnaBeneficiaire, objet, montant, nature,
conditionsVersement, datesPeriodeVersement, idRAE, notificationUE, pourcentageSubvention,
dispositifAide``), the label-style headers seen in published files (``Nom de l'attribuant`` …) and
the schema's own French titles (``Identification de l'attribuant``, ``Montant total de la
subvention`` …), the older headers (``COLL_NOM, COLL_SIRET, COLL_TYPE, ACTE_DATE, ATTRIB_NOM, ATTRIB_SIRET,
SUB_OBJET, SUB_MONTANT, SUB_DATE_DEBUT`` …), ``,`` or ``;``-separated. An amount written with an unquoted decimal comma in a ``,`` file
(« 24 975,00 ») is joined back when the split is certain (one field too many, at the amount),
flagged ``decimal_comma``; a date written as a year keeps that precision (``start_precision``).

Identity (see :mod:`maillage.loaders.opendata.parties`): a party is keyed by a SIREN only when its
cell is valid (or a damaged number still certainly holds it), else by its RNA number, else by its
normalised name within the grantor's scope, flagged. A grant is one tie per distinct (grantor,
beneficiary, amount, convention date, payment dates, object); an exact repeat of a row is a
duplicate. Columns outside the schema are kept on the tie, so nothing published is dropped.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re

from ...errors import UsageError
from ...i18n import _
from ...identifiers import collectivite_sirens, departements
from ...model import parse_amount, parse_date
from ..formats import TABULAR, FileHead, Recovered, RowProblem, read_csv
from .common import Item, SourceRow, clean, fold_header, mend_text
from .parties import Party, StoredParties, beneficiary_party, grantor_party, name_conflicts
from .territorial import departements_of, joined_to_cog

__all__ = ["recognises", "translate", "ALIASES", "payment_dates", "excel_date"]

ALIASES = {
    "nomAttribuant": ("nomattribuant", "nomdelattribuant", "attribuant", "nomdelacollectivite", "collnom"),
    "idAttribuant": ("identificationdelattribuant", "idattribuant", "identifiantdelattribuant", "siretdelattribuant", "siretattribuant", "collsiret"),
    "typeAttribuant": ("colltype", "typeattribuant", "typedelattribuant"),
    "dateConvention": ("datedelaconventiondesubvention", "annee", "exercice", "dateconvention", "datedelaconvention", "datedeconvention", "datedeladecision", "actedate"),
    "referenceDecision": ("referencedecision", "referencedeladecision", "numerodeladecision", "acteref"),
    "nomBeneficiaire": ("nombeneficiaire", "nomdubeneficiaire", "beneficiaire", "raisonsocialedubeneficiaire",
                        "attribnom", "raisonsociale", "nomdelorganismebeneficiaire", "organismebeneficiaire"),
    "idBeneficiaire": ("identificationdubeneficiaire", "idbeneficiaire", "identifiantdubeneficiaire", "siretdubeneficiaire", "siretbeneficiaire",
                       "attribsiret", "siretounir", "siretdelorganisme"),
    "typeBeneficiaire": ("attribtype", "typebeneficiaire", "typedubeneficiaire", "formejuridique",
                         "formejuridiquedubeneficiaire"),
    "rnaBeneficiaire": ("rnabeneficiaire", "numerornadubeneficiaire", "rnadubeneficiaire", "numerorna"),
    "objet": ("objet", "objetdudossier", "objetdelasubvention", "subobj", "subobjet"),
    "montant": ("montanttotaldelasubvention", "mandate", "montantdelasubventiondefonctionnement1",
                "montantdelasubventiondefonctionnement", "montant", "montantaccorde", "montantdelasubvention", "montantvote", "submontant"),
    "montantInvestissement": ("montantdelasubventiondinvestissement1", "montantdelasubventiondinvestissement"),
    "nature": ("nature", "naturedelasubvention", "subnature"),
    "conditionsVersement": ("conditionsdeversementdelasubvention", "conditionsversement", "conditionsdeversement", "subversement"),
    "datesPeriodeVersement": ("dateouperiodedeversement", "datesperiodeversement", "datesouperiodesdeversement", "datesdeversement"),
    "debutVersement": ("subdatedebut",),
    "finVersement": ("subdatefin",),
    "termeConvention": ("termeconvention", "datefinconvention", "datedefindeconvention"),
    "idRAE": ("identifiantraedelaideautitredelaquellelasubventionestattribuee", "idrae", "identifiantrae"),
    "notificationUE": ("aidedetatnotifieealacommissioneuropeenne", "notificationue", "notifeu", "notifue"),
    "pourcentageSubvention": ("pourcentagedumontanttotaldelasubventionattribueeaubeneficiaire", "pourcentagesubvention", "pourcentagedelasubvention"),
    "dispositifAide": ("dispositifaide", "dispositifdaide", "subdispositif"),
}
_LOOKUP = {alias: name for name, aliases in ALIASES.items() for alias in aliases}
# Schema columns that travel on the tie as they are (the others become its fields).
_ON_TIE = ("referenceDecision", "nature", "conditionsVersement", "idRAE", "notificationUE", "pourcentageSubvention",
           "dispositifAide")


def _columns(header) -> dict[str, str]:
    """Source column → schema name, for the columns this loader understands."""
    return {column: _LOOKUP[fold_header(column)] for column in header if fold_header(column) in _LOOKUP}


def recognises(head: FileHead) -> bool:
    if head.format not in TABULAR:
        return False
    names = set(_columns(head.header).values())
    return ({"idAttribuant", "idBeneficiaire", "montant"} <= names
            or {"nomAttribuant", "nomBeneficiaire", "montant"} <= names
            or {"nomBeneficiaire", "montant", "dateConvention"} <= names)  # a grantor's own list (--grantor)


def payment_dates(value) -> str | None:
    """SCDL ``datesPeriodeVersement`` in ISO: a period ``start_end`` or dates ``;``-separated.

    Examples
    --------
    >>> payment_dates("2017/09/08_2021/09/07"), payment_dates("06/12/2022"), payment_dates("")
    ('2017-09-08_2021-09-07', '2022-12-06', None)
    >>> payment_dates("2024-01-25/2024-03-29"), payment_dates("2017-12-12/fin-action")
    ('2024-01-25_2024-03-29', '2017-12-12_')
    """
    text = clean(value)
    if text is None:
        return None
    if "_" in text:
        start, _sep, end = text.partition("_")
        return f"{parse_date(start) or ''}_{parse_date(end) or ''}"
    if period := _ISO_PERIOD.fullmatch(text):  # the schema's own form since 2019: start/end in ISO
        start, end = period.groups()
        return f"{parse_date(start)}_{_date_or_none(end) or ''}"
    return ";".join(parse_date(part) for part in re.split(r"[;,]", text) if part.strip())


_ISO_PERIOD = re.compile(r"(\d{4}-\d{2}-\d{2})\s*/\s*(\S.*)")
_EXCEL_SERIAL = re.compile(r"(\d{5})(?:[.,]0+)?")


def _date_or_none(text):
    try:
        return parse_date(text)
    except ValueError:
        return None


def excel_date(text) -> str | None:
    """An Excel serial day number (days since 1899-12-30, 1955 to 2118) as an ISO date, else None.

    Examples
    --------
    >>> excel_date("43655"), excel_date("43655.0"), excel_date("2019")
    ('2019-07-09', '2019-07-09', None)
    """
    match = _EXCEL_SERIAL.fullmatch(text or "")
    if not match or not 20_000 <= int(match.group(1)) <= 80_000:
        return None
    return (dt.date(1899, 12, 30) + dt.timedelta(days=int(match.group(1)))).isoformat()


def translate(heads, filters, *, resolve=None, known=None, progress=None, grantor=None, **_options):
    """Yield one :class:`SourceRow` per subsidy row (its new parties, then the grant).

    A file without grantor columns (a département's list of the associations it funds) needs
    ``grantor``: its SIREN, SIRET or name.
    """
    seen: dict[str, tuple[str, str]] = {}  # party key → (name, file:line) of its first row in this load
    lookup = StoredParties(known)
    for head in heads:
        mapping = _columns(head.header)
        columns = {name: column for column, name in mapping.items()}
        given = _given_grantor(head, columns, grantor)
        file_kind = "association" if _ASSOCIATIONS_FILE.search(head.path.name.lower()) else None
        recover = _decimal_comma(list(head.header).index(columns["montant"])) if "montant" in columns else None
        for line, raw in read_csv(head, progress=progress, recover=recover):
            if isinstance(raw, RowProblem):
                yield SourceRow(str(head.path), line, [Item("partnerships", str(head.path), line,
                                                            {"__problem__": str(raw)})])
                continue
            row = {mapping.get(column, column): value for column, value in raw.items() if column is not None}
            row.update(given)
            yield _subsidy(head, line, row, columns, seen, lookup, file_kind)


_INTEGER_PART = re.compile(r"-?\d{1,3}(?:[ \u00a0\u202f]\d{3})+|-?\d+")
_DECIMALS = re.compile(r"\d{1,2}")


def _decimal_comma(amount_at: int):
    """A mender for rows split at an unquoted decimal comma in the amount (« 24 975,00 » in a ``,`` file).

    Certain only when the row has exactly one field too many and the amount's cell and the next
    read as an integer part and decimals: then they are joined back; anything else stays refused.
    """
    def recover(values, width):
        extra = [v for v in values[width + 1:] if v.strip()]
        if len(values) - width != 1 and not (len(values) > width + 1 and not extra):
            return None
        if not (_INTEGER_PART.fullmatch(values[amount_at].strip()) and _DECIMALS.fullmatch(values[amount_at + 1].strip())):
            return None
        joined = values[:amount_at] + [f"{values[amount_at]},{values[amount_at + 1]}"] + values[amount_at + 2:]
        if len(joined) < width:
            return None
        mended = Recovered(joined[:width])
        mended.note = f"{values[amount_at]},{values[amount_at + 1]}"
        return mended
    return recover


_ASSOCIATIONS_FILE = re.compile(r"(^|[^a-z])asso(ciation)?s?([^a-z]|$)")  # « subventions_associations », « sub_asso »


def _given_grantor(head, columns, grantor) -> dict:
    """The grantor columns ``--grantor`` gives a file that has none (else nothing)."""
    if "idAttribuant" in columns or "nomAttribuant" in columns:
        return {}
    if not grantor:
        raise UsageError(_("{path}: this subsidy file names no grantor: pass --grantor with its SIREN, SIRET or "
                           "name").format(path=head.path))
    if not re.fullmatch(r"[\d ]{9,17}", grantor.strip()):
        return {"nomAttribuant": grantor}
    siren = re.sub(r"\D", "", grantor)[:9]
    known = next((row for row in collectivite_sirens().values() if row["siren"] == siren), None)
    name = known and (known["name"] or _collectivite_label(known))
    return {"idAttribuant": grantor, **({"nomAttribuant": name} if name else {})}


def _collectivite_label(row) -> str | None:
    """« Département : Sarthe », « Région : Bretagne »: a collectivité's name from the shipped COG."""
    if row["level"] == "departement":
        found = departements().get(row["code"])
        return found and _("Département : {name}").format(name=found["nom"])
    found = next((d for d in departements().values() if d["region"] == row["code"]), None)
    return found and _("Région : {name}").format(name=found["region_nom"])


def _field_names(columns: dict[str, str]) -> dict[str, str]:
    """maillage field → the published column, so errors name what the user sees."""
    pick = lambda name: columns.get(name, name)  # noqa: E731
    return {"source": pick("idAttribuant"), "target": pick("idBeneficiaire"), "start": pick("dateConvention"),
            "end": pick("termeConvention"), "amount": pick("montant"), "description": pick("objet"),
            "name": pick("nomBeneficiaire"), "siret": pick("idBeneficiaire"), "rna": pick("rnaBeneficiaire"),
            "payment": pick("datesPeriodeVersement")}


def _subsidy(head, line, row, columns, seen, known, file_kind=None) -> SourceRow:
    path, where = str(head.path), f"{head.path}:{line}"
    out = SourceRow(path, line)
    names = _field_names(columns)
    published = grantor_party(row)  # a name-keyed beneficiary is scoped by the grantor as published
    grantor, grantor_join = joined_to_cog(published, set(), known)
    beneficiary, beneficiary_join = joined_to_cog(beneficiary_party(row, published, file_kind),
                                                  _seat(grantor, known), known)
    stored = known([p.key for p in (grantor, beneficiary) if p.key])
    for party, role in ((grantor, "grantor"), (beneficiary, "beneficiary")):
        if party.key is None:
            continue
        if _names_a_placeholder(party, stored.get(party.key), seen.get(party.key)):
            # stored under its identifier only (no file had named it): this row's name is its name
            out.items.insert(0, Item("actors", path, line, {"id": party.key, "name": party.name,
                                                            "kind": stored[party.key]["kind"], "name_from_id": False},
                                     names))
            seen[party.key] = (party.name, where)
            continue
        known_name = stored.get(party.key)
        if known_name and (known_name.get("extra") or {}).get("name_from_id"):
            known_name = None  # a placeholder: only this load's names can disagree
        out.conflicts += name_conflicts(party, known_name, seen.get(party.key), path, line)
        if party.key not in stored and not (party.name is None and party.key in seen):
            # the pipeline writes it once, with the first row it accepts; a row that leaves the name
            # empty of a party an earlier row named is that party
            actor = party.actor_row(role)
            if party.name is None and party.certain:  # a valid SIREN, no name: named by it until a file names it
                actor["name"], actor["name_from_id"] = party.key, True
            out.items.insert(0, Item("actors", path, line, actor, names, derived_key=party.key))
        seen.setdefault(party.key, (party.name or "", where))
    if clean(row.get("montant")) is None and clean(row.get("montantInvestissement")):
        row = {**row, "montant": row["montantInvestissement"], "amount_from": columns["montantInvestissement"]}
    tie, problems = _tie(row, grantor, beneficiary, columns)
    joins = [note for note in (grantor_join, beneficiary_join) if note]
    if joins:
        tie["joined_by_name"] = "; ".join(joins)
    if grantor.key and grantor.key == beneficiary.key:
        problems.append((columns.get("idBeneficiaire", "idBeneficiaire"),
                         _("the beneficiary is the grantor itself ({key}): a grant to oneself is not a tie").format(
                             key=grantor.key)))
    if problems:
        tie["__problems__"] = problems
    out.items.append(Item("partnerships", path, line, tie, names))
    return out


def _names_a_placeholder(party: Party, stored: dict | None, earlier) -> bool:
    """A party the store holds named by its identifier (``name_from_id``), named by this row first."""
    return bool(party.name and stored and (stored.get("extra") or {}).get("name_from_id")
                and not (earlier and earlier[0]))


def _seat(grantor: Party, known) -> set[str]:
    """The départements a grant's beneficiary commune can be in: the grantor's own (a commune, an
    EPCI or a département grants to its communes)."""
    stored = known([grantor.key]).get(grantor.key) if grantor.key else None
    return departements_of(grantor.cell.siren or (stored or {}).get("siren"), (stored or {}).get("commune"))


def _values(row, columns) -> tuple[dict, dict, list]:
    """The dates, period and amount of a grant read; what cannot be read is left empty and kept
    as published (``unread``), never a reason to lose the grant; Excel serial days are read."""
    values, unread, excel = {}, {}, []
    for name, parse in (("dateConvention", parse_date), ("termeConvention", parse_date),
                        ("datesPeriodeVersement", payment_dates), ("debutVersement", parse_date),
                        ("finVersement", parse_date), ("montant", parse_amount)):
        text = clean(row.get(name))
        try:
            values[name] = parse(text)
        except ValueError:
            values[name] = excel_date(text) if name != "montant" else None
            if values[name]:
                excel.append(columns.get(name, name))
            else:
                unread[columns.get(name, name)] = text
        if name == "datesPeriodeVersement" and values[name] and values[name].endswith("_") and "/" in (text or ""):
            unread[columns.get(name, name)] = text  # a period whose end is not a date (« fin-action »)
    return values, unread, excel


def _tie(row, grantor: Party, beneficiary: Party, columns) -> tuple[dict, list]:
    problems = []
    values, unread, excel = _values(row, columns)
    payment = values.get("datesPeriodeVersement")
    if payment is None and (values.get("debutVersement") or values.get("finVersement")):
        payment = f"{values.get('debutVersement') or ''}_{values.get('finVersement') or ''}"
    start = values.get("dateConvention") or (payment and re.split(r"[_;]", payment)[0]) or None
    objet, objet_status = mend_text(re.sub(r"\s+", " ", clean(row.get("objet")) or ""))
    identity = "\x1f".join([grantor.key or "", beneficiary.key or "", repr(values.get("montant")),
                            values.get("dateConvention") or "", payment or "", objet])
    tie = {"id": "scdl:" + hashlib.sha1(identity.encode()).hexdigest()[:16], "source": grantor.key,
           "target": beneficiary.key, "kind": "subvention", "start": start, "end": values.get("termeConvention"),
           "amount": clean(row.get("montant")) if values.get("montant") is not None else None,
           "description": objet or None, "payment": payment,
           "unread": "; ".join(f"{column}: {text}" for column, text in unread.items()) or None,
           "excel_date": ", ".join(excel) or None, "decimal_comma": row.get("__recovered__"),
           "mojibake": (f"repaired: {clean(row.get('objet'))}" if objet_status == "repaired" else objet_status),
           "start_from": "datesPeriodeVersement" if start and not values.get("dateConvention") else None,
           "start_precision": "year" if re.fullmatch(r"\d{4}", clean(row.get("dateConvention")) or "") else None}
    for name in _ON_TIE:
        tie[name] = clean(row.get(name))
    understood = set(ALIASES) | {"rnaBeneficiaire", "__recovered__"}
    for column, value in row.items():  # every other published column stays on the tie
        if column not in understood and clean(value) is not None and column not in tie:
            tie[column] = clean(value)
    if beneficiary.kind_source == "type" and "type" in tie:
        tie.pop("type")  # it was the beneficiary's legal form, now its kind (kept on the actor)
    return {k: v for k, v in tie.items() if v is not None}, problems

