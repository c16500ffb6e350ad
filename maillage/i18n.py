"""One language per run: the message catalogues, the run's language, numbers written its way.

Messages are written in English in the code, wrapped in :func:`_` (or :func:`N_` where the
text is only marked, as click's help strings are, and translated when shown). The French
catalogue is ``maillage/locale/fr/LC_MESSAGES/maillage.po``; ``scripts/i18n-extract`` gathers
every marked message into it, and ``tests/test_i18n.py`` checks that each has its translation
with the same placeholders and that no user-facing text is written outside the catalogues.

The language is French when ``--lang fr``, ``MAILLAGE_LANG=fr`` or the locale
(``LANGUAGE``, ``LC_ALL``, ``LC_MESSAGES``, ``LANG``, in that order) starts with ``fr``,
English otherwise. It is held in a context variable, so a web request or a test can use
its own without touching the others.

Examples
--------
>>> with language("fr"):
...     _("none")
'aucun'
>>> with language("en"):
...     number(12345.678, 1)
'12,345.7'
>>> with language("fr"):
...     number(12345.678, 1)
'12\u202f345,7'
"""

from __future__ import annotations

import re

import contextvars
import os
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

__all__ = ["LANGUAGES", "detect_language", "set_language", "current_language", "language", "_", "N_", "ngettext",
           "number", "percent", "date_text", "catalogue", "join"]

LANGUAGES = ("en", "fr")
LOCALE_DIR = Path(__file__).parent / "locale"
_BABEL_LOCALES = {"en": "en_GB", "fr": "fr_FR"}
_current: contextvars.ContextVar[str | None] = contextvars.ContextVar("maillage_language", default=None)


def detect_language(explicit: str | None = None, environ=None) -> str:
    """The run's language: ``explicit``, else ``MAILLAGE_LANG``, else the locale; ``en`` unless French.

    Examples
    --------
    >>> detect_language(environ={"LANG": "fr_FR.UTF-8"})
    'fr'
    >>> detect_language(environ={"LANG": "fr_FR.UTF-8", "LC_ALL": "C.UTF-8"})
    'en'
    >>> detect_language("en", environ={"MAILLAGE_LANG": "fr"})
    'en'
    """
    environ = os.environ if environ is None else environ
    for value in (explicit, environ.get("MAILLAGE_LANG"), environ.get("LANGUAGE", "").split(":")[0],
                  environ.get("LC_ALL"), environ.get("LC_MESSAGES"), environ.get("LANG")):
        if value:
            return "fr" if value.lower().startswith("fr") else "en"
    return "en"


def set_language(code: str | None) -> str:
    """Make ``code`` (or the detected language when None) the language of this context; return it."""
    chosen = detect_language(code)
    _current.set(chosen)
    return chosen


def current_language() -> str:
    value = _current.get()
    return value if value is not None else detect_language()


@contextmanager
def language(code: str):
    """Run a block in one language (a web request, a test)."""
    token = _current.set(detect_language(code))
    try:
        yield
    finally:
        _current.reset(token)


@lru_cache(maxsize=None)
def catalogue(code: str) -> dict:
    """``msgid`` → translation (str, or a tuple of plural forms) of one language's catalogue."""
    if code == "en":
        return {}
    from babel.messages.pofile import read_po

    path = LOCALE_DIR / code / "LC_MESSAGES" / "maillage.po"
    with path.open("rb") as handle:
        parsed = read_po(handle, locale=code)
    out = {}
    for message in parsed:
        if not message.id or message.fuzzy:
            continue
        key = message.id[0] if isinstance(message.id, (tuple, list)) else message.id
        if isinstance(message.string, (tuple, list)):
            if all(message.string):
                out[key] = tuple(message.string)
        elif message.string:
            out[key] = message.string
    return out


# « de » before a vowel is « d' » in French: « Alliés potentiels d'IBM France », « voisinage d'Emmaüs ».
# The translations elide their own words; only a value put into a message can meet an unelided « de ».
_ELISION = re.compile(r"\b([Dd])e ([AEIOUYÉÈÊËÀÂÎÏÔÛÙÆŒaeiouyéèêëàâîïôûùæœ])")


class _French(str):
    """A French message whose ``format`` elides « de » before the values put into it."""

    def format(self, *args, **kwargs) -> str:
        return _ELISION.sub(r"\1'\2", str.format(self, *args, **kwargs))


def _(message: str) -> str:
    """``message`` in the run's language (itself when there is no translation).

    Examples
    --------
    >>> _French("voisinage de {name}").format(name="IBM France")
    "voisinage d'IBM France"
    """
    code = current_language()
    found = catalogue(code).get(message)
    if not isinstance(found, str):
        return message
    return _French(found) if code == "fr" else found


def N_(message: str) -> str:
    """Mark ``message`` for the catalogue without translating it now (help strings, tables)."""
    return message


def ngettext(singular: str, plural: str, count: int) -> str:
    """The singular or plural form for ``count`` in the run's language (French: 0 and 1 singular)."""
    code = current_language()
    found = catalogue(code).get(singular)
    one = count in (0, 1) if code == "fr" else count == 1
    if isinstance(found, tuple):
        chosen = found[0] if one else found[1]
        return _French(chosen) if code == "fr" else chosen
    return singular if one else plural


def number(value: float, digits: int = 0) -> str:
    """``value`` with ``digits`` decimals, grouped the run language's way."""
    from babel.numbers import format_decimal

    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(value, format=pattern, locale=_BABEL_LOCALES[current_language()])


def percent(value: float, digits: int = 1) -> str:
    """A share (0.184) as a percentage (« 18,4 % » in French, "18.4%" in English)."""
    return number(value * 100, digits) + ("\u00a0%" if current_language() == "fr" else "%")


def date_text(iso: str) -> str:
    """An ISO date (2026-11-27) as people write it: « 27 novembre 2026 », "27 November 2026"."""
    from datetime import date

    from babel.dates import format_date

    try:
        day = date.fromisoformat(str(iso))
    except ValueError:
        return str(iso)
    text = format_date(day, format="long", locale=_BABEL_LOCALES[current_language()])
    # the first of the month is « 1er » in French (« 1er janvier 2015 »), which Babel does not write
    return "1er" + text[1:] if current_language() == "fr" and day.day == 1 and text.startswith("1 ") else text


def join(items, last: bool = True) -> str:
    """Items as a sentence's list: « a, b et c » / "a, b and c"."""
    items = [str(item) for item in items]
    if len(items) < 2 or not last:
        return ", ".join(items)
    return _("{items} and {last}").format(items=", ".join(items[:-1]), last=items[-1])
