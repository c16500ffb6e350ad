"""The fast validation path keeps maillage honest: same decisions, same records, same reports."""

from __future__ import annotations

import csv

from hypothesis import HealthCheck, given, settings
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


@st.composite
def actor_rows(draw):
    row = draw(_rows(PLAIN_ACTOR, ANY_ACTOR))
    if draw(st.integers(0, 4)) == 0:
        row["siren"] = draw(st.sampled_from(["", "552118465", "123456789"]))
    if draw(st.integers(0, 9)) == 0:
        row["Unexpected"] = "x"
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


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(actor_rows())
def test_actor_rows_same_decision_same_record(row):
    _same("actors", row)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(partnership_rows())
def test_partnership_rows_same_decision_same_record(row):
    _same("partnerships", row)


def test_the_generated_rows_exercise_both_paths():
    from hypothesis import find

    for kind, strategy in (("actors", actor_rows()), ("partnerships", partnership_rows())):
        find(strategy, lambda row, kind=kind: fast_record(kind, row, VOCABULARY) is not None)
        find(strategy, lambda row, kind=kind: fast_record(kind, row, VOCABULARY) is None
             and not _reference(kind, row)[1])  # accepted by pydantic only (a value to read)
        find(strategy, lambda row, kind=kind: bool(_reference(kind, row)[1]))  # refused


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
