"""The analyses intermediaries ask for, each a function of a projected graph returning plain dicts."""

from .allies import allies
from .bridges import bridges
from .evaluate import evaluate
from .gaps import gaps
from .profile import profile

__all__ = ["gaps", "bridges", "allies", "profile", "evaluate"]
