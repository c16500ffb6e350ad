"""A workbench client as a browser on this machine gets it: on 127.0.0.1, signed in by the start's link."""

from __future__ import annotations

from contextlib import contextmanager

from starlette.testclient import TestClient

LOCAL = "http://127.0.0.1:8765"


@contextmanager
def signed_in(app, sign_in: bool = True):
    """A TestClient on the local address (its lifespan run), signed in with ``app.login_path``."""
    with TestClient(app, base_url=LOCAL) as client:
        if sign_in:
            assert client.get(app.login_path, follow_redirects=False).status_code == 303
        yield client


def fresh(app, sign_in: bool = True) -> TestClient:
    """Another browser of the same workbench (no lifespan of its own)."""
    client = TestClient(app, base_url=LOCAL)
    if sign_in:
        client.get(app.login_path, follow_redirects=False)
    return client
