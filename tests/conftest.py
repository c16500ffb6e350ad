"""Shared fixtures: store factories for the contract suite, and the example files."""

from __future__ import annotations

from pathlib import Path

import pytest

from maillage.graph import open_store

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
STORE_KINDS = ["sqlite"]


@pytest.fixture(params=STORE_KINDS)
def store(request, tmp_path):
    """A fresh, empty store of each kind the contract suite covers."""
    with open_store(tmp_path / "store.db") as opened:
        yield opened


@pytest.fixture
def example_files():
    return sorted(EXAMPLES.glob("*.csv"))


@pytest.fixture
def write(tmp_path):
    """Write a text file under tmp_path and return its path."""

    def _write(name: str, text: str, encoding: str = "utf-8") -> Path:
        path = tmp_path / name
        path.write_bytes(text.encode(encoding))
        return path

    return _write
