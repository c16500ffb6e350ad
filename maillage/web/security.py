"""The workbench's guards: security headers, the access token, CSRF, request size.

- Every request names a ``Host`` the workbench serves (the local names, the address it listens
  on, and ``--allow-host`` for a reverse proxy): a page rebound by DNS to 127.0.0.1 still says
  ``evil.example`` and is refused (400). A state-changing request whose ``Origin`` is not the
  workbench's own (another site, or another port of this machine) is refused (403).
- There is always a secret: the token given (``MAILLAGE_TOKEN``, ``--token-file``), else one drawn
  at each start and shown only in the start line's login link (``/login?key=…``). Every request
  but the login page and the stylesheet needs the session cookie (HTTP-only, SameSite=Strict)
  or ``Authorization: Bearer``, so another Unix account of the machine, which can reach
  127.0.0.1 but not the terminal, cannot read or write anything.
- People with an account (:mod:`maillage.web.accounts`) sign in with their name and password;
  their session cookie is signed with the store's own secret and checked against their account on
  each request (a removed person is signed out). The request's ``state["user"]`` says who it is
  (``name`` None for the start's token, which has an administrator's rights) and with which role.
- Every POST from a browser carries the CSRF token of its session: an HMAC of the session under
  the start's secret, checked in constant time before any handler. A page on another local
  port can set cookies for 127.0.0.1, but it cannot compute that token.
- Every response carries a strict Content-Security-Policy (no script but the workbench's own
  suggestion script and the graph's own page, no inline script or style, no outside resource), ``nosniff``, no referrer and no framing by others.
- Bodies above the limit are refused (413) before they are read whole.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from urllib.parse import parse_qs

from starlette.datastructures import Headers
from starlette.responses import PlainTextResponse, RedirectResponse

__all__ = ["Guard", "PAGE_POLICY", "VIEW_POLICY", "AUTH_COOKIE", "LOCAL_NAMES", "csrf_token_of"]

# one script of our own (suggestions as one types, /static/suggest.js), fetching only from here
PAGE_POLICY = ("default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'; img-src 'self' data:; "
               "form-action 'self'; frame-src 'self'; frame-ancestors 'none'; base-uri 'none'")
# the graph page is the HTML export itself: its script and styles are inline, and it fetches nothing
VIEW_POLICY = ("default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; "
               "frame-ancestors 'self'; base-uri 'none'")
AUTH_COOKIE = "maillage_session"
OPEN_PATHS = ("/login", "/static/", "/invite")
LOCAL_NAMES = ("127.0.0.1", "localhost", "::1")


def csrf_token_of(scope) -> str:
    """The CSRF token the page being rendered must embed (set by :class:`Guard` on each request)."""
    return scope["state"]["csrf"]


class Guard:
    """ASGI middleware applying the rules above around the application.

    ``token`` None draws a secret for this start (:attr:`login_path` is the link that opens a
    session with it). ``allowed_hosts`` adds host names to the local ones.
    """

    def __init__(self, app, token: str | None, max_body: int, secure_cookies: bool = True,
                 allowed_hosts: tuple[str, ...] = (), people=None):
        self.app, self.max_body, self.secure, self.people = app, max_body, secure_cookies, people
        self.token = token or secrets.token_urlsafe(32)
        self.drawn = token is None
        self.hosts = {_host_name(name) for name in (*LOCAL_NAMES, *allowed_hosts)}
        key = self.token.encode()
        # what the session cookie holds (never the token itself), and the CSRF token of each state
        self.session_value = hmac.new(key, b"maillage-session", hashlib.sha256).hexdigest()
        self._csrf_key = hmac.new(key, b"maillage-csrf", hashlib.sha256).digest()

    @property
    def login_path(self) -> str:
        return "/login?key=" + self.token

    def csrf_for(self, session: str | None) -> str:
        """The CSRF token of a session (or of the login page, before any session)."""
        return hmac.new(self._csrf_key, (session or "anonymous").encode(), hashlib.sha256).hexdigest()

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = Headers(scope=scope)
        refusal = self._refusal(scope, headers)
        if refusal is not None:
            return await refusal(scope, receive, self._with_headers(send))
        cookies = _cookies(headers.get("cookie", ""))
        path = scope["path"]
        bearer = self._bearer(headers)
        session, user = self._session(cookies.get(AUTH_COOKIE, ""))
        user = bearer or user
        scope.setdefault("state", {})["user"] = user
        if not (bearer or session) and not path.startswith(OPEN_PATHS):
            response = (PlainTextResponse("401", status_code=401) if scope["method"] != "GET"
                        else RedirectResponse("/login?next=" + _safe_next(path), status_code=303))
            return await response(scope, receive, self._with_headers(send))
        length = headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_body):
            return await PlainTextResponse("413", status_code=413)(scope, receive, self._with_headers(send))
        expected = self.csrf_for(session)
        scope["state"]["csrf"] = expected
        if scope["method"] == "POST" and not bearer:  # a script with the token sends no cookie a page could abuse
            receive, given = await _read_form_token(receive, headers, self.max_body)
            if given is None and headers.get("x-csrf-token"):
                given = headers["x-csrf-token"]
            if not given or not hmac.compare_digest(given.encode(), expected.encode()):
                response = PlainTextResponse("403 CSRF", status_code=403)
                return await response(scope, receive, self._with_headers(send))
        return await self.app(scope, receive, self._with_headers(send))

    def _refusal(self, scope, headers):
        """400 for a Host the workbench does not serve; 403 for a write from another origin."""
        host = headers.get("host", "")
        if _host_name(host) not in self.hosts:
            return PlainTextResponse("400 unknown host " + host[:100], status_code=400)
        if scope["method"] not in ("GET", "HEAD", "OPTIONS") and not self._same_origin(scope, headers, host):
            return PlainTextResponse("403 foreign origin", status_code=403)
        return None

    @staticmethod
    def _same_origin(scope, headers, host: str) -> bool:
        """Whether a write comes from the workbench's own pages. Under our no-referrer policy a
        browser sends ``Origin: null``; then its ``Sec-Fetch-Site`` tells (another local port is
        « same-site », not « same-origin »). Scripts send neither and still need the token."""
        origin = headers.get("origin")
        if origin is not None and origin != "null":
            scheme = "https" if scope.get("scheme") == "https" else "http"
            return origin.lower() == f"{scheme}://{host}".lower()
        return headers.get("sec-fetch-site") in (None, "same-origin", "none")

    def _bearer(self, headers) -> dict | None:
        bearer = headers.get("authorization", "")
        return self.check_token(bearer[7:]) if bearer.startswith("Bearer ") else None

    def check_token(self, given: str) -> dict | None:
        """The start's token signs in its owner, with an administrator's rights; any other, no one."""
        if given and hmac.compare_digest(given.encode(), self.token.encode()):
            return {"name": None, "role": "admin"}
        return None

    def _session(self, value: str) -> tuple[str | None, dict | None]:
        """(the session, who it is) from the session cookie; (None, None) when it is not ours."""
        if value and hmac.compare_digest(value, self.session_value):
            return value, {"name": None, "role": "admin"}
        user = self.people.user_of(value) if value and self.people is not None else None
        return (value, user) if user else (None, None)

    def session_cookie(self, user: dict | None = None) -> str:
        """The cookie that opens a session for ``user`` (the start's owner when None or unnamed)."""
        if user is None or user.get("name") is None:
            return _cookie(AUTH_COOKIE, self.session_value, self.secure)
        return _cookie(AUTH_COOKIE, self.people.session_value(user["name"]), self.secure)

    def ended_session_cookie(self) -> str:
        return _cookie(AUTH_COOKIE, "", self.secure) + "; Max-Age=0"

    def _with_headers(self, send):
        async def wrapped(message):
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {k.lower() for k, _v in headers}  # the graph page sets its own policy; others get PAGE_POLICY
                if b"content-security-policy" not in names:
                    headers.append((b"content-security-policy", PAGE_POLICY.encode()))
                headers += [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"no-referrer"),
                            (b"cross-origin-opener-policy", b"same-origin")]
                message = dict(message, headers=headers)
            await send(message)

        return wrapped


def _host_name(host: str) -> str:
    """``Host`` without its port, lower-case (``[::1]:8765`` → ``::1``)."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1:host.find("]")] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def _cookie(name: str, value: str, secure: bool) -> str:
    return f"{name}={value}; Path=/; HttpOnly; SameSite=Strict" + ("; Secure" if secure else "")


def _cookies(header: str) -> dict[str, str]:
    out = {}
    for part in header.split(";"):
        name, _sep, value = part.strip().partition("=")
        if name:
            out[name] = value
    return out


def _safe_next(path: str) -> str:
    return path if path.startswith("/") and not path.startswith("//") else "/"


async def _read_form_token(receive, headers, limit: int):
    """Read the whole body (at most ``limit`` bytes) to find ``csrf``; replay it to the application."""
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return receive, None
        chunks.append(chunk)
        if not message.get("more_body"):
            break
    body = b"".join(chunks)
    given = None
    kind = headers.get("content-type", "")
    if kind.startswith("application/x-www-form-urlencoded"):
        given = (parse_qs(body.decode("latin-1")).get("csrf") or [None])[0]
    elif kind.startswith("multipart/form-data"):
        given = _multipart_field(body, kind, "csrf")
    sent = False

    async def replay():
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay, given


def _multipart_field(body: bytes, content_type: str, name: str) -> str | None:
    boundary = content_type.split("boundary=", 1)[-1].strip().strip('"').encode()
    for part in body.split(b"--" + boundary):
        head, _sep, value = part.partition(b"\r\n\r\n")
        if f'name="{name}"'.encode() in head:
            return value.rstrip(b"\r\n").decode("utf-8", "replace")
    return None
