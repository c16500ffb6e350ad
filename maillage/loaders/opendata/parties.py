"""Who a published row designates: the identity rules for grantors and beneficiaries.

A party is keyed, in this order, by:

1. its SIREN, when its SIREN/SIRET cell is valid as written (``siren:…``), or when a number
   damaged by a spreadsheet still certainly holds it (flag ``siret_damaged``);
2. its RNA number, when valid (``rna:W…``);
3. the SIREN of the département or région its name certainly designates (« DEPARTEMENT DE MAINE
   ET LOIRE », « Conseil départemental de la Vendée »: the whole name is the collectivité's),
   flagged ``joined_by_name``;
4. else its normalised name within the grantor's scope (``nom:<scope>/<NAME>``), flagged
   ``id_unusable`` (the cell held something that is not a valid identifier) or ``id_missing``
   (blank). Two different names therefore never become one actor without a valid identifier;
   the abbreviations « ST », « STE » are read « SAINT », « SAINTE » (flag ``name_folded``).

Its kind comes from what the file says (a legal form in ``type``/``ATTRIB_TYPE``, a
collectivité type in ``COLL_TYPE``), else from the SIREN (a SIREN starting with 2 is a
public-sector body: 21–24 and 200 collectivités and their groupings, other 2… public bodies),
else from an RNA number (an association), else from the file's own title when it lists
associations (« subventions aux associations »: ``kind_from``), else it is guessed from the name
and flagged ``kind_guessed`` — never a silent default.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ...i18n import _
from ...identifiers import CellId, collectivite_named, names_differ, normalize_rna, normalized_name, read_id_cell
from .common import Conflict, clean, fold_header, mend_text

__all__ = ["Party", "grantor_party", "beneficiary_party", "published_name", "kind_of_type", "kind_of_siren", "StoredParties",
           "name_conflicts", "folded_name"]

_ASSOCIATION_WORDS = re.compile(r"\b(ASSOCIATION|ASSO|CLUB|AMICALE|COMITE|FEDERATION|UNION|FOYER|CENTRE SOCIAL|"
                                r"LIGUE|CERCLE|ENTENTE)\b")
_COMPANY_WORDS = re.compile(r"\b(SA|SAS|SASU|SARL|EURL|SNC|SCI|SCOP|SCIC|SELARL|SOCIETE|ENTREPRISE|ETS|"
                            r"ETABLISSEMENTS|HOLDING|INDUSTRIE|INDUSTRIES)\b")
_COLLECTIVITE_WORDS = re.compile(r"\b(COMMUNE|VILLE|MAIRIE|DEPARTEMENT|CONSEIL DEPARTEMENTAL|REGION|METROPOLE|"
                                 r"COMMUNAUTE DE COMMUNES|COMMUNAUTE D AGGLOMERATION|COMMUNAUTE URBAINE|CC|CA)\b")
# Legal forms as subsidy files write them (folded), → actor kind: short codes must match whole,
# words may begin a longer label (« Société par actions simplifiée (SAS) »). Unknown forms map to nothing.
_TYPE_KINDS = (
    ({"asso", "ass", "association", "federation"}, ("associationloi", "associationdeclaree", "federation"),
     "association"),
    (set(), ("fondation", "fondsdedotation"), "foundation"),
    ({"sa", "sas", "sasu", "sarl", "eurl", "snc", "sci", "scop", "scic", "selarl", "selas", "sem", "spl", "ent"},
     ("societe", "saconseil", "sadirectoire", "entreprise", "associationdavocats", "groupementdintereteconomique"),
     "company"),
    ({"com", "dep", "reg", "ct", "epci", "commune", "departement", "region", "metropole"},
     ("collectivite", "communaute", "syndicatmixte", "conseildepartemental", "conseilregional"), "collectivite"),
    ({"etat", "gip", "epic", "epa"},
     ("etablissementpublic", "etablissementdhospitalisation", "servicedeletat", "servicepublic"), "public_body"),
    (set(), ("etablissementscolaire", "lycee", "college", "ecole", "universite"), "school"),
)


def kind_of_type(value) -> str | None:
    """The actor kind a published legal form or collectivité type names (None when it names none).

    Examples
    --------
    >>> kind_of_type("Association loi 1901"), kind_of_type("Société par actions simplifiée (SAS)")
    ('association', 'company')
    >>> kind_of_type("DEP"), kind_of_type("investissement"), kind_of_type("Syndicat")
    ('collectivite', None, None)
    >>> kind_of_type("Comité d'organisation"), kind_of_type("Santé")  # no short code read as a prefix
    (None, None)
    """
    folded = fold_header(clean(value) or "")
    if not folded:
        return None
    return next((kind for exact, prefixes, kind in _TYPE_KINDS if folded in exact or folded.startswith(prefixes)),
                None)


def kind_of_siren(siren: str | None) -> str | None:
    """The kind INSEE's numbering implies: SIRENs starting with 2 belong to the public sector.

    Examples
    --------
    >>> kind_of_siren("213104581"), kind_of_siren("200070951"), kind_of_siren("267500452"), kind_of_siren("441370806")
    ('collectivite', 'collectivite', 'public_body', None)
    """
    if not siren or siren[0] != "2":
        return None
    return "collectivite" if siren[:2] in ("21", "22", "23", "24") or siren[:3] == "200" else "public_body"


@dataclass
class Party:
    key: str | None
    name: str | None
    cell: CellId
    rna: str | None = None
    kind: str | None = None
    kind_source: str | None = None  # type, siren, rna, file, name (guessed) or role (guessed)
    legal_form: str | None = None  # as the file wrote it (« SCOP SA », « Association loi 1901 »)
    mojibake: str | None = None  # the name as published, when it was mended or could not be

    @property
    def certain(self) -> bool:
        """Keyed by a valid official identifier (not by its name)."""
        return bool(self.key) and not self.key.startswith("nom:")

    def actor_row(self, role: str, source: str = "SCDL") -> dict:
        """The actor this row creates when the store does not know it yet."""
        actor = {"name": self.name, "kind": self.kind, "source": source, "role_in_source": role}
        if self.cell.siren:
            actor["siren"], actor["siret"] = self.cell.siren, self.cell.siret
        if self.rna:
            actor["rna"] = self.rna
        if not self.certain:
            actor["id"] = self.key
        if self.cell.flag:
            actor["identity"] = self.cell.flag
            if self.cell.reason:
                actor["identity_note"] = self.cell.reason
        if not self.certain and self.name and folded_name(self.name) != normalized_name(self.name):
            actor["name_folded"] = folded_name(self.name)  # « ST ORENS » and « SAINT ORENS » are one key
        if self.mojibake:
            actor["mojibake"] = self.mojibake
        if self.legal_form:
            actor["legal_form"] = self.legal_form
        if self.kind_source == "file":
            actor["kind_from"] = "file_title"  # evidence, not a guess: the publisher lists associations
        if self.kind_source == "none":
            actor["kind_unknown"] = True
        if self.kind_source in ("name", "role"):
            actor["kind_guessed"] = f"from the {self.kind_source}" if self.kind_source == "role" else "from the name"
        return {k: v for k, v in actor.items() if v is not None}


def _scope(grantor: "Party | None") -> str:
    if grantor is None or grantor.key is None:
        return "?"
    return grantor.key.removeprefix("nom:")


_SAINT = re.compile(r"\b(ST|STE)\b")


def folded_name(name: str | None) -> str:
    """A name as a key: normalised, « ST »/« STE » read « SAINT »/« SAINTE »."""
    return _SAINT.sub(lambda m: "SAINT" if m.group(1) == "ST" else "SAINTE", normalized_name(name or ""))


def _by_name(cell: CellId, name: str | None) -> CellId:
    """A party without a usable identifier whose name is certainly a département or région."""
    if cell.siren:
        return cell
    known = collectivite_named(name)
    if known is None:
        return cell
    return CellId(siren=known["siren"], flag="joined_by_name", reason=_(
        "named {name!r}: the collectivité with SIREN {siren}").format(name=name, siren=known["siren"]))


def _keyed(cell: CellId, rna: str | None, name: str | None, scope: str | None) -> str | None:
    if cell.siren:
        return f"siren:{cell.siren}"
    if rna:
        return f"rna:{rna}"
    normal = folded_name(name)
    if not normal:
        return None
    return f"nom:{normal}" if scope is None else f"nom:{scope}/{normal}"


def _kind(declared, cell: CellId, rna, name, role: str, file_kind: str | None = None) -> tuple[str, str]:
    if kind := kind_of_type(declared):
        return kind, "type"
    if kind := kind_of_siren(cell.siren):
        return kind, "siren"
    if rna:
        return "association", "rna"
    if file_kind:  # « subventions aux associations »: the publisher says what its beneficiaries are
        return file_kind, "file"
    normal = normalized_name(name or "")
    if role == "grantor":
        return "collectivite", ("name" if _COLLECTIVITE_WORDS.search(normal) else "role")
    if _ASSOCIATION_WORDS.search(normal):
        return "association", "name"
    if _COMPANY_WORDS.search(normal):
        return "company", "name"
    return "unknown", "none"  # nothing says what it is: said so (kind_unknown), never a silent « company »


def published_name(text) -> tuple[str | None, str | None]:
    """A name cell cleaned and its mojibake mended where certain: ``(name, note)``, the note saying
    what was found (``repaired: <as published>`` or ``unrepairable``)."""
    name, status = mend_text(clean(text))
    if status == "repaired":
        return name, f"repaired: {clean(text)}"
    return name, status


def grantor_party(row: dict) -> Party:
    """The grantor of a subsidy row (its scope is its own name when its id is unusable)."""
    name, mojibake = published_name(row.get("nomAttribuant"))
    cell = _by_name(read_id_cell(row.get("idAttribuant")), name)
    kind, source = _kind(row.get("typeAttribuant"), cell, None, name, "grantor")
    return Party(_keyed(cell, None, name, None), name, cell, None, kind, source, mojibake=mojibake)


def beneficiary_party(row: dict, grantor: Party, file_kind: str | None = None) -> Party:
    """The beneficiary of a subsidy row; without a valid id, its name within the grantor's scope."""
    name, mojibake = published_name(row.get("nomBeneficiaire"))
    cell = _by_name(read_id_cell(row.get("idBeneficiaire")), name)
    try:
        rna = normalize_rna(clean(row.get("rnaBeneficiaire"))) if clean(row.get("rnaBeneficiaire")) else None
    except ValueError:
        rna = None
    declared = row.get("typeBeneficiaire") or row.get("type")
    kind, source = _kind(declared, cell, rna, name, "beneficiary", file_kind)
    if rna and cell.flag in ("id_unusable", "id_missing"):
        cell = CellId(flag=None)  # the RNA number identifies it
    return Party(_keyed(cell, rna, name, _scope(grantor)), name, cell, rna, kind, source, clean(declared), mojibake)


class StoredParties:
    """What the store held of each party before this load, asked once per party (a grantor is on every row)."""

    def __init__(self, known):
        self.known, self.answers = known, {}

    def __call__(self, keys) -> dict:
        missing = [key for key in keys if key not in self.answers]
        if missing:
            found = self.known(missing) if self.known else {}
            self.answers.update({key: found.get(key) for key in missing})
        return {key: self.answers[key] for key in keys if self.answers[key] is not None}


def name_conflicts(party: Party, stored: dict | None, earlier, path, line) -> list[Conflict]:
    """A valid identifier arriving with a clearly different name than the one already known."""
    if not party.name or not party.certain:
        return []
    if stored and names_differ(stored["name"], party.name):
        return [Conflict("actors", party.key, "name", path, line, stored["name"], party.name, "stored")]
    if earlier and not stored and names_differ(earlier[0], party.name):
        return [Conflict("actors", party.key, "name", path, line, earlier[0], party.name, "earlier", earlier[1])]
    return []
