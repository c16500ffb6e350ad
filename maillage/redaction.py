"""One redaction for everything that can reach a user: no password ever printed.

Every error message, banner, log line and JSON document the command line or the workbench
writes passes through :func:`redact` (the CLI wraps its output streams in
:class:`RedactingStream`, so even a traceback under ``MAILLAGE_DEBUG`` is covered). It removes

- the password of every URI's userinfo, whatever its characters (``/``, ``?``, ``#``, ``@``,
  percent-encoded or not) and in malformed URIs (``bolt:///u:pw@host``, ``bolt:/u:pw@host``);
- the value of credential parameters (``password=``, ``pwd=``, ``token=``, ``auth=``…) in a
  query, a fragment or a driver's ``Routing context`` dictionary;
- the fragment of a Neo4j URI (a password pasted there);
- every secret registered with :func:`remember_secret` (the password a store was opened with,
  the workbench's access token) and the value of ``NEO4J_PASSWORD``, wherever they stand,
  raw or percent-encoded.

It runs in linear time: no regular expression that can backtrack over a long line (a
128 KiB one-line CSV in an error message is redacted in milliseconds).
"""

from __future__ import annotations

import os
import re
from urllib.parse import quote, unquote

__all__ = ["redact", "remember_secret", "split_userinfo", "RedactingStream", "CREDENTIAL_PARAMETERS", "escape_surrogates"]

MASK = "***"
CREDENTIAL_PARAMETERS = ("password", "passwd", "pwd", "pass", "token", "auth", "secret", "credentials",
                         "apikey", "api_key", "access_token")
_SCHEME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+.-")
_NEO4J_SCHEMES = ("neo4j", "neo4j+s", "neo4j+ssc", "bolt", "bolt+s", "bolt+ssc")
# ``name=value`` or ``'name': 'value'`` (a driver's routing context) with a credential name: the
# name is matched first, then the value runs to the next separator (no nested quantifier)
_NAMES = "|".join(CREDENTIAL_PARAMETERS)
_PARAMETER = re.compile(r"(?i)(\b(?:" + _NAMES + r")=)([^&#\s'\",}]+)"
                        r"|('(?:" + _NAMES + r")': ?')([^']*)|(\"(?:" + _NAMES + r")\": ?\")([^\"]*)")
_NEO4J_URI = re.compile(r"(?i)\b(?:neo4j|bolt)(?:\+s|\+ssc)?://[^\s'\"]*")
_SURROGATE = re.compile("[\udc80-\udcff]")
_SECRETS: set[str] = set()
MIN_SECRET = 3  # shorter values would blank ordinary words; URIs still lose them by structure


def remember_secret(value: str | None) -> None:
    """Redact ``value`` (and its percent-encoded forms) from every later output."""
    if value and len(value) >= MIN_SECRET:
        _SECRETS.update({value, quote(value, safe=""), quote(value)})


def split_userinfo(uri: str) -> tuple[str, str | None, str | None, str]:
    """``(scheme, user, password, host part)`` of a URI, its password remembered as a secret.

    The userinfo runs to the *last* ``@``, so a password holding ``/``, ``?``, ``#`` or ``@``
    unencoded stays whole; user and password come back percent-decoded.

    Examples
    --------
    >>> split_userinfo("bolt://neo4j:a/b@host:7687")
    ('bolt', 'neo4j', 'a/b', 'host:7687')
    """
    scheme, _sep, rest = uri.partition("://")
    userinfo, at, hostpart = rest.rpartition("@")
    if not at:
        return scheme, None, None, rest
    user, colon, raw_password = userinfo.partition(":")
    password = None
    if colon:
        password = unquote(raw_password)
        remember_secret(raw_password)
        remember_secret(password)
    return scheme, unquote(user), password, hostpart


def redact(text) -> str:
    """Return ``text`` without any password, token or registered secret (see the module).

    Examples
    --------
    >>> redact("cannot reach BOLT://neo4j:s3cret@localhost:7687 now")
    'cannot reach BOLT://neo4j:***@localhost:7687 now'
    >>> redact("bolt:/neo4j:pw@host")
    'bolt:/neo4j:***@host'
    >>> redact("bolt://neo4j:a/b?c#d@host:7687")
    'bolt://neo4j:***@host:7687'
    >>> redact("bolt://127.0.0.1:1?password=hunter22&x=1")
    'bolt://127.0.0.1:1?password=***&x=1'
    """
    text = str(text)
    if "@" in text:
        text = " ".join(_redact_userinfo(word) if "@" in word else word for word in text.split(" "))
    if "=" in text or ":" in text:
        text = _PARAMETER.sub(lambda m: (m.group(1) or m.group(3) or m.group(5)) + MASK, text)
    if "#" in text:
        text = _redact_fragments(text)
    secrets = set(_SECRETS)
    environment = os.environ.get("NEO4J_PASSWORD")
    if environment and len(environment) >= MIN_SECRET:
        secrets.update({environment, quote(environment, safe="")})
    for secret in sorted(secrets, key=len, reverse=True):  # longest first: a secret may hold another
        if secret in text:
            text = text.replace(secret, MASK)
    return text


def _redact_userinfo(word: str) -> str:
    """``scheme:[//]user:password@host`` → ``scheme:[//]user:***@host`` (the last ``@`` ends it)."""
    # a password may hold '@' itself; tabs and newlines also separate words
    if "\t" in word or "\n" in word:
        return re.sub(r"[^\t\n]+", lambda m: _redact_userinfo(m.group(0)), word)
    at = word.rfind("@")
    colon = word.find(":", 0, at)
    while colon > 0:
        start = colon
        while start > 0 and word[start - 1] in _SCHEME_CHARS:
            start -= 1
        if start < colon and word[start].isalpha():
            body = colon + 1
            while body < at and word[body] == "/":
                body += 1
            separator = word.find(":", body, at)
            if separator >= 0:
                return word[:separator + 1] + MASK + word[at:]
            if body > colon + 1:  # scheme://user@host: nothing secret before the host
                return word
        colon = word.find(":", colon + 1, at)
    return word


def _redact_fragments(text: str) -> str:
    """Drop the fragment of Neo4j URIs (``bolt://host#secret``)."""
    def cut(match) -> str:
        uri = match.group(0)
        hash_at = uri.find("#")
        return uri if hash_at < 0 else uri[:hash_at + 1] + MASK

    return _NEO4J_URI.sub(cut, text)


def escape_surrogates(text: str, json_string: bool = False) -> str:
    r"""Show the bytes of a file name that is not UTF-8 as ``\xe9`` (Python keeps them as surrogates).

    Examples
    --------
    >>> escape_surrogates("caf\udce9.csv")
    'caf\\xe9.csv'
    """
    if text.isascii():
        return text
    escape = "\\\\x%02x" if json_string else "\\x%02x"  # inside a JSON string the backslash is doubled
    return _SURROGATE.sub(lambda m: escape % (ord(m.group(0)) - 0xDC00), text)


class RedactingStream:
    """A text stream that redacts (and escapes undecodable file names) before writing.

    It offers no ``buffer``: a writer that went to the bytes underneath (click does when a
    stream's ``errors`` look unusual) would bypass the redaction.
    """

    def __init__(self, stream):
        self._stream = stream

    def write(self, text) -> int:
        if isinstance(text, str):
            cleaned = redact(text)
            if not cleaned.isascii():
                cleaned = escape_surrogates(cleaned)
            self._stream.write(cleaned)
        else:
            self._stream.write(text)
        return len(text)

    @property
    def encoding(self):
        return getattr(self._stream, "encoding", None) or "utf-8"

    @property
    def errors(self):
        return getattr(self._stream, "errors", None) or "strict"

    def writable(self) -> bool:
        return True

    def flush(self) -> None:
        self._stream.flush()

    def isatty(self) -> bool:
        return self._stream.isatty()

    def fileno(self) -> int:
        return self._stream.fileno()

    def __getattr__(self, name):  # closed, name, mode…: the wrapped stream's; never its bytes
        if name == "buffer":
            raise AttributeError(name)
        return getattr(self._stream, name)
