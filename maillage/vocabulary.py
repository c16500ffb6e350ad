"""The controlled vocabulary: actor kinds, partnership kinds, themes and resources.

Codes are ASCII snake_case; each has a French label and an English one. A user file extends the themes,
resources and partnership kinds (actor kinds are fixed: they become Neo4j labels).
An unknown code is an error that suggests the nearest known one.
"""

from __future__ import annotations

import csv
import difflib
import json
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from .errors import DataError, UsageError
from .i18n import _

__all__ = ["Vocabulary", "default_vocabulary", "VOCABULARIES", "fold"]

ACTOR_KINDS = {
    "association": "Association",
    "company": "Entreprise",
    "collectivite": "Collectivité territoriale",
    "public_body": "Établissement ou service public",
    "school": "Établissement d'enseignement",
    "foundation": "Fondation ou fonds de dotation",
    "intermediary": "Structure d'intermédiation",
    "citizen_group": "Collectif d'habitants",
    # what a published file says nothing about (no legal form, SIREN, RNA number or telling name):
    # said so, never a guess passed off as a fact; SIRENE or the RNA later gives the kind
    "unknown": "Organisation de nature inconnue",
}

PARTNERSHIP_KINDS = {
    "mecenat_financier": "Mécénat financier",
    "mecenat_competences": "Mécénat de compétences",
    "mecenat_nature": "Mécénat en nature",
    "subvention": "Subvention",
    "marche_public": "Marché public",
    "cooperation": "Coopération",
    "co_construction": "Co-construction",
    "benevolat": "Bénévolat",
    "sponsoring": "Parrainage commercial",
    "achat_responsable": "Achat responsable",
    "adhesion": "Adhésion à un réseau",
    "initiative": "Membre d'une même initiative",
}

THEMES = {
    "emploi": "Emploi et insertion professionnelle",
    "education": "Éducation, jeunesse et orientation",
    "sante": "Santé",
    "alimentation": "Alimentation et aide alimentaire",
    "lien_social": "Lien social et solidarités",
    "precarite": "Lutte contre la précarité",
    "handicap": "Handicap et inclusion",
    "environnement": "Environnement et transition écologique",
    "mobilite": "Mobilité",
    "logement": "Logement et hébergement",
    "numerique": "Numérique et inclusion numérique",
    "culture": "Culture et patrimoine",
    "sport": "Sport",
    "developpement_local": "Développement économique local",
    "citoyennete": "Citoyenneté et vie démocratique",
    "seniors": "Vieillissement et seniors",
}

RESOURCES = {
    "funding": "Financement",
    "skills": "Compétences",
    "volunteers": "Bénévoles",
    "premises": "Locaux",
    "equipment": "Matériel et équipements",
    "software": "Logiciel et outils numériques",
    "network": "Réseau et mise en relation",
    "training": "Formation",
    "jobs": "Emplois, stages et alternance",
    "purchasing": "Achats et débouchés",
    "logistics": "Logistique et transport",
    "expertise": "Expertise et conseil",
    "visibility": "Communication et visibilité",
}

# English labels; a code a user adds keeps its one label in both languages
ENGLISH = {
    "actor_kind": {
        "association": "Association", "company": "Company", "collectivite": "Local authority",
        "public_body": "Public body or service", "school": "School or university", "foundation": "Foundation or endowment fund",
        "intermediary": "Partnership intermediary", "citizen_group": "Residents' group",
        "unknown": "Organisation of unknown kind",
    },
    "partnership_kind": {
        "mecenat_financier": "Financial sponsorship", "mecenat_competences": "Skills sponsorship",
        "mecenat_nature": "In-kind sponsorship", "subvention": "Grant", "marche_public": "Public contract",
        "cooperation": "Cooperation", "co_construction": "Co-construction", "benevolat": "Volunteering",
        "sponsoring": "Commercial sponsorship", "achat_responsable": "Responsible purchasing",
        "adhesion": "Network membership", "initiative": "Member of the same initiative",
    },
    "theme": {
        "emploi": "Employment and job insertion", "education": "Education, youth and guidance", "sante": "Health",
        "alimentation": "Food and food aid", "lien_social": "Social ties and solidarity",
        "precarite": "Fighting poverty", "handicap": "Disability and inclusion",
        "environnement": "Environment and ecological transition", "mobilite": "Mobility",
        "logement": "Housing and shelter", "numerique": "Digital and digital inclusion",
        "culture": "Culture and heritage", "sport": "Sport", "developpement_local": "Local economic development",
        "citoyennete": "Citizenship and democratic life", "seniors": "Ageing and older people",
    },
    "resource": {
        "funding": "Funding", "skills": "Skills", "volunteers": "Volunteers", "premises": "Premises",
        "equipment": "Equipment", "software": "Software and digital tools", "network": "Network and introductions",
        "training": "Training", "jobs": "Jobs, internships and apprenticeships", "purchasing": "Purchasing and outlets",
        "logistics": "Logistics and transport", "expertise": "Expertise and advice",
        "visibility": "Communication and visibility",
    },
}

VOCABULARIES = ("actor_kind", "partnership_kind", "theme", "resource")
_EXTENSIBLE = ("partnership_kind", "theme", "resource")


@lru_cache(maxsize=1 << 16)  # column names and codes repeat on every row
def fold(text: str) -> str:
    """Lower-case, strip accents and turn separators into ``_`` (for lenient matching).

    Examples
    --------
    >>> fold("Mécénat de compétences")
    'mecenat_de_competences'
    """
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "_".join(plain.lower().replace("-", " ").replace("'", " ").split())


SUGGESTIONS_PER_VOCABULARY = 1_000


@dataclass
class Vocabulary:
    """Codes and labels of each controlled vocabulary, with lenient lookup.

    Examples
    --------
    >>> v = Vocabulary()
    >>> v.check("theme", "Alimentation")
    'alimentation'
    >>> v.check("theme", "alimentaton")
    Traceback (most recent call last):
    ...
    ValueError: unknown theme 'alimentaton' (did you mean 'alimentation'?)
    """

    terms: dict[str, dict[str, str]] = field(default_factory=lambda: {
        "actor_kind": dict(ACTOR_KINDS),
        "partnership_kind": dict(PARTNERSHIP_KINDS),
        "theme": dict(THEMES),
        "resource": dict(RESOURCES),
    })

    def __post_init__(self):
        self._index = {name: self._build_index(name) for name in self.terms}
        self._suggestions: dict[str, dict[str, str | None]] = {}

    def _build_index(self, name: str) -> dict[str, str]:
        index = {}
        for code, label in self.terms[name].items():
            index[fold(label)] = code
            if code in ENGLISH.get(name, {}):
                index.setdefault(fold(ENGLISH[name][code]), code)
            index[fold(code)] = code
        return index

    def label(self, name: str, code: str, language: str | None = None) -> str:
        """Return the label of ``code`` in ``language`` (default: the run's; codes added by a user have one)."""
        from .i18n import current_language

        if (language or current_language()) == "en" and code in ENGLISH[name]:
            return ENGLISH[name][code]
        return self.terms[name].get(code, code)

    def check(self, name: str, value: str) -> str:
        """Return the code for ``value`` (a code or a label), or raise ValueError."""
        code = self._index[name].get(fold(value))
        if code is not None:
            return code
        close = self._suggest(name, fold(value))
        hint = " (" + _("did you mean {code!r}?").format(code=close) + ")" if close else ""
        unknown = {"actor_kind": _("unknown actor kind {value!r}{hint}"),
                   "partnership_kind": _("unknown partnership kind {value!r}{hint}"),
                   "theme": _("unknown theme {value!r}{hint}"), "resource": _("unknown resource {value!r}{hint}")}
        raise ValueError(unknown[name].format(value=value, hint=hint))

    def _suggest(self, name: str, folded: str) -> str | None:
        """The closest code to an unknown value, remembered: a file of 200,000 bad rows costs
        one search per distinct value, and past the first thousand, none (no hint)."""
        seen = self._suggestions.setdefault(name, {})
        if folded in seen:
            return seen[folded]
        if len(seen) >= SUGGESTIONS_PER_VOCABULARY:
            return None
        index = self._index[name]
        # a large vocabulary is searched among the codes of a similar length only (difflib's
        # ratio cannot reach the cutoff beyond that), so a miss never scans 100,000 themes
        candidates = list(index) if len(index) <= 500 else [
            key for key in index if abs(len(key) - len(folded)) <= max(2, len(folded) // 3)]
        close = difflib.get_close_matches(folded, candidates, n=1, cutoff=0.6)
        seen[folded] = index[close[0]] if close else None
        return seen[folded]

    def extend(self, name: str, code: str, label: str) -> None:
        """Add a code (themes, resources and partnership kinds only)."""
        if name not in _EXTENSIBLE:
            raise UsageError(_("vocabulary {name!r} cannot be extended (choose from {join})").format(name=name, join=', '.join(_EXTENSIBLE)))
        if fold(code) != code:
            raise UsageError(_("vocabulary code {code!r} must be lower-case ASCII snake_case ({fold!r})").format(code=code, fold=fold(code)))
        known = code in self.terms[name]
        self.terms[name][code] = label or code
        if known:  # a relabelled code keeps its place: rebuild as a fresh vocabulary would
            self._index[name] = self._build_index(name)
        else:  # a new code comes last: adding it is what a rebuild would do, in constant time
            self._index[name][fold(label or code)] = code
            self._index[name][fold(code)] = code
        self._suggestions.pop(name, None)

    def to_dict(self) -> dict[str, dict[str, str]]:
        return {name: dict(codes) for name, codes in self.terms.items()}

    @classmethod
    def from_file(cls, path: str | Path) -> "Vocabulary":
        """Return the default vocabulary extended by a CSV or JSON file.

        The file has rows ``vocabulary, code, label`` (CSV with a header, or a JSON list
        of objects with those keys), ``vocabulary`` one of theme, resource, partnership_kind.
        """
        vocabulary = cls()
        path = Path(path)
        try:
            text = path.read_text("utf-8-sig")
        except OSError as exc:
            raise DataError(_("cannot read vocabulary file {path}: {strerror}").format(path=path, strerror=exc.strerror), file=str(path), line=1) from exc
        except UnicodeDecodeError as exc:
            raise DataError(_("{path}: vocabulary files must be UTF-8 ({reason})").format(path=path, reason=exc.reason), file=str(path), line=1) from exc
        if not text.strip():
            raise DataError(_("{path}:1: empty vocabulary file (expected rows vocabulary, code, label)").format(path=path),
                            file=str(path), line=1)
        if path.suffix.lower() == ".json":
            try:
                rows = json.loads(text)
            except (ValueError, RecursionError) as exc:
                raise DataError(_("{path}:1: invalid JSON ({exc})").format(path=path, exc=exc), file=str(path), line=1) from None
            if not isinstance(rows, list):
                raise DataError(_("{path}:1: expected a JSON array of objects").format(path=path), file=str(path), line=1)
        else:
            lines = text.splitlines()
            rows = list(csv.DictReader(lines, delimiter=";" if ";" in lines[0] else ","))
        for number, row in enumerate(rows, start=2):
            try:
                if not isinstance(row, dict):
                    raise TypeError(_("not an object"))
                vocabulary.extend(str(row["vocabulary"]).strip(), str(row["code"]).strip(),
                                  str(row.get("label") or "").strip())
            except KeyError as exc:
                raise DataError(_("{path}:{number}: missing column {value!r}").format(path=path, number=number, value=exc.args[0]), file=str(path),
                                line=number) from None
            except (TypeError, AttributeError) as exc:
                raise DataError(_("{path}:{number}: malformed row ({exc})").format(path=path, number=number, exc=exc), file=str(path), line=number) from None
            except UsageError as exc:
                raise DataError(_("{path}:{number}: {exc}").format(path=path, number=number, exc=exc), file=str(path), line=number) from None
        return vocabulary


_DEFAULT: Vocabulary | None = None


def default_vocabulary() -> Vocabulary:
    """Return the shared default vocabulary (built once)."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = Vocabulary()
    return _DEFAULT
