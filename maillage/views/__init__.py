"""Views of a projected graph for people: the interactive HTML page."""

from .html import write_html

__all__ = ["write_html"]
