"""The analyses intermediaries ask for, each a function of a projected graph returning plain dicts."""

from .gaps import gaps

__all__ = ["gaps"]
