"""``python -m maillage``: the command line."""

from .cli import main

main()
