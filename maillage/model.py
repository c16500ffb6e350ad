"""The domain model: Territory, Actor, Partnership, Initiative, Need.

Records are validated pydantic models. Controlled codes are checked against the
:class:`~maillage.vocabulary.Vocabulary` passed in the validation context
(``Model.model_validate(data, context={"vocabulary": v})``), the default otherwise.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import re
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from . import identifiers as ids
from .vocabulary import default_vocabulary, fold
from .i18n import _

__all__ = [
    "Territory", "Actor", "Partnership", "Initiative", "Member", "Need",
    "TERRITORY_LEVELS", "ROLES", "parse_territory_ref", "parse_date", "parse_amount", "split_list",
    "partnership_id", "UNDIRECTED_KINDS",
]

TERRITORY_LEVELS = ("commune", "epci", "ept", "departement", "region")
ROLES = ("porteur", "animateur", "partenaire", "financeur", "membre", "beneficiaire")


def split_list(value: Any) -> list[str]:
    """Split a ``;``-separated cell (or take a JSON list); blanks are dropped.

    Examples
    --------
    >>> split_list("skills; software;;")
    ['skills', 'software']
    """
    if value is None:
        return []
    items = value if isinstance(value, (list, tuple)) else str(value).split(";")
    return [str(item).strip() for item in items if str(item).strip()]


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


_DAY_FIRST = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
_YEAR_FIRST = re.compile(r"^(\d{4})[/-](\d{1,2})[/-](\d{1,2})$")


def parse_date(value: Any) -> str | None:
    """Return an ISO date (``YYYY-MM-DD``) from the forms published files use.

    ISO dates (``2016-02-03``, or a full ISO timestamp, whose date is kept), ``YYYY/MM/DD``,
    ``DD/MM/YYYY``, ``DD-MM-YYYY``, ``DD.MM.YYYY``, ``YYYY-MM`` and ``YYYY``. Anything else,
    including a valid date followed by other text, is refused.

    Examples
    --------
    >>> parse_date("03/02/2016"), parse_date("2016-05"), parse_date("2016")
    ('2016-02-03', '2016-05-01', '2016-01-01')
    >>> parse_date("2017/09/08"), parse_date("08-09-2017"), parse_date("2017-09-08T10:30:00")
    ('2017-09-08', '2017-09-08', '2017-09-08')
    """
    if _blank(value):
        return None
    text = str(value).strip()
    try:
        if match := _DAY_FIRST.match(text):
            day, month, year = map(int, match.groups())
            return dt.date(year, month, day).isoformat()
        if match := _YEAR_FIRST.match(text):
            year, month, day = map(int, match.groups())
            return dt.date(year, month, day).isoformat()
        if re.fullmatch(r"\d{4}", text):
            return f"{text}-01-01"
        if re.fullmatch(r"\d{4}-\d{2}", text):
            return dt.date(int(text[:4]), int(text[5:]), 1).isoformat()
        if len(text) == 10:
            return dt.date.fromisoformat(text).isoformat()
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}[T ][0-9:.+\-Z]+", text):
            return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).date().isoformat()
        raise ValueError(text)
    except ValueError:
        raise ValueError(_("not a date: {text!r} (use YYYY-MM-DD, DD/MM/YYYY, YYYY/MM/DD, YYYY-MM or YYYY)").format(text=text)) from None


def parse_amount(value: Any) -> float | None:
    """Return an amount in euros from ``1234.5``, ``1 234,50 €`` or ``1234``.

    Examples
    --------
    >>> parse_amount("1 234,50 €")
    1234.5
    """
    if _blank(value):
        return None
    text = re.sub(r"[\s\u00a0\u202f€]", "", str(value)).replace("EUR", "")
    if "," in text and "." in text:  # the last separator is the decimal one
        text = text.replace(".", "").replace(",", ".") if text.rfind(",") > text.rfind(".") else text.replace(",", "")
    else:
        text = text.replace(",", ".")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise ValueError(_("not an amount: {value!r}").format(value=value)) from None
    if not amount.is_finite() or amount < 0 or not math.isfinite(float(amount)):
        raise ValueError(_("amount must be a finite non-negative number, got {value!r}").format(value=value))
    return float(amount)


def parse_territory_ref(value: str) -> str:
    """Return a territory id ``level:code`` from a reference.

    ``level:code`` is taken as is; a bare 5-character code is a commune, 9 digits an
    EPCI (its SIREN), 2 or 3 characters a département. Régions need ``region:``.

    Examples
    --------
    >>> parse_territory_ref("67482"), parse_territory_ref("67"), parse_territory_ref("region:44")
    ('commune:67482', 'departement:67', 'region:44')
    """
    text = str(value).strip()
    if ":" in text:
        level, code = (part.strip() for part in text.split(":", 1))
        level = fold(level)
        if level not in TERRITORY_LEVELS:
            raise ValueError(_("unknown territory level {level!r} (use one of {join})").format(level=level, join=', '.join(TERRITORY_LEVELS)))
        code = code.upper()
        if not code:
            raise ValueError(_("territory {text!r} has no code (write level:code, e.g. region:44)").format(text=text))
        if level == "commune":
            code = ids.normalize_commune(code)
        return f"{level}:{code}"
    code = text.upper()
    if len(code) == 5:
        return f"commune:{ids.normalize_commune(code)}"
    if len(code) == 9 and code.isdigit():
        return f"epci:{code}"
    if code in ids.departements():
        return f"departement:{code}"
    raise ValueError(_("unknown territory {text!r} (write level:code, e.g. region:44, departement:67, 67482)").format(text=text))


def _vocabulary(info: ValidationInfo):
    return (info.context or {}).get("vocabulary") or default_vocabulary()


def _codes(info: ValidationInfo, name: str, value: Any) -> list[str]:
    vocabulary = _vocabulary(info)
    return sorted({vocabulary.check(name, item) for item in split_list(value)})


class Record(BaseModel):
    """Common settings: strings stripped, blanks read as missing, extras kept aside."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")
    extra: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _blanks_are_missing(cls, data: Any) -> Any:
        if isinstance(data, dict):
            return {key: value for key, value in data.items() if not _blank(value)}
        return data


class Territory(Record):
    """A commune, EPCI, EPT, département or région."""

    code: str
    level: Literal["commune", "epci", "ept", "departement", "region"]
    name: str
    parents: list[str] = Field(default_factory=list)
    population: int | None = Field(default=None, ge=0, le=2**63 - 1)

    @field_validator("level", mode="before")
    @classmethod
    def _level(cls, value: Any) -> str:
        return fold(str(value))

    @field_validator("parents", mode="before")
    @classmethod
    def _parents(cls, value: Any) -> list[str]:
        return [parse_territory_ref(item) for item in split_list(value)]

    @model_validator(mode="after")
    def _code(self) -> "Territory":
        self.code = self.code.upper()
        if self.level == "commune":
            self.code = ids.normalize_commune(self.code)
        return self

    @property
    def id(self) -> str:
        return f"{self.level}:{self.code}"


class Actor(Record):
    """An organisation of the territory.

    Its ``id`` is stable: ``siren:…`` when a SIREN (or SIRET) is known, else ``rna:…``,
    else the user's own ``key``; all of them are kept as keys that partnerships may use.
    """

    key: str | None = None
    name: str = Field(min_length=1)
    kind: str
    commune: str | None = None
    siren: str | None = None
    siret: str | None = None
    rna: str | None = None
    themes: list[str] = Field(default_factory=list)
    offers: list[str] = Field(default_factory=list)
    seeks: list[str] = Field(default_factory=list)
    operates_in: list[str] = Field(default_factory=list)
    website: str | None = None

    _kind = field_validator("kind")(classmethod(lambda cls, v, info: _vocabulary(info).check("actor_kind", v)))
    _commune = field_validator("commune")(classmethod(lambda cls, v: ids.normalize_commune(v)))
    _siren = field_validator("siren")(classmethod(lambda cls, v: ids.normalize_siren(v)))
    _siret = field_validator("siret")(classmethod(lambda cls, v: ids.normalize_siret(v)))
    _rna = field_validator("rna")(classmethod(lambda cls, v: ids.normalize_rna(v)))
    _themes = field_validator("themes", mode="before")(
        classmethod(lambda cls, v, info: _codes(info, "theme", v)))
    _resources = field_validator("offers", "seeks", mode="before")(
        classmethod(lambda cls, v, info: _codes(info, "resource", v)))

    @field_validator("website")
    @classmethod
    def _website(cls, value: str | None) -> str | None:
        """Only web addresses: ``javascript:``, ``data:`` or ``file:`` links are refused (they would run or leak
        in a page); a bare domain is read as https."""
        if value is None:
            return None
        text = value.strip()
        scheme = re.match(r"^([A-Za-z][A-Za-z0-9+.-]*):", text)
        if scheme is None or re.match(r"^[\w.-]+\.[a-z]{2,}(:\d+)?(/|$)", text, re.IGNORECASE):
            text = f"https://{text}"
        elif scheme.group(1).lower() not in ("http", "https"):
            raise ValueError(_("website must be an http(s) address, got {value!r}").format(value=value[:60]))
        if not re.match(r"^https?://[^\s/]+", text, re.IGNORECASE) or any(c.isspace() or ord(c) < 32 for c in text):
            raise ValueError(_("website must be an http(s) address, got {value!r}").format(value=value[:60]))
        return text

    @field_validator("operates_in", mode="before")
    @classmethod
    def _areas(cls, value: Any) -> list[str]:
        return sorted({"france" if fold(item) == "france" else parse_territory_ref(item)
                       for item in split_list(value)})

    @model_validator(mode="after")
    def _identity(self) -> "Actor":
        if self.siret:
            if self.siren and self.siren != self.siret[:9]:
                raise ValueError(_("siret {siret} does not belong to siren {siren}").format(siret=self.siret, siren=self.siren))
            self.siren = self.siren or self.siret[:9]
        if not (self.key or self.siren or self.rna):
            raise ValueError(_("an actor needs an id, a siren, a siret or an rna"))
        return self

    @property
    def id(self) -> str:
        if self.siren:
            return f"siren:{self.siren}"
        if self.rna:
            return f"rna:{self.rna}"
        return self.key

    @property
    def keys(self) -> list[str]:
        """Every reference that designates this actor (its id first)."""
        found = [self.id, self.key, self.siren and f"siren:{self.siren}",
                 self.siret and f"siret:{self.siret}", self.rna and f"rna:{self.rna}"]
        return list(dict.fromkeys(key for key in found if key))


class Partnership(Record):
    """A tie between two actors; ``source`` and ``target`` are actor keys."""

    id: str | None = None
    source: str
    target: str
    kind: str
    start: str | None = None
    end: str | None = None
    themes: list[str] = Field(default_factory=list)
    amount: float | None = None
    description: str | None = None

    _kind = field_validator("kind")(
        classmethod(lambda cls, v, info: _vocabulary(info).check("partnership_kind", v)))
    _dates = field_validator("start", "end", mode="before")(classmethod(lambda cls, v: parse_date(v)))
    _amount = field_validator("amount", mode="before")(classmethod(lambda cls, v: parse_amount(v)))
    _themes = field_validator("themes", mode="before")(
        classmethod(lambda cls, v, info: _codes(info, "theme", v)))

    @model_validator(mode="after")
    def _consistent(self) -> "Partnership":
        if self.source == self.target:
            raise ValueError(_("a partnership needs two different actors"))
        if self.start and self.end and self.end < self.start:
            raise ValueError(_("end {end} is before start {start}").format(end=self.end, start=self.start))
        return self


UNDIRECTED_KINDS = frozenset({"cooperation", "co_construction", "initiative"})


def partnership_id(source: str, target: str, kind: str, start: str | None) -> str:
    """Derive a stable partnership id from its resolved ends, kind and start date.

    A cooperation written A→B or B→A is one tie: for undirected kinds the ends are sorted.

    Examples
    --------
    >>> partnership_id("a", "b", "cooperation", None) == partnership_id("b", "a", "cooperation", None)
    True
    >>> partnership_id("a", "b", "subvention", None) == partnership_id("b", "a", "subvention", None)
    False
    """
    if kind in UNDIRECTED_KINDS:
        source, target = sorted((source, target))
    digest = hashlib.sha1(f"{source}\x1f{target}\x1f{kind}\x1f{start or ''}".encode()).hexdigest()
    return f"p:{digest[:16]}"


class Member(BaseModel):
    actor: str
    role: str = "membre"


def _members(value: Any) -> list[Member]:
    members = []
    for item in split_list(value):
        actor, _sep, role = item.rpartition(":")
        if actor and fold(role) in ROLES:
            members.append(Member(actor=actor.strip(), role=fold(role)))
        else:
            members.append(Member(actor=item))
    return members


class Initiative(Record):
    """A multi-party programme; ``members`` as ``actor:role;actor:role``."""

    id: str
    name: str = Field(min_length=1)
    territory: str | None = None
    themes: list[str] = Field(default_factory=list)
    members: list[Member] = Field(default_factory=list)
    start: str | None = None
    end: str | None = None
    description: str | None = None

    _territory = field_validator("territory")(classmethod(lambda cls, v: parse_territory_ref(v)))
    _themes = field_validator("themes", mode="before")(
        classmethod(lambda cls, v, info: _codes(info, "theme", v)))
    _members = field_validator("members", mode="before")(
        classmethod(lambda cls, v: v if v and isinstance(v, list) and isinstance(v[0], dict) else _members(v)))
    _dates = field_validator("start", "end", mode="before")(classmethod(lambda cls, v: parse_date(v)))


class Need(Record):
    """An unmet local need: what is asked (themes, resources), where, and by whom."""

    id: str
    title: str = Field(min_length=1)
    territory: str | None = None
    themes: list[str] = Field(default_factory=list)
    resources: list[str] = Field(default_factory=list)
    holder: str | None = None
    status: Literal["open", "met"] = "open"
    since: str | None = None
    description: str | None = None

    _territory = field_validator("territory")(classmethod(lambda cls, v: parse_territory_ref(v)))
    _themes = field_validator("themes", mode="before")(
        classmethod(lambda cls, v, info: _codes(info, "theme", v)))
    _resources = field_validator("resources", mode="before")(
        classmethod(lambda cls, v, info: _codes(info, "resource", v)))
    _since = field_validator("since", mode="before")(classmethod(lambda cls, v: parse_date(v)))
    _status = field_validator("status", mode="before")(classmethod(lambda cls, v: fold(str(v))))

    @model_validator(mode="after")
    def _somewhere(self) -> "Need":
        if not (self.territory or self.holder):
            raise ValueError(_("a need needs a territory or a holder"))
        return self
