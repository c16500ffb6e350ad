"""The command line in the run's language: ``--lang``, translated help, click's own messages.

click reads help strings when the module is imported, before any option is parsed, so they
are only marked (:func:`maillage.i18n.N_`) and translated when help is shown. ``--lang`` is
taken out of the arguments before click parses them, wherever it stands, so that
``maillage gaps --lang fr --help`` is French from its first word. click's own messages
(« Usage », « Options », its errors) go through its gettext calls, pointed at our catalogue.
"""

from __future__ import annotations

import inspect
import sys
from contextlib import contextmanager

import click

from .i18n import LANGUAGES, N_, _, ngettext, set_language

__all__ = ["TranslatedCommand", "TranslatedGroup", "take_language", "install_click_translations"]

_CLICK_MODULES = ("core", "decorators", "exceptions", "formatting", "parser", "termui", "types", "utils",
                  "shell_completion")


def take_language(args: list[str]) -> tuple[list[str], str | None]:
    """``args`` without ``--lang X`` / ``--lang=X``, and X (None when absent).

    Examples
    --------
    >>> take_language(["gaps", "--lang", "fr", "--top", "3"])
    (['gaps', '--top', '3'], 'fr')
    """
    kept, chosen, i = [], None, 0
    while i < len(args):
        arg = args[i]
        if arg == "--":
            kept += args[i:]
            break
        if arg == "--lang" and i + 1 < len(args):
            chosen, i = args[i + 1], i + 2
            continue
        if arg.startswith("--lang="):
            chosen, i = arg.split("=", 1)[1], i + 1
            continue
        kept.append(arg)
        i += 1
    return kept, chosen


def start(args) -> list[str]:
    """Set the run's language from ``args`` (or the environment); return the arguments left for click."""
    args = list(sys.argv[1:] if args is None else args)
    args, chosen = take_language(args)
    if chosen is not None and chosen not in LANGUAGES:
        set_language(None)
        click.echo(_("Error: --lang must be one of {choices}, got {value!r}.").format(
            choices=", ".join(LANGUAGES), value=chosen), err=True)
        sys.exit(2)
    set_language(chosen)
    install_click_translations()
    return args


def install_click_translations() -> None:
    """Point click's gettext calls at maillage's catalogue (click translates through gettext)."""
    import importlib

    for name in _CLICK_MODULES:
        module = importlib.import_module(f"click.{name}")
        if hasattr(module, "_"):
            module._ = _
        if hasattr(module, "ngettext"):
            module.ngettext = ngettext


HELP_OPTION_TEXT = N_("Show this message and exit.")  # click's msgid, kept untranslated on the option


@contextmanager
def translated_help(command: click.Command, ctx: click.Context | None = None):
    """Show ``command``'s help, epilog and options' help in the run's language for one rendering."""
    params = command.get_params(ctx) if ctx is not None else command.params
    saved = (command.help, command.epilog, command.short_help, [(p, getattr(p, "help", None)) for p in params])
    try:
        if command.help:
            command.help = _(inspect.cleandoc(command.help))
        if command.epilog:
            command.epilog = _(command.epilog)
        if command.short_help:
            command.short_help = _(command.short_help)
        for param, text in saved[3]:
            if text:
                param.help = _(text)
        yield
    finally:
        command.help, command.epilog, command.short_help = saved[:3]
        for param, text in saved[3]:
            if hasattr(param, "help"):
                param.help = text


def english_help_option(option):
    """click words ``--help``'s own help once, in the language of the first call: keep its msgid."""
    if option is not None and not getattr(option, "_maillage_msgid", False):
        option.help, option._maillage_msgid = HELP_OPTION_TEXT, True  # translated when help is shown
    return option


class _Translated:
    """Help, options' help and short help shown in the run's language (mixed into click's classes)."""

    def get_help_option(self, ctx):
        return english_help_option(super().get_help_option(ctx))

    def format_help(self, ctx, formatter):
        with translated_help(self, ctx):
            super().format_help(ctx, formatter)

    def get_short_help_str(self, limit: int = 45) -> str:
        with translated_help(self):
            return super().get_short_help_str(limit)


class TranslatedCommand(_Translated, click.Command):
    """A command whose help is shown in the run's language."""


class TranslatedGroup(_Translated, click.Group):
    """A group of commands (``maillage team``) whose help, and its commands', is in the run's language."""

    command_class = TranslatedCommand
