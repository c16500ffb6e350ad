"""Views of a projected graph: the interactive HTML page and files for Gephi and other tools."""

from .export import export
from .html import write_html

__all__ = ["export", "write_html"]
