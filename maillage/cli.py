"""The ``maillage`` command line: thin commands over the library.

Each command parses its options, calls one library function, turns library errors into
exit codes (1: bad data or store; 2: bad usage) and prints.
"""

from __future__ import annotations

import functools
import json
import os
import signal
import sqlite3
import sys
from contextlib import contextmanager
from pathlib import Path

import click

from . import __version__
from .errors import DataError, MaillageError, NotFoundError, StoreError, UsageError
from .graph import default_store_uri, open_store
from .redaction import RedactingStream, escape_surrogates, redact, remember_secret, split_userinfo
from .graph.projection import today
from .model import parse_date, parse_territory_ref
from .loaders.formats import ENCODINGS, FORMATS
from .loaders.kinds import KIND_ORDER
from .loaders.pipeline import ON_ERROR, load_files
from .loaders.columns import parse_mapping
from .loaders.opendata import SOURCES
from .vocabulary import Vocabulary, default_vocabulary
from .cli_language import TranslatedCommand, TranslatedGroup, english_help_option, translated_help
from .cli_language import start as start_language
from .i18n import LANGUAGES, N_, _, ngettext, number
from .render import (allies_lines, bridges_lines, evaluate_lines, export_lines, gaps_lines, profile_lines,
                     scope_line, stats_lines)

PROGRESS_MIN_BYTES = 256 * 1024

store_option = click.option("--store", envvar="MAILLAGE_STORE", default=default_store_uri, show_default="./maillage.db",
                            help=N_("SQLite file or neo4j:// / bolt:// URI (env MAILLAGE_STORE)."))
json_option = click.option("--json", "as_json", is_flag=True, help=N_("Print machine-readable JSON."))
explain_option = click.option("--explain", is_flag=True,
                              help=N_("Name the measure behind each reason, with its value."))


def _echo_json(value) -> None:
    # a file name that is not UTF-8 holds surrogates: written as "\\xe9" it stays valid JSON
    click.echo(escape_surrogates(json.dumps(value, ensure_ascii=False, indent=2, sort_keys=False), json_string=True))


@contextmanager
def _errors():
    """Turn library errors into click's exit codes (passwords in URIs never shown)."""
    try:
        yield
    except UsageError as exc:
        raise click.UsageError(redact(str(exc))) from exc
    except (DataError, StoreError, NotFoundError, MaillageError) as exc:
        raise click.ClickException(redact(str(exc))) from exc
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            raise click.ClickException(_("the store is busy ({exc}): another program holds its lock").format(exc=exc)) from exc
        raise click.ClickException(_("the store cannot be read: {exc}").format(exc=exc)) from exc
    except sqlite3.DatabaseError as exc:
        raise click.ClickException(_("the database file is damaged or is not SQLite ({exc})").format(exc=exc)) from exc


@contextmanager
def _progress(enabled: bool, label: str):
    """A progress bar on stderr when it is a terminal; yields the library's callback."""
    if not enabled or not sys.stderr.isatty():
        yield None
        return
    bar = None
    shown = 0

    def update(done: int, total: int) -> None:
        nonlocal bar, shown
        if bar is None and total >= PROGRESS_MIN_BYTES:
            bar = click.progressbar(length=total, label=label, file=sys.stderr).__enter__()
        if bar is not None:
            bar.update(done - shown)
            shown = done

    try:
        yield update
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)


@contextmanager
def _stages(enabled: bool = True):
    """The stages of a long analysis on stderr when it is a terminal; yields the library's callback."""
    if not enabled or not sys.stderr.isatty():
        yield None
        return

    def show(done: int, total: int, stage: str) -> None:
        line = f"[{done + 1}/{total}] {_(stage)}…" if stage else ""
        click.echo("\r\033[K" + line, err=True, nl=False)

    try:
        yield show
    finally:
        click.echo("\r\033[K", err=True, nl=False)


def _redact_outputs(args) -> None:
    """Route stdout and stderr through the one redaction, knowing the run's secrets up front.

    Every password given on the line or in the environment is remembered before anything runs,
    so no message (a driver's, a traceback under MAILLAGE_DEBUG, a --json document) can show it.
    """
    for value in [*args, os.environ.get("MAILLAGE_STORE", "")]:
        if "://" in str(value):
            split_userinfo(str(value))  # remembers the password
    remember_secret(os.environ.get("NEO4J_PASSWORD"))
    remember_secret(os.environ.get("MAILLAGE_TOKEN"))
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        if not isinstance(stream, RedactingStream):
            setattr(sys, name, RedactingStream(stream))


class _Group(click.Group):
    """The command group; with ``--json``, even a usage error prints one JSON document on stdout.

    It sets the run's language before click parses anything (``--lang`` may stand anywhere).
    """

    command_class = TranslatedCommand

    def main(self, args=None, *posargs, **kwargs):
        _redact_outputs(sys.argv[1:] if args is None else args)
        return super().main(start_language(args), *posargs, **kwargs)

    def get_help_option(self, ctx):
        return english_help_option(super().get_help_option(ctx))

    def format_help(self, ctx, formatter):
        with translated_help(self, ctx):
            super().format_help(ctx, formatter)

    def parse_args(self, ctx, args):
        ctx.meta["argv"] = list(args)
        return super().parse_args(ctx, args)

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except click.UsageError as exc:
            if "--json" in ctx.meta.get("argv", []) and not ctx.meta.get("json_printed"):
                _echo_json({"status": "failed", "error": exc.format_message(), "error_type": "UsageError",
                            "file": None, "line": None, "exit_code": 2})
            raise
        except (click.ClickException, click.exceptions.Exit, click.Abort, SystemExit, KeyboardInterrupt):
            raise
        except BrokenPipeError:  # the reader went away (`maillage gaps | head`): stop quietly
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            raise SystemExit(0) from None
        except Exception as exc:  # a bug, never bad input: say so in one line, the traceback on request
            if os.environ.get("MAILLAGE_DEBUG"):
                raise
            raise click.ClickException(_("unexpected error ({name}: {value}); this is a bug in maillage: please report it, with MAILLAGE_DEBUG=1 for the details").format(name=type(exc).__name__, value=redact(str(exc))[:300])) from exc


QUICK_START = N_("""\b
Quick start:
  maillage demo --out maillage-demo           # the example ecosystem, its gaps and its view
  maillage load actors.csv partnerships.csv   # your own files, into ./maillage.db
  maillage gaps                               # who could meet each open need, through whom
Shell completion: eval "$(_MAILLAGE_COMPLETE=bash_source maillage)" (zsh_source, fish_source).""")


@click.group(cls=_Group, epilog=QUICK_START)
@click.version_option(__version__, prog_name="maillage")
@click.option("--lang", type=click.Choice(LANGUAGES), expose_value=False,
              help=N_("Language of the output: fr or en, anywhere on the line (default: MAILLAGE_LANG, "
                      "then the locale)."))
def cli():
    """maillage: a territory's actors and partnerships as a knowledge graph."""


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@store_option
@click.option("--kind", type=click.Choice(KIND_ORDER), help=N_("What the files hold (default: from their columns)."))
@click.option("--format", "fmt", type=click.Choice(FORMATS), help=N_("File format (default: from the suffix)."))
@click.option("--encoding", type=click.Choice(ENCODINGS, case_sensitive=False), help=N_("Default: detected."))
@click.option("--vocabulary", type=click.Path(exists=True, dir_okay=False), help=N_("File of extra vocabulary codes."))
@click.option("--dry-run", is_flag=True, help=N_("Validate everything, write nothing."))
@click.option("--on-error", type=click.Choice(ON_ERROR), default="abort", show_default=True,
              help=N_("abort: load nothing if a row is bad; skip: load the good rows, report the bad."))
@click.option("--batch-size", type=click.IntRange(1), default=5000, show_default=True)
@click.option("--source", type=click.Choice(sorted(SOURCES)),
              help=N_("Read FILES as published open data (default: detected from their names and headers)."))
@click.option("--departement", "departements", multiple=True, help=N_("Open data: keep this département (repeatable)."))
@click.option("--commune", "communes", multiple=True, help=N_("Open data: keep this commune (INSEE code, repeatable)."))
@click.option("--include-dissolved", is_flag=True, help=N_("RNA: keep dissolved associations (flagged)."))
@click.option("--grantor", help=N_("Subsidy files that name no grantor: its SIREN, SIRET or name "
                                   "(e.g. 224900019 for the Département de Maine-et-Loire)."))
@click.option("--map", "mapping", multiple=True, metavar="COLUMN=FIELD",
              help=N_("Read a column of your files as one of maillage's (e.g. \"Nom=name\"; repeatable). French "
                      "headers such as Nom, Type, Code INSEE, Thèmes, Porteur are recognised without it."))
@click.option("--quiet", "-q", is_flag=True, help=N_("No progress bar, no summary."))
@click.option("--wait", type=click.FloatRange(0), default=30, show_default=True,
              help=N_("Seconds to wait for another load holding the store (SQLite) before giving up."))
@json_option
@click.option("--bulk", "bulk_home", type=click.Path(exists=True, file_okay=False),
              help=N_("Import into a new database of the stopped Neo4j at this home with neo4j-admin (first "
                      "national loads; see README)."))
@click.option("--database", default="neo4j", show_default=True, help=N_("With --bulk: the database to create."))
def load(files, store, kind, fmt, encoding, vocabulary, dry_run, on_error, batch_size, source, departements,
         communes, include_dissolved, grantor, mapping, quiet, wait, bulk_home, database, as_json):
    """Load actors, partnerships, initiatives, needs and territories from FILES (CSV, JSON, JSON Lines),
    or French open data as published (COG, RNA, SIRENE, SCDL subsidies, DECP public contracts, the State's « jaune » and réserve parlementaire subsidies, QPV).

    The files are loaded in dependency order as one unit: all or nothing.

    Example: maillage load actors.csv partnerships.csv needs.csv --on-error skip
    """
    signal.signal(signal.SIGTERM, _exit_on_sigterm)  # a terminated load cleans up like an interrupted one
    with _errors():
        columns = parse_mapping(mapping) or None
    if bulk_home:
        if dry_run:
            raise click.UsageError(_("--bulk and --dry-run exclude each other"))
        return _bulk(files, bulk_home, database, as_json, quiet, kind=kind, fmt=fmt, on_error=on_error,
                     encoding=encoding, batch_size=batch_size, source=source, departements=departements or None,
                     communes=communes or None, include_dissolved=include_dissolved, vocabulary=vocabulary,
                     columns=columns)
    with _errors(), _json_failure(as_json), _no_new_store_on_failure(store):
        vocab = Vocabulary.from_file(vocabulary) if vocabulary else None
        options = {} if "://" in str(store) else {"timeout": wait}
        with open_store(store, **options) as target, _progress(not quiet and not as_json, "loading") as progress:
            try:
                report = load_files(target, files, kind=kind, fmt=fmt, on_error=on_error, dry_run=dry_run,
                                    encoding=encoding, vocabulary=vocab, batch_size=batch_size, progress=progress,
                                    source=source, departements=departements or None, communes=communes or None,
                                    include_dissolved=include_dissolved, grantor=grantor, columns=columns)
            except DataError as exc:
                if exc.report is None:
                    raise
                _print_report(exc.report, as_json, quiet)
                raise click.ClickException(str(exc)) if not as_json else SystemExit(1)
        _print_report(report, as_json, quiet)
        _fail_on_bad_rows(report, as_json)


def _fail_on_bad_rows(report, as_json: bool) -> None:
    """A dry run that found bad rows, or a skip-mode load that rejected every row, exits 1:
    a script must not read either as a success."""
    bad = report.bad_rows or report.error_count
    if report.status == "dry_run" and bad:
        message = ngettext("dry run: {count} bad row; nothing was written",
                           "dry run: {count} bad rows; nothing was written", bad).format(count=number(bad))
    elif report.status == "committed" and bad and not report.loaded:
        message = ngettext("every row was rejected ({count} bad row): nothing was loaded",
                           "every row was rejected ({count} bad rows): nothing was loaded", bad).format(
            count=number(bad))
    else:
        return
    if as_json:
        raise SystemExit(1)
    raise click.ClickException(message)


def _bulk(files, home, database, as_json, quiet, vocabulary, **options) -> None:
    from .graph.bulk import bulk_load

    with _errors(), _json_failure(as_json):
        vocab = Vocabulary.from_file(vocabulary) if vocabulary else None
        try:
            result = bulk_load(files, home, database, vocabulary=vocab, **options)
        except DataError as exc:
            if exc.report is None:
                raise
            _print_report(exc.report, as_json, quiet)
            raise click.ClickException(str(exc)) if not as_json else SystemExit(1)
    if as_json:
        _echo_json(dict(result["report"].to_dict(), bulk=result["import"]))
        return
    _print_report(result["report"], False, quiet)
    if result["import"]:
        imported = result["import"]["imported"]
        click.echo(_("imported into the new database {database} of {home}: {nodes} nodes, {relationships} "
                     "relationships (the counts staged); start the server, and the next `maillage load` into it "
                     "creates the constraints").format(database=database, home=home, nodes=number(imported["nodes"]),
                                                       relationships=number(imported["relationships"])))


@contextmanager
def _no_new_store_on_failure(store: str | None):
    """A load that fails into a SQLite file it created removes that file: failure leaves no trace."""
    path = None if store is None or "://" in str(store) or not str(store).strip() else Path(store)
    existed = path is None or path.exists()
    try:
        yield
    except BaseException:
        if not existed:
            for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}-journal")):
                leftover.unlink(missing_ok=True)
        raise


def _exit_on_sigterm(signum, frame):
    raise SystemExit(128 + signum)


@contextmanager
def _json_failure(as_json: bool):
    """With --json, a load that fails before its report still prints one JSON document on stdout."""
    try:
        yield
    except MaillageError as exc:
        if as_json:
            click.get_current_context().meta["json_printed"] = True
            _echo_json({"status": "failed", "error": str(exc), "error_type": type(exc).__name__,
                        "file": getattr(exc, "file", None), "line": getattr(exc, "line", None),
                        "exit_code": 2 if isinstance(exc, UsageError) else 1})
        raise


def _print_report(report, as_json: bool, quiet: bool) -> None:
    if as_json:
        _echo_json(report.to_dict())
        return
    for error in report.errors:
        click.echo(str(error), err=True)
    if report.error_count > len(report.errors):
        click.echo(_("… and {value} more errors (--json lists up to 10,000)").format(value=report.error_count - len(report.errors)), err=True)
    if not quiet:
        click.echo(report.summary())


@cli.command()
@store_option
@json_option
def stats(store, as_json):
    """Count what the store holds.

    Example: maillage stats --store maillage-demo/maillage.db
    """
    with _errors(), open_store(store, read_only=True) as source:
        counts = source.stats()
    if as_json:
        _echo_json(counts)
        return
    _echo_lines(stats_lines(counts))


def _echo_lines(lines) -> None:
    for line in lines:
        click.echo(line)

def _checked(parse):
    """A click callback that refuses a malformed value before any store is opened (exit 2)."""

    def callback(ctx, param, value):
        if value is not None:
            try:
                parse(value)
            except ValueError as exc:
                raise click.BadParameter(str(exc)) from None
        return value

    return callback


def _territory_reference(text: str) -> str:
    """A code is checked now (exit 2 before any store opens); a name is resolved with the store's."""
    from .graph.places import is_name

    return text if is_name(text) else parse_territory_ref(text)


territory_option = click.option("--territory", callback=_checked(_territory_reference),
                                help=N_("Territory: a code (67482, 67, region:44, epci:246700488 …) or a name "
                                        "(Strasbourg, Bas-Rhin, Grand Est)."))
def _scope_line(territory, at) -> None:
    click.echo(scope_line(territory, at))

def at_option(function):
    """``--at DATE`` (default: today) and ``--all-time``, turned into one ``at`` (None for all time)."""

    @functools.wraps(function)
    def wrapper(*args, at=None, all_time=False, **kwargs):
        if at and all_time:
            raise click.UsageError(_("--at and --all-time exclude each other"))
        return function(*args, at=None if all_time else (at or today()), **kwargs)

    wrapper = click.option("--all-time", "all_time", is_flag=True,
                           help=N_("Every partnership and need ever recorded, ended or not."))(wrapper)
    return click.option("--at", callback=_checked(parse_date),
                        help=N_("The ecosystem as of this date: ties active then, needs raised by then "
                             "(default: today)."))(wrapper)


model_option = click.option("--model", "model_file", type=click.Path(dir_okay=False),
                            help=N_("Ranking model trained on this store by `maillage evaluate --fit FILE` "
                                    "(default: the model shipped with maillage)."))


def _model(path):
    from .queries.fitting import read_model

    return read_model(path) if path else None


def reach_option(help_text: str):
    return click.option("--reach", type=click.Choice(["commune", "epci", "departement", "region"]),
                        default="departement", show_default=True, help=help_text)  # marked N_ by callers


def _named_territory(source, territory: str) -> str:
    from .graph.places import is_name, resolve_territory

    return resolve_territory(source.territories(), territory) if is_name(territory) else territory


def _project(source, territory=None, at=None):
    """The (cached) projection of the scope, with a bad scope reported as a usage error."""
    from .graph.cache import cached_project

    scope = _scope(source, territory, at)
    with _scope_errors():
        graph = cached_project(source, scope)
    _said_empty(source, scope, graph.number_of_nodes())
    return graph


def _analysed(analysis, source, territory=None, at=None, **options):
    """``analysis(source, scope, **options)`` of a scope read as arrays (``queries.scaled``), with a
    bad scope reported as a usage error, as for a projection."""
    scope = _scope(source, territory, at)
    with _scope_errors():
        result = analysis(source, scope, **options)
    _said_empty(source, scope, result["actors"])
    return result


def _scope(source, territory, at):
    from .graph.projection import Scope

    with _scope_errors():
        return Scope.parse(_named_territory(source, territory) if territory else None, at)


@contextmanager
def _scope_errors():
    try:
        yield
    except ValueError as exc:
        raise UsageError(str(exc)) from exc
    except NotFoundError as exc:  # a territory the store does not know: the call is wrong, whatever its spelling
        raise UsageError(_("{exc} (the store knows no such territory; `maillage stats` lists what it holds)").format(exc=exc)) from exc


def _said_empty(source, scope, actors: int) -> None:
    """A territory without actors: a usage error when it is no commune at all, else said on stderr."""
    if scope.territory and actors == 0:
        from .graph.places import unknown_commune

        problem = unknown_commune(source.territories(), scope.territory)
        if problem:
            raise UsageError(problem)
        click.echo(_("No actor in territory {territory}.").format(territory=scope.territory), err=True)

@cli.command()
@store_option
@territory_option
@at_option
@reach_option(N_("How far from a need a provider may be."))
@click.option("--top", type=click.IntRange(1), default=5, show_default=True, help=N_("Proposals per need."))
@click.option("--need", "needs", multiple=True, help=N_("Only this need (its id; repeatable)."))
@click.option("--theme", "themes", multiple=True, help=N_("Only the needs on this theme (a code or label; repeatable)."))
@click.option("--open/--all", "open_only", default=None,
              help=N_("Show only the needs still open, or all of them (default: open only past 20 needs)."))
@model_option
@explain_option
@json_option
def gaps(store, territory, at, reach, top, needs, themes, open_only, model_file, explain, as_json):
    """For each open need: who could meet it, and who could introduce them.

    Example: maillage gaps --territory 67 --reach region --open
    """
    from .queries import gaps as analyse_gaps

    codes = _theme_codes(themes)
    with _errors(), open_store(store, read_only=True) as source:
        result = analyse_gaps(_project(source, territory, at), reach=reach, top=top, only=set(needs) or None,
                              themes=codes or None, ranker=_model(model_file))
        missing = sorted(set(needs) - {need["id"] for need in result["needs"]})
        if missing:
            raise NotFoundError(_("no open need {need!r} in this scope").format(need=missing[0]))
    if as_json:
        _echo_json(result)
    else:
        _scope_line(territory, at)
        _echo_lines(gaps_lines(result, explain, open_only))


def _theme_codes(themes) -> list[str]:
    """Theme codes from codes or labels, a typo refused with the nearest code (exit 2)."""
    vocabulary = default_vocabulary()
    try:
        return [vocabulary.check("theme", theme) for theme in themes]
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None


@cli.command()
@store_option
@territory_option
@at_option
@click.option("--top", type=click.IntRange(1), default=10, show_default=True, help=N_("Rows of the ranking."))
@click.option("--error", type=click.FloatRange(0, 1, min_open=True, max_open=True),
              help=N_("Betweenness: largest error allowed on every actor, sampled (default: exact up to 5,000 actors, "
                   "else 0.005)."))
@click.option("--confidence", type=click.FloatRange(0, 1, min_open=True, max_open=True), default=0.95,
              show_default=True, help=N_("Probability that every betweenness interval holds at once."))
@explain_option
@json_option
def bridges(store, territory, at, top, error, confidence, explain, as_json):
    """Who holds the ecosystem together: brokers, structural holes, cut points.

    Example: maillage bridges --territory region:44 --error 0.02
    """
    from .queries.scaled import bridges_of

    with _errors(), open_store(store, read_only=True) as source:
        with _stages(not as_json) as progress:
            result = _analysed(bridges_of, source, territory, at, top=top, error=error, confidence=confidence,
                               progress=progress)
    if as_json:
        _echo_json(result)
        return
    _scope_line(territory, at)
    _echo_lines(bridges_lines(result, explain))


@cli.command()
@click.argument("actor")
@store_option
@territory_option
@at_option
@click.option("--need", help=N_("Id of one of its needs: match on that need's resources."))
@reach_option(N_("How far complementary candidates may be."))
@click.option("--top", type=click.IntRange(1), default=10, show_default=True)
@model_option
@explain_option
@json_option
def allies(actor, store, territory, at, need, reach, top, model_file, explain, as_json):
    """Potential allies of ACTOR (an id, key, SIREN, RNA or name), with reasons and introducers.

    Example: maillage allies "Banque Alimentaire du Bas-Rhin" --need ba67-tracabilite
    """
    from .queries import allies as find_allies

    with _errors(), open_store(store, read_only=True) as source:
        result = find_allies(_project(source, territory, at), actor, need=need, top=top, reach=reach,
                             ranker=_model(model_file))
    if as_json:
        _echo_json(result)
        return
    _scope_line(territory, at)
    _echo_lines(allies_lines(result, explain))


@cli.command()
@click.argument("territory", required=False)
@store_option
@at_option
@click.option("--top", type=click.IntRange(1), default=10, show_default=True)
@explain_option
@json_option
def profile(territory, store, at, top, explain, as_json):
    """The ecosystem of TERRITORY (all of it by default) at a glance.

    Example: maillage profile 67 --at 2020-01-01
    """
    from .queries.scaled import profile_of

    with _errors(), open_store(store, read_only=True) as source:
        with _stages(not as_json) as progress:
            result = _analysed(profile_of, source, territory, at, top=top, progress=progress)
    if as_json:
        _echo_json(result)
        return
    _scope_line(territory, at)
    _echo_lines(profile_lines(result, explain))


@cli.command()
@store_option
@click.option("--before", multiple=True, required=True,
              help=N_("Cut-off date (repeat for a rolling split: each fold ends at the next date)."))
@click.option("--k", type=click.IntRange(1), default=10, show_default=True, help=N_("Rank cut-off of precision/recall."))
@click.option("--bootstrap", type=click.IntRange(1), default=1000, show_default=True,
              help=N_("Bootstrap resamples of the actors asked, for the 95 % intervals."))
@territory_option
@model_option
@click.option("--fit", "fit_file", type=click.Path(dir_okay=False),
              help=N_("Train the ranking on the history before the last --before, test it on what followed against "
                   "the shipped model, and write it to this file (for --model) if it ranks better."))
@click.option("--force", is_flag=True, help=N_("With --fit: write the model even if it does not rank better."))
@json_option
def evaluate(store, before, k, bootstrap, territory, model_file, fit_file, force, as_json):
    """Backtest the ranking: hide ties begun on or after --before, see if it finds them.

    Example: maillage evaluate --before 2019-01-01 --fit model.json
    """
    from .queries import evaluate as backtest
    from .queries.fitting import fit_model, write_model
    from .queries.outcomes import outcome_summary, with_outcomes

    if force and not fit_file:
        raise click.UsageError(_("--force goes with --fit"))
    with _errors(), open_store(store, read_only=True) as source:
        outcomes = source.journal(action="outcome")  # proposals marked in the workbench: accepted = foreseen
        graph = with_outcomes(_project(source, territory, None), outcomes)
        fitted = None
        if fit_file:
            fitted = fit_model(graph, list(before), force=force, bootstrap=bootstrap)
            if fitted["written"]:
                write_model(fitted, fit_file)
        result = backtest(graph, list(before), k=k, bootstrap=bootstrap, ranker=_model(model_file))
    result["outcomes"] = outcome_summary(outcomes)
    if fitted:
        result["fit"] = {key: value for key, value in fitted.items() if key != "final"} | {"file": fit_file}
    if as_json:
        _echo_json(result)
        return
    _echo_lines(evaluate_lines(result, k))


@cli.command()
@click.argument("out", type=click.Path(dir_okay=False))
@store_option
@territory_option
@at_option
@click.option("--focus", help=N_("Only this actor (id or name) and its neighbourhood."))
@click.option("--hops", type=click.IntRange(1, 6), default=1, show_default=True, help=N_("Neighbourhood radius."))
@click.option("--color", type=click.Choice(["kind", "territory", "community"]), default="kind", show_default=True)
@click.option("--size", type=click.Choice(["degree", "betweenness", "brokerage"]), default="degree",
              show_default=True, help=N_("What node sizes show."))
@click.option("--proposals", is_flag=True, help=N_("Draw the bridges and allies the analyses propose (HTML)."))
@click.option("--raw", is_flag=True, help=N_("CSV: write cells as they are (no formula-injection guard)."))
@json_option
def export(out, store, territory, at, focus, hops, color, size, proposals, raw, as_json):
    """Write the graph to OUT: .html (interactive view), .gexf, .graphml, .json (node-link) or .csv.

    CSV cells that a spreadsheet would run as formulas (starting with = + - @, a tab or a CR) get a
    leading apostrophe unless --raw; XML formats replace characters XML cannot hold.

    Example: maillage export view.html --territory 67 --proposals
    """
    from .views import export as write_export

    with _errors(), open_store(store, read_only=True) as source:
        # the whole history: the view's slider starts at --at, and files carry every tie with its dates
        result = write_export(_project(source, territory, None), out, focus=focus, hops=hops, color=color,
                              size=size, proposals=proposals, raw=raw, at=at)
    if as_json:
        _echo_json(result)
        return
    _echo_lines(export_lines(result))


@cli.command()
@click.option("--out", "out_dir", default="maillage-demo", show_default=True, type=click.Path(file_okay=False),
              help=N_("Folder for the store (maillage.db) and the view (maillage.html)."))
@click.option("--examples", type=click.Path(exists=True, file_okay=False), help=N_("Example files (default: examples/)."))
@json_option
def demo(out_dir, examples, as_json):
    """Load the example ecosystem into a fresh store, find the gaps, write the interactive view.

    Example: maillage demo --out maillage-demo && maillage gaps --store maillage-demo/maillage.db
    """
    from .demo import run_demo

    with _errors():
        result = run_demo(out_dir, examples)
    if as_json:
        _echo_json(result)
        return
    click.echo(_("Loaded {rows} rows into {store}: {actors} actors, {ties} partnerships active today and {co} ties "
                 "between members of the same initiative.").format(
        rows=number(result["load"]["loaded"]), actors=number(result["actors"]), ties=number(result["partnerships"]),
        co=number(result["co_membership"]), store=result["store"]))
    _echo_lines(gaps_lines(result["gaps"]))
    click.echo("\n" + _("Interactive view: {path}").format(path=result["html"]))
    click.echo(_("Go on asking: maillage gaps --store {store}").format(store=result["store"]))


@cli.command()
@click.argument("territory", required=False)
@click.option("--out", type=click.Path(dir_okay=False), default="maillage-report.html", show_default=True,
              help=N_("The document to write (HTML, printable to paper or PDF from any browser)."))
@store_option
@at_option
@reach_option(N_("How far from a need a provider may be."))
@click.option("--top", type=click.IntRange(1), default=8, show_default=True, help=N_("Brokers and circles listed."))
@json_option
def report(territory, out, store, at, reach, top, as_json):
    """Write TERRITORY's report for a partners' meeting: the map of its needs, its key figures, its brokers.

    Example: maillage report 67 --out bas-rhin.html
    """
    from .graph.places import is_name
    from .queries.report import territory_report
    from .views.report import write_report

    with _errors(), open_store(store, read_only=True) as source:
        graph = _project(source, territory, at)
        figures = territory_report(graph, top=top, reach=reach)
        names = graph.graph.get("territory_names", {})
        scope = graph.graph.get("scope", {}).get("territory")
        place = names.get(scope) or (territory if territory and is_name(territory) else scope) or _("the whole ecosystem")
        written = write_report(figures, out, place)
    if as_json:
        _echo_json(dict(written, needs={k: v for k, v in figures["needs"].items() if k != "by_commune"}))
        return
    click.echo(_("report of {place} written to {path} ({figures} figures); open it in a browser and print it "
                 "to paper or PDF").format(place=place, path=written["path"], figures=written["figures"]))


@cli.command()
@store_option
@click.option("--host", default="127.0.0.1", show_default=True,
              help=N_("Address to listen on; anything but 127.0.0.1 / localhost / ::1 needs a token."))
@click.option("--port", type=click.IntRange(1, 65535), default=8765, show_default=True, help=N_("Port."))
@click.option("--token-file", type=click.Path(exists=True, dir_okay=False),
              help=N_("File holding the access token (default: MAILLAGE_TOKEN; with neither, a secret is drawn at each start and the start line is its login link)."))
@click.option("--open", "open_browser", is_flag=True, help=N_("Open the workbench in the browser."))
@click.option("--ssl-certfile", type=click.Path(exists=True, dir_okay=False), help=N_("TLS certificate (HTTPS)."))
@click.option("--ssl-keyfile", type=click.Path(exists=True, dir_okay=False), help=N_("TLS private key (HTTPS)."))
@click.option("--workers", type=click.IntRange(0, 64),
              help=N_("Processes computing the analyses (default: one per core, up to 4, beyond 5,000 actors; "
                      "0 computes them in the server's process)."))
@click.option("--allow-host", "allowed_hosts", multiple=True, metavar="NAME",
              help=N_("Also answer requests for this host name (behind a reverse proxy); repeatable."))
def serve(store, host, port, token_file, open_browser, ssl_certfile, ssl_keyfile, workers, allowed_hosts):
    """Start the workbench: the territory, actors, needs and proposals in the browser.

    Example: maillage serve --store maillage-demo/maillage.db --open
    """
    from .web.serve import run

    with _errors():
        run(store, host=host, port=port, token_file=token_file, open_browser=open_browser,
            ssl_certfile=ssl_certfile, ssl_keyfile=ssl_keyfile, workers=workers, allowed_hosts=allowed_hosts,
            echo=click.echo)


@cli.group(cls=TranslatedGroup)
def team():
    """The workbench's people, kept in the store: readers, editors and administrators.

    Example: maillage team invite "Léa Martin" --role admin --store maillage.db
    """


@team.command("invite")
@click.argument("name")
@click.option("--role", type=click.Choice(["reader", "editor", "admin"]), default="editor", show_default=True,
              help=N_("A reader sees and exports; an editor also changes, records outcomes and loads files; "
                      "an administrator also manages the team."))
@store_option
def team_invite(name, role, store):
    """Invite someone (or invite them again, to choose a new password) and print their invitation code.

    They open the workbench's /invite?code=CODE page within seven days to choose their password.
    """
    from .web.accounts import invite

    with _errors(), open_store(store) as target:
        code = invite(target, name, role, None)
    click.echo(_("{name} is invited. Give them this code, valid seven days, to open at the workbench's "
                 "/invite?code=… page: {code}").format(name=name, code=code))


@team.command("role")
@click.argument("name")
@click.argument("role", type=click.Choice(["reader", "editor", "admin"]))
@store_option
def team_role(name, role, store):
    """Change someone's role."""
    from .web.accounts import set_role

    with _errors(), open_store(store) as target:
        set_role(target, name, role)
    click.echo(_("{name}: {role}").format(name=name, role=role))


@team.command("remove")
@click.argument("name")
@store_option
def team_remove(name, store):
    """Remove someone: their sessions end at their next request."""
    from .web.accounts import remove

    with _errors(), open_store(store) as target:
        remove(target, name)
    click.echo(_("{name} is no longer a member").format(name=name))


@team.command("list")
@store_option
@json_option
def team_list(store, as_json):
    """The people, their roles, whether they chose their password, and the day each was added."""
    from .web.accounts import listing

    with _errors(), open_store(store, read_only=True) as source:
        found = listing(source)
    if as_json:
        _echo_json(found)
        return
    for person in found:
        click.echo(f"{person['name']}\t{person['role']}\t{person['state']}\t{person['added']}")
    if not found:
        click.echo(_("no one yet: maillage team invite NAME --role admin|editor|reader"))


main = cli

if __name__ == "__main__":  # pragma: no cover
    cli()
