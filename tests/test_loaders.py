import json

import pytest

from maillage.errors import DataError, UsageError
from maillage.graph import ActorFilter
from maillage.loaders.formats import read_csv, read_json, read_jsonl, sniff_encoding
from maillage.loaders.kinds import detect_kind
from maillage.loaders.pipeline import load_files, plan_sources


def test_csv_semicolon_bom_and_multiline_lines(write):
    path = write("a.csv", '\ufeffid;name;kind\n1;"Multi\nline";association\n\n2;Deux;company\n')
    assert list(read_csv(path)) == [(2, {"id": "1", "name": "Multi\nline", "kind": "association"}),
                                    (5, {"id": "2", "name": "Deux", "kind": "company"})]


def test_cp1252_is_detected_and_a_wrong_encoding_names_the_line(write):
    path = write("a.csv", "id,name,kind\n1,Crèche,association\n", encoding="cp1252")
    assert sniff_encoding(path) == "cp1252"
    assert list(read_csv(path))[0][1]["name"] == "Crèche"
    with pytest.raises(DataError, match=r"a.csv:2: not valid utf-8 text"):
        list(read_csv(path, encoding="utf-8"))


def test_json_array_streams_in_small_chunks(write):
    objects = [{"id": str(i), "name": f"N{i}", "kind": "association"} for i in range(50)]
    path = write("a.json", json.dumps(objects, indent=1))
    rows = list(read_json(path, chunk_size=16))
    assert [row for _, row in rows] == objects
    assert rows[1][0] == 7  # each object opens on the line after the previous one's 5 lines


def test_json_errors_name_the_line(write):
    with pytest.raises(DataError, match=r"b.json:3: invalid JSON"):
        list(read_json(write("b.json", '[\n{"a": 1},\n{"a": }\n]')))
    with pytest.raises(DataError, match="expected a JSON array"):
        list(read_json(write("c.json", '{"a": 1}')))


def test_jsonl(write):
    path = write("a.jsonl", '{"a": 1}\n\n{"a": 2}\n')
    assert list(read_jsonl(path)) == [(1, {"a": 1}), (3, {"a": 2})]
    with pytest.raises(DataError, match=r"d.jsonl:2: expected a JSON object"):
        list(read_jsonl(write("d.jsonl", '{"a": 1}\n[1]\n')))


@pytest.mark.parametrize("columns, kind", [
    (["id", "name", "kind", "commune"], "actors"), (["source", "target", "kind"], "partnerships"),
    (["id", "title", "resources"], "needs"), (["id", "name", "members"], "initiatives"),
    (["Code", "Level", "Name"], "territories")])
def test_kind_detection(columns, kind):
    assert detect_kind(columns) == kind


def test_undetectable_kind_is_a_usage_error(write):
    with pytest.raises(UsageError, match="pass --kind"):
        plan_sources([write("x.csv", "foo,bar\n1,2\n")])


def test_files_are_planned_in_dependency_order(example_files):
    kinds = [source.kind for source in plan_sources(reversed(example_files))]
    assert kinds == ["territories", "actors", "partnerships", "initiatives", "needs"]


def test_missing_required_column(store, write):
    with pytest.raises(DataError) as caught:
        load_files(store, [write("a.csv", "id,name\n1,X\n")], kind="actors")
    assert [str(e) for e in caught.value.report.errors][0].endswith("a.csv:1: kind: required column is missing")


def test_extra_columns_are_kept(store, write):
    load_files(store, [write("a.jsonl", '{"id": "x", "name": "X", "kind": "school", "uai": "0941234A"}\n')])
    (actor,) = store.actor_rows(ActorFilter())
    assert actor["extra"] == {"uai": "0941234A"}


def test_json_and_csv_give_the_same_store(tmp_path, write, example_files):
    from maillage.graph import open_store

    import csv as csvmodule
    converted = []
    for path in example_files:
        with open(path, encoding="utf-8") as handle:
            rows = list(csvmodule.DictReader(handle))
        converted.append(write(path.stem + ".json", json.dumps(rows, ensure_ascii=False)))
    with open_store(tmp_path / "csv.db") as a, open_store(tmp_path / "json.db") as b:
        load_files(a, example_files)
        load_files(b, converted)
        assert a.stats() == b.stats()


def test_wrong_field_count_is_a_row_error(store, write):
    report = load_files(store, [write("a.csv", "id;name;kind\n1;A;association\n2;B;company;extra\n")],
                        on_error="skip")
    assert [(e.line, e.message) for e in report.errors] == [
        (3, "4 fields but the header has 3 (is a ';' inside an unquoted value?)")]


def test_progress_callback_reaches_the_file_size(store, write):
    path = write("a.csv", "id,name,kind\n" + "".join(f"{i},N{i},association\n" for i in range(2000)))
    seen = []
    load_files(store, [path], progress=lambda done, total: seen.append((done, total)))
    assert seen[-1][0] == seen[-1][1] == path.stat().st_size
