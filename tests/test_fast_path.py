"""The fast validation path keeps maillage honest: same decisions, same records, same reports."""

from __future__ import annotations

import csv

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from maillage.graph import open_store
from maillage.loaders import kinds
from maillage.loaders.fast import fast_record
from maillage.loaders.kinds import KINDS, make_record
from maillage.loaders.pipeline import load_files
from maillage.vocabulary import default_vocabulary

VOCABULARY = default_vocabulary()

# values chosen to sit on both sides of every rule: codes and labels, typos, spaces, cases,
# dates in every written form, damaged communes, odd websites, control characters, empties
KEYS = st.sampled_from(["a1", "asso-7", "x.y:z", " a2", "a 3", "é", "", "a\x01", "siren:552118465", "W123"])
NAMES = st.sampled_from(["Asso", " Asso", "Asso ", "", "É & « co »", "a\x00b", "a\tb", "<b>x</b>"])
ACTOR_KINDS = st.sampled_from(["association", "company", "Association", "entreprise", "spaceship", "", " school"])
COMMUNES = st.sampled_from(["67482", "", "6748", "20001", "2A004", "97411", "99999", "67 482", "00000", "75056"])
CODES = st.sampled_from(["emploi;sante", "emploi", "", "sante;emploi;sante", "Santé", "emploi; sante", "alimentaton",
                         ";emploi", "skills;software", "skills", "Compétences", "network;skills;"])
WEBSITES = st.sampled_from(["", "https://example.org", "http://a.b/c?d=1", "example.org", "javascript:alert(1)",
                            "https://ex ample.org", "HTTPS://EXAMPLE.ORG", "https://exemple.fr/é", "ftp://x.org"])
DATES = st.sampled_from(["", "2016-01-01", "2016-13-01", "01/02/2016", "2016", "2016-02-30", "2016-1-1", " 2016-01-01"])
AMOUNTS = st.sampled_from(["", "1000", "1 000", "10.5", "10,5", "-3", "1e9", "0", "007", "1000.1234567", "abc"])
P_KINDS = st.sampled_from(["cooperation", "subvention", "Subvention", "mecenat_competences", "x", ""])


# a plain row, then (most often) one field or two replaced by a value of the pools above: rows on
# both sides of each rule, and near the border
PLAIN_ACTOR = {"id": st.sampled_from(["a1", "asso-7", "x.y:z"]), "name": st.sampled_from(["Asso", "É & « co »"]),
               "kind": st.sampled_from(["association", "company"]), "commune": st.sampled_from(["67482", "2A004", ""]),
               "themes": st.sampled_from(["emploi;sante", "", "sante;emploi;sante"]),
               "offers": st.sampled_from(["skills", "", "network;skills"]), "seeks": st.sampled_from(["", "skills"]),
               "website": st.sampled_from(["", "https://example.org", "http://a.b/c?d=1"])}
ANY_ACTOR = {"id": KEYS, "name": NAMES, "kind": ACTOR_KINDS, "commune": COMMUNES, "themes": CODES, "offers": CODES,
             "seeks": CODES, "website": WEBSITES}
PLAIN_TIE = {"source": st.sampled_from(["a1", "a2"]), "target": st.sampled_from(["b1", "a1"]),
             "kind": st.sampled_from(["cooperation", "subvention"]), "start": st.sampled_from(["", "2016-01-01"]),
             "end": st.sampled_from(["", "2017-06-30", "2015-01-01"]), "themes": st.sampled_from(["", "emploi"]),
             "amount": st.sampled_from(["", "1000", "10.5"]), "description": st.sampled_from(["", "x"]),
             "id": st.sampled_from(["", "p1"])}
ANY_TIE = {"source": KEYS, "target": KEYS, "kind": P_KINDS, "start": DATES, "end": DATES, "themes": CODES,
           "amount": AMOUNTS, "description": st.sampled_from(["", "x", " y", "a\x02b"]), "id": st.sampled_from(["", "p1"])}


def _rows(plain: dict, anything: dict):
    @st.composite
    def rows(draw):
        row = {name: draw(values) for name, values in plain.items()}
        for name in draw(st.lists(st.sampled_from(sorted(anything)), max_size=2)):
            row[name] = draw(anything[name])
        return row

    return rows()


SIRENS = st.sampled_from(["", "552118465", "123456789", "552 118 465", "55211846", "５５２118465", "356000000"])
SIRETS = st.sampled_from(["", "55211846500013", "55211846500014", "35600000000048", "35600000012345",
                          "35600000012346", "73282932000074", "552118465000130", "5521184650001 "])
RNAS = st.sampled_from(["", "W672001234", "w672001234", "W67200123", "W 672001234", "W67200123X"])
EXTRA_COLUMNS = st.sampled_from(["naf", "Unexpected", "Nom", "key", "Siren", " naf", "legal_category"])
EXTRA_VALUES = st.sampled_from(["x", " y", "", "62.01Z", "a\x01b", "Île"])
CODE_LISTS = st.sampled_from([["emploi"], ["sante", "emploi", "sante"], [], ["Santé"], ["emploi", ""], [" emploi"]])


@st.composite
def actor_rows(draw):
    """Rows as user files give them, and as open-data translators give them (identifiers, lists
    of codes, columns kept in ``extra``)."""
    row = draw(_rows(PLAIN_ACTOR, ANY_ACTOR))
    for column, values in (("siren", SIRENS), ("siret", SIRETS), ("rna", RNAS)):
        if draw(st.integers(0, 3)) == 0:
            row[column] = draw(values)
    if draw(st.integers(0, 3)) == 0:
        row[draw(EXTRA_COLUMNS)] = draw(EXTRA_VALUES)
    if draw(st.integers(0, 3)) == 0:
        row[draw(st.sampled_from(["themes", "offers", "seeks"]))] = draw(CODE_LISTS)
    if draw(st.integers(0, 5)) == 0:
        del row["id"]
    return row


def partnership_rows():
    return _rows(PLAIN_TIE, ANY_TIE)


def _reference(kind: str, row: dict):
    kinds.FAST_PATH = False
    try:
        return make_record(KINDS[kind], dict(row), VOCABULARY)
    finally:
        kinds.FAST_PATH = True


def _same(kind: str, row: dict) -> None:
    fast = fast_record(kind, dict(row), VOCABULARY)
    record, problems = _reference(kind, row)
    if fast is None:
        return  # pydantic decides, and gives the messages
    assert not problems, (row, problems)  # the fast path never accepts what pydantic refuses
    assert fast.model_dump() == record.model_dump(), row
    assert fast.id == record.id
    if kind == "actors":
        assert fast.keys == record.keys
    assert make_record(KINDS[kind], dict(row), VOCABULARY)[0].model_dump() == record.model_dump()


# Rows on each side of each rule, given explicitly: the differential tests above always run them
# (``@example``), and the test below proves each is where it is meant to be, so no test depends on
# the generator happening to reach them (hypothesis.find could miss one: a flaky suite).
_ACTOR = {"id": "a1", "name": "Asso", "kind": "association", "commune": "67482", "themes": "emploi;sante",
          "offers": "skills", "seeks": "", "website": ""}
_TIE = {"source": "a1", "target": "b1", "kind": "cooperation", "start": "2016-01-01", "end": "", "themes": "",
        "amount": "1000", "description": "", "id": ""}
ACTOR_CASES = {
    "fast": _ACTOR,
    "pydantic only": {**_ACTOR, "kind": "Association"},  # a label to read: pydantic decides
    "refused": {**_ACTOR, "kind": "spaceship"},
    "identities proven": {**_ACTOR, "siret": "73282932000074", "rna": "W672001234"},
    "keyed by siren": {key: value for key, value in {**_ACTOR, "siren": "552118465"}.items() if key != "id"},
    "list of codes": {**_ACTOR, "themes": ["emploi"]},
    "extra column": {**_ACTOR, "naf": "62.01Z"},
}
TIE_CASES = {
    "fast": _TIE,
    "pydantic only": {**_TIE, "start": "01/02/2016"},
    "refused": {**_TIE, "kind": "x"},
}


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(actor_rows())
@example(ACTOR_CASES['fast'])
@example(ACTOR_CASES['pydantic only'])
@example(ACTOR_CASES['refused'])
@example(ACTOR_CASES['identities proven'])
@example(ACTOR_CASES['keyed by siren'])
@example(ACTOR_CASES['list of codes'])
@example(ACTOR_CASES['extra column'])
def test_actor_rows_same_decision_same_record(row):
    _same("actors", row)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(partnership_rows())
@example(TIE_CASES['fast'])
@example(TIE_CASES['pydantic only'])
@example(TIE_CASES['refused'])
def test_partnership_rows_same_decision_same_record(row):
    _same("partnerships", row)


def test_the_explicit_rows_exercise_both_paths():
    for kind, cases in (("actors", ACTOR_CASES), ("partnerships", TIE_CASES)):
        assert fast_record(kind, dict(cases["fast"]), VOCABULARY) is not None
        assert fast_record(kind, dict(cases["pydantic only"]), VOCABULARY) is None
        assert not _reference(kind, cases["pydantic only"])[1]
        assert _reference(kind, cases["refused"])[1]
    for name in ("identities proven", "keyed by siren", "list of codes", "extra column"):
        assert fast_record("actors", dict(ACTOR_CASES[name]), VOCABULARY) is not None, name
    assert fast_record("actors", dict(ACTOR_CASES["extra column"]), VOCABULARY).extra == {"naf": "62.01Z"}


def test_the_fast_path_takes_plain_rows():
    plain = {"id": "a1", "name": "Asso", "kind": "association", "commune": "67482", "themes": "sante;emploi",
             "offers": "", "seeks": "skills", "website": "https://example.org"}
    assert fast_record("actors", plain, VOCABULARY) is not None
    assert fast_record("partnerships", {"source": "a1", "target": "a2", "kind": "cooperation", "start": "2016-01-01",
                                        "amount": "1000"}, VOCABULARY) is not None


def _write(path, header, rows):
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(st.lists(actor_rows(), min_size=1, max_size=30), st.sampled_from(["abort", "skip"]))
def test_whole_loads_give_the_same_store_and_the_same_report(tmp_path_factory, rows, on_error):
    folder = tmp_path_factory.mktemp("differential")
    header = ["id", "name", "kind", "commune", "themes", "offers", "seeks", "website"]
    _write(folder / "actors.csv", header, [[row.get(h, "") for h in header] for row in rows])
    outcomes = []
    for fast in (True, False):
        kinds.FAST_PATH = fast
        try:
            with open_store(folder / f"{fast}.db") as store:
                try:
                    report = load_files(store, [folder / "actors.csv"], on_error=on_error)
                except Exception as exc:  # noqa: BLE001 - the same failure is expected of both paths
                    report = getattr(exc, "report", None)
                    failure = str(exc)
                else:
                    failure = None
                dump = list(store.dump("actors"))
        finally:
            kinds.FAST_PATH = True
        errors = [str(e) for e in report.errors] if report else None
        outcomes.append((failure, errors, report.totals() if report else None,
                         [{k: v for k, v in row.items() if k != "source_file"} for row in dump]))
    assert outcomes[0] == outcomes[1]


def test_allies_top_rows_equal_the_full_scoring():
    """allies() scores candidates without a dictionary each; the rows must be score_candidates' top rows."""
    import random

    from maillage.queries.allies import WEIGHTS, _top_candidates, score_candidates
    from maillage.queries.common import simple_graph
    from maillage.synthetic import planted_ecosystem

    graph = simple_graph(planted_ecosystem(1500, seed=3))
    rng = random.Random(5)
    nodes = rng.sample(sorted(graph, key=str), 60)
    for node in nodes:
        for reach in ("commune", "epci", "departement", "region"):
            for resources in (None, ["skills", "funding"]):
                weights = WEIGHTS if rng.random() < 0.5 else {"complementarity": 0.5, "network": 0.5}
                scored = score_candidates(graph, node, resources, reach, weights)
                key = (lambda row: (resources is not None and row[2]["complementarity"] <= 0, -row[0], str(row[1])))
                expected = sorted(((score, other, parts) for other, (score, parts) in scored.items()), key=key)[:10]
                count, rows = _top_candidates(graph, node, resources, reach, weights, 10, resources is not None)
                assert count == len(scored)
                assert rows == expected, (node, reach, resources)


# -- the columnar path (pyarrow): whole files, against the row path --

LAYOUTS = st.sampled_from(["plain", "crlf", "blank_line", "quoted_break", "bom", "trailing_blank", "semicolon"])
ACTOR_IDS = st.builds("a{}".format, st.integers(0, 40))


@st.composite
def columnar_actors(draw):
    """Mostly plain rows of a small pool of ids (so some repeat), a quarter of them with one value
    from the pools that sit on both sides of the rules."""
    row = {name: draw(values) for name, values in PLAIN_ACTOR.items()}
    row["id"] = draw(ACTOR_IDS)
    if draw(st.integers(0, 3)) == 0:
        name = draw(st.sampled_from(sorted(ANY_ACTOR)))
        row[name] = draw(ANY_ACTOR[name])
    return row


@st.composite
def columnar_ties(draw):
    """Ties among those ids (some unknown, some to the same actor), a quarter with one odd value."""
    row = {name: draw(values) for name, values in PLAIN_TIE.items()}
    ends = st.one_of(ACTOR_IDS, ACTOR_IDS, ACTOR_IDS, st.sampled_from(["nobody", " a1", "a1"]))
    row["source"], row["target"] = draw(ends), draw(ends)
    if draw(st.integers(0, 3)) == 0:
        name = draw(st.sampled_from(sorted(ANY_TIE)))
        row[name] = draw(ANY_TIE[name])
    return row


def _csv_text(header, rows, layout, at):
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";" if layout == "semicolon" else ",",
                        lineterminator="\r\n" if layout == "crlf" else "\n")
    writer.writerow(header)
    writer.writerows(rows)
    lines = buffer.getvalue().splitlines(keepends=True)
    if layout == "blank_line":
        lines.insert(1 + at % len(lines), "\n")
    if layout == "quoted_break" and len(lines) > 1:
        line = 1 + at % (len(lines) - 1)
        lines[line] = lines[line].replace(",", ',"x\ny",', 1) if lines[line].count(",") > 2 else lines[line]
    if layout == "trailing_blank":
        lines.append("\n\n")
    return ("\ufeff" if layout == "bom" else "") + "".join(lines)


def _state(folder, name, files, on_error, columnar_on, fast=True):
    from maillage.loaders import columnar

    columnar.ENABLED, kinds.FAST_PATH = columnar_on, fast
    try:
        with open_store(folder / f"{name}.db") as store:
            outcome = []
            for group in files:
                try:
                    report = load_files(store, group, on_error=on_error)
                except Exception as exc:  # noqa: BLE001 - the same failure is expected of every path
                    report, failure = getattr(exc, "report", None), str(exc)
                else:
                    failure = None
                outcome.append((failure, [str(e) for e in report.errors] if report else None,
                                report.totals() if report else None,
                                [str(c) for c in report.conflicts] if report else None,
                                [(f.rows, f.loaded, f.rejected, f.duplicates, f.merged) for f in report.files]
                                if report else None))
            dump = {kind: [{k: v for k, v in row.items() if k != "source_file"} for row in store.dump(kind)]
                    for kind in ("actors", "partnerships")}
    finally:
        columnar.ENABLED, kinds.FAST_PATH = True, True
    return outcome, dump


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(st.lists(columnar_actors(), min_size=3, max_size=60), st.lists(columnar_ties(), min_size=3, max_size=60),
       st.lists(columnar_actors(), max_size=8), st.sampled_from(["abort", "skip"]), LAYOUTS, st.integers(0, 999),
       st.sampled_from([64, 256, 4096]))
def test_the_columnar_path_gives_the_row_paths_store_and_report(tmp_path_factory, monkeypatch, actors, ties, before,
                                                                  on_error, layout, at, block):
    """Generated files (plain and refused rows, repeats, ties to unknown or identical actors,
    blocks of a few rows, CRLF, blank lines, line breaks in values) loaded three ways: columnar,
    row path with the fast checks, pydantic alone. Same store, same report, same errors."""
    from maillage.loaders import columnar

    monkeypatch.setattr(columnar, "BLOCK_SIZE", block)
    folder = tmp_path_factory.mktemp("columnar")
    header = ["id", "name", "kind", "commune", "themes", "offers", "seeks", "website"]
    tie_header = ["source", "target", "kind", "start", "end", "themes", "amount", "description", "id"]
    cells = lambda rows, names: [[str(row.get(h, "")) for h in names] for row in rows]  # noqa: E731
    for tie in ties:  # most ends name an actor of the files
        for end in ("source", "target"):
            if tie[end][1:].isdigit():
                tie[end] = (actors + before)[int(tie[end][1:]) % len(actors + before)]["id"]
    (folder / "before.csv").write_text(_csv_text(header, cells(before, header), "plain", at), encoding="utf-8")
    (folder / "actors.csv").write_text(_csv_text(header, cells(actors, header), layout, at), encoding="utf-8")
    (folder / "ties.csv").write_text(_csv_text(tie_header, cells(ties, tie_header), layout, at + 1),
                                     encoding="utf-8")
    files = [[folder / "before.csv"]] if before else []
    files.append([folder / "actors.csv", folder / "ties.csv"])
    columnar_state = _state(folder, "columnar", files, on_error, True)
    assert columnar_state == _state(folder, "rows", files, on_error, False)
    assert columnar_state == _state(folder, "pydantic", files, on_error, False, fast=False)
    from maillage.loaders import ledger

    from maillage.graph import sqlite_indexes

    monkeypatch.setattr(ledger, "SPILL_AT", 5)  # the bookkeeping in its scratch file, both ways
    monkeypatch.setattr(ledger, "SHARED_WEIGHT", 1)  # the columnar path's entries spill as early
    monkeypatch.setattr(ledger, "SHARED_IN_MEMORY", 4)  # past a few kept apart
    monkeypatch.setattr(sqlite_indexes, "DEFER_FROM", 5)  # and the store's indexes built after the rows
    assert columnar_state == _state(folder, "columnar-spilled", files, on_error, True)
    assert columnar_state == _state(folder, "rows-spilled", files, on_error, False)


def test_a_plain_file_goes_columnar_and_reports_what_the_store_holds(tmp_path, monkeypatch):
    from maillage.graph.sqlite_store import SQLiteLoadSession
    from maillage.loaders import columnar

    assert columnar.available()
    written = []
    real = SQLiteLoadSession.write_values
    monkeypatch.setattr(SQLiteLoadSession, "write_values",
                        lambda self, kind, values: written.append((kind, len(values))) or real(self, kind, values))
    _write(tmp_path / "actors.csv", ["id", "name", "kind", "commune", "themes"],
           [[f"a{i}", f"Asso {i}", "association", "67482", "emploi;sante"] for i in range(500)])
    _write(tmp_path / "ties.csv", ["source", "target", "kind", "start"],
           [[f"a{i}", f"a{i + 1}", "cooperation", "2020-01-01"] for i in range(499)])
    with open_store(tmp_path / "m.db") as store:
        report = load_files(store, [tmp_path / "actors.csv", tmp_path / "ties.csv"])
        assert written == [("actors", 500), ("partnerships", 499)]
        assert report.totals()["actors"]["created"] == 500 and report.totals()["partnerships"]["created"] == 499
        assert store.stats()["actors"] == 500
        again = load_files(store, [tmp_path / "actors.csv"])  # known actors: the row path counts them
        assert again.totals()["actors"]["unchanged"] == 500 and written[-1] == ("partnerships", 499)


def test_the_space_class_is_pythons_whitespace():
    import sys

    import pyarrow as pa
    import pyarrow.compute as pc

    from maillage.loaders.columnar import _SPACE

    characters = [chr(code) for code in range(1, sys.maxunicode + 1) if not 0xD800 <= code <= 0xDFFF]
    found = pc.match_substring_regex(pa.array(characters), f"^{_SPACE}$").to_pylist()
    assert [c for c, hit in zip(characters, found) if hit] == [c for c in characters if c.isspace()]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                   HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(["a1", "a2", "Asso", "association", ",", ",", '"', '""', "\n", "\r\n", "\r", " ",
                                 ";", "\x00", "\t", "é", "\ufeff"]), max_size=60))
def test_the_columnar_reader_reads_any_text_as_the_row_path_does(tmp_path_factory, pieces):
    """Random CSV text (quotes, separators, line ends, NUL, BOM, spaces): both readers agree."""
    folder = tmp_path_factory.mktemp("text")
    (folder / "actors.csv").write_bytes(("id,name,kind\n" + "".join(pieces)).encode("utf-8", "surrogatepass"))
    files = [[folder / "actors.csv"]]
    for on_error in ("abort", "skip"):
        assert _state(folder, f"c{on_error}", files, on_error, True) == _state(folder, f"r{on_error}", files,
                                                                             on_error, False)

