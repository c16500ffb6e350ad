"""Starting the workbench: the token rule, the store check, uvicorn."""

from __future__ import annotations

import os
import threading
import webbrowser

from ..errors import UsageError
from ..graph import open_store
from ..i18n import _, number
from ..redaction import redact

__all__ = ["run", "read_token", "served_names", "LOCAL_HOSTS"]

LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")
WORKERS_FROM = 5_000  # actors


def read_token(token_file: str | None) -> str | None:
    """The access token from ``token_file`` or ``MAILLAGE_TOKEN`` (None when neither is set)."""
    if token_file:
        with open(token_file, encoding="utf-8") as handle:
            token = handle.read().strip()
    else:
        token = os.environ.get("MAILLAGE_TOKEN", "").strip()
    if token and len(token) < 16:
        raise UsageError(_("the access token must be at least 16 characters long"))
    return token or None


def served_names(host: str, allowed: tuple[str, ...] = ()) -> tuple[str, ...]:
    """The host names requests may carry: the one served, the machine's own when every
    interface is served, and those allowed for a reverse proxy."""
    names = [host, *allowed]
    if host in ("0.0.0.0", "::", ""):
        import socket

        names += [socket.gethostname(), socket.getfqdn()]
    return tuple(name for name in names if name)


def run(store: str, host: str = "127.0.0.1", port: int = 8765, token_file: str | None = None,
        open_browser: bool = False, ssl_certfile: str | None = None, ssl_keyfile: str | None = None,
        workers: int | None = None, allowed_hosts: tuple[str, ...] = (), echo=print) -> None:
    """Check the store and the token rule, then serve until interrupted.

    Without a token, a secret is drawn for this start and the start line is the login link.
    """
    import uvicorn

    from .app import create_app

    token = read_token(token_file)
    if host not in LOCAL_HOSTS and not token:
        raise UsageError(_("--host {host} opens the workbench to the network: set MAILLAGE_TOKEN or --token-file "
                           "first").format(host=host))
    with open_store(store, read_only=True) as source:  # a missing or foreign store fails here, with its message
        actors = source.stats()["actors"]
    if workers is None:  # analyses in worker processes once they take long enough to matter
        workers = min(os.cpu_count() or 1, 4) if actors > WORKERS_FROM else 0
    local_http = host in LOCAL_HOSTS and not ssl_certfile
    scheme = "https" if ssl_certfile else "http"
    address = f"{scheme}://{'[' + host + ']' if ':' in host else host}:{port}/"

    def announce() -> None:  # the address is printed when the server can answer, not before
        link = address + app.login_path[1:] if app.drawn else address
        echo(_("maillage workbench on {address} (store {store}); Ctrl+C stops it").format(address=link,
                                                                                           store=redact(store)))
        if open_browser:
            threading.Timer(0.5, webbrowser.open, (link,)).start()

    app = create_app(store, token=token, secure_cookies=not local_http, workers=workers,
                     allowed_hosts=served_names(host, allowed_hosts), on_ready=announce)
    if actors > WORKERS_FROM:
        echo(_("preparing the workbench over {count} actors; its address follows once it can answer").format(
            count=number(actors)))
    # Ctrl+C or SIGTERM: requests still computing get 3 s, then the server and its workers stop
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False, server_header=False,
                ssl_certfile=ssl_certfile, ssl_keyfile=ssl_keyfile, timeout_graceful_shutdown=3)
