"""The intermediary's workbench (``maillage serve``): pages over the same library and stores."""

from .app import create_app

__all__ = ["create_app"]
