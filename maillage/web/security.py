"""The workbench's guards: security headers, the access token, CSRF, request size.

- Every response carries a strict Content-Security-Policy (no script but the graph's own page,
  no inline style, no outside resource), ``nosniff``, no referrer and no framing by others.
- With a token (required off 127.0.0.1), every request but the login page and the stylesheet
  needs the session cookie (HTTP-only, SameSite=Strict, Secure) or ``Authorization: Bearer``.
- Every POST carries the CSRF token of the page it came from (double submit: the cookie and a
  hidden field, compared in constant time); the check runs before any handler.
- Bodies above the limit are refused (413) before they are read whole.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from urllib.parse import parse_qs

from starlette.datastructures import Headers
from starlette.responses import PlainTextResponse, RedirectResponse

__all__ = ["Guard", "PAGE_POLICY", "VIEW_POLICY", "CSRF_COOKIE", "AUTH_COOKIE", "csrf_token_of"]

PAGE_POLICY = ("default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-src 'self'; "
               "frame-ancestors 'none'; base-uri 'none'")
# the graph page is the HTML export itself: its script and styles are inline, and it fetches nothing
VIEW_POLICY = ("default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; "
               "frame-ancestors 'self'; base-uri 'none'")
CSRF_COOKIE, AUTH_COOKIE = "maillage_csrf", "maillage_session"
OPEN_PATHS = ("/login", "/static/")


def csrf_token_of(scope) -> str:
    """The CSRF token the page being rendered must embed (set by :class:`Guard` on each request)."""
    return scope["state"]["csrf"]


class Guard:
    """ASGI middleware applying the rules above around the application."""

    def __init__(self, app, token: str | None, max_body: int, secure_cookies: bool = True):
        self.app, self.token, self.max_body, self.secure = app, token, max_body, secure_cookies
        # what the session cookie holds: never the token itself
        self.session_value = hashlib.sha256(b"maillage-session:" + token.encode()).hexdigest() if token else None

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = Headers(scope=scope)
        cookies = _cookies(headers.get("cookie", ""))
        path = scope["path"]
        if self.token and not path.startswith(OPEN_PATHS) and not self._authorised(headers, cookies):
            response = (PlainTextResponse("401", status_code=401) if scope["method"] != "GET"
                        else RedirectResponse("/login?next=" + _safe_next(path), status_code=303))
            return await response(scope, receive, self._with_headers(send, None))
        length = headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_body):
            return await PlainTextResponse("413", status_code=413)(scope, receive, self._with_headers(send, None))
        csrf = cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(32)
        scope.setdefault("state", {})["csrf"] = csrf
        new_cookie = CSRF_COOKIE not in cookies
        if scope["method"] == "POST":
            receive, given = await _read_form_token(receive, headers, self.max_body)
            if given is None and headers.get("x-csrf-token"):
                given = headers["x-csrf-token"]
            if CSRF_COOKIE not in cookies or not given or not hmac.compare_digest(given, cookies[CSRF_COOKIE]):
                response = PlainTextResponse("403 CSRF", status_code=403)
                return await response(scope, receive, self._with_headers(send, None))
        return await self.app(scope, receive, self._with_headers(send, csrf if new_cookie else None))

    def _authorised(self, headers, cookies) -> bool:
        bearer = headers.get("authorization", "")
        if bearer.startswith("Bearer ") and hmac.compare_digest(bearer[7:].encode(), self.token.encode()):
            return True
        return hmac.compare_digest(cookies.get(AUTH_COOKIE, ""), self.session_value)

    def check_token(self, given: str) -> bool:
        return bool(self.token) and hmac.compare_digest(given.encode(), self.token.encode())

    def session_cookie(self) -> str:
        return _cookie(AUTH_COOKIE, self.session_value, self.secure)

    def _with_headers(self, send, csrf: str | None):
        secure = self.secure

        async def wrapped(message):
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {k.lower() for k, _v in headers}  # the graph page sets its own policy; others get PAGE_POLICY
                if b"content-security-policy" not in names:
                    headers.append((b"content-security-policy", PAGE_POLICY.encode()))
                headers += [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"no-referrer"),
                            (b"cross-origin-opener-policy", b"same-origin")]
                if csrf:
                    headers.append((b"set-cookie", _cookie(CSRF_COOKIE, csrf, secure).encode()))
                message = dict(message, headers=headers)
            await send(message)

        return wrapped


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
