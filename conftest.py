"""Shared by the tests and the doctests of maillage/: each starts in English."""

import pytest


@pytest.fixture(autouse=True)
def english_unless_asked(monkeypatch):
    """Each test starts in English, whatever the machine's locale and the previous test's --lang."""
    from maillage import i18n

    monkeypatch.setenv("MAILLAGE_LANG", "en")
    i18n.set_language(None)
    yield
    i18n.set_language(None)
