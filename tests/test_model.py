import pytest
from pydantic import ValidationError

from maillage.model import Actor, Need, Partnership, Territory, parse_amount, parse_date, parse_territory_ref
from maillage.vocabulary import Vocabulary


def errors(model, data, **context):
    with pytest.raises(ValidationError) as caught:
        model.model_validate(data, context=context or None)
    return {(e["loc"][0] if e["loc"] else ""): e["msg"].removeprefix("Value error, ") for e in caught.value.errors()}


def test_actor_id_prefers_siren_then_rna_then_key():
    assert Actor(key="x", name="X", kind="company", siren="552118465").id == "siren:552118465"
    assert Actor(key="x", name="X", kind="association", rna="W672001234").id == "rna:W672001234"
    assert Actor(key="x", name="X", kind="association").id == "x"


def test_actor_siret_gives_siren_and_must_agree():
    actor = Actor(key="x", name="X", kind="company", siret="73282932000074")
    assert actor.siren == "732829320" and "siret:73282932000074" in actor.keys
    assert "does not belong" in str(errors(Actor, {"name": "X", "kind": "company", "siren": "552118465",
                                                    "siret": "73282932000074"}))


def test_actor_needs_some_identifier():
    assert "needs an id" in str(errors(Actor, {"name": "X", "kind": "company"}))


def test_unknown_codes_suggest_the_nearest():
    found = errors(Actor, {"key": "x", "name": "X", "kind": "asociation", "themes": "alimentaton",
                           "offers": "sofware"})
    assert found["kind"] == "unknown actor kind 'asociation' (did you mean 'association'?)"
    assert found["themes"] == "unknown theme 'alimentaton' (did you mean 'alimentation'?)"
    assert found["offers"] == "unknown resource 'sofware' (did you mean 'software'?)"


def test_labels_and_case_are_accepted():
    actor = Actor(key="x", name="X", kind="Entreprise", themes="Santé; NUMERIQUE", offers="Compétences")
    assert (actor.kind, actor.themes, actor.offers) == ("company", ["numerique", "sante"], ["skills"])


def test_user_vocabulary_extends_themes(tmp_path):
    path = tmp_path / "vocab.csv"
    path.write_text("vocabulary,code,label\ntheme,economie_circulaire,Économie circulaire\n", encoding="utf-8")
    vocabulary = Vocabulary.from_file(path)
    actor = Actor.model_validate({"key": "x", "name": "X", "kind": "company", "themes": "economie_circulaire"},
                                 context={"vocabulary": vocabulary})
    assert actor.themes == ["economie_circulaire"]
    assert "unknown theme" in str(errors(Actor, {"key": "x", "name": "X", "kind": "company",
                                                 "themes": "economie_circulaire"}))


def test_partnership_dates_and_amounts():
    p = Partnership(source="a", target="b", kind="subvention", start="03/02/2016", end="2017", amount="1 234,50 €")
    assert (p.start, p.end, p.amount) == ("2016-02-03", "2017-01-01", 1234.5)
    found = errors(Partnership, {"source": "a", "target": "b", "kind": "subvention", "start": "2016-13-01",
                                 "amount": "-3"})
    assert found["start"].startswith("not a date: '2016-13-01'")
    assert "non-negative" in found["amount"]
    assert "before start" in str(errors(Partnership, {"source": "a", "target": "b", "kind": "subvention",
                                                      "start": "2017", "end": "2016"}))
    assert "two different actors" in str(errors(Partnership, {"source": "a", "target": "a", "kind": "benevolat"}))


@pytest.mark.parametrize("text, amount", [("1234", 1234.0), ("1.234,56", 1234.56), ("1,234.56", 1234.56),
                                          ("12 000 €", 12000.0), ("", None)])
def test_parse_amount(text, amount):
    assert parse_amount(text) == amount


def test_territory_refs():
    assert parse_territory_ref("2A004") == "commune:2A004"
    assert parse_territory_ref("epci:246700488") == "epci:246700488"
    assert parse_territory_ref("246700488") == "epci:246700488"
    assert parse_territory_ref("974") == "departement:974"
    with pytest.raises(ValueError, match="unknown territory level"):
        parse_territory_ref("canton:6701")
    assert Territory(code="2b033", level="Commune", name="Bastia").id == "commune:2B033"


def test_need_requires_place():
    assert "territory or a holder" in str(errors(Need, {"id": "n", "title": "T"}))
    assert parse_date("") is None
