import pytest
from hypothesis import assume, given, strategies as st

from maillage import identifiers as ids


def luhn_complete(digits: str) -> str:
    """Append the check digit that makes ``digits`` Luhn-valid."""
    return next(digits + str(d) for d in range(10) if ids.luhn_valid(digits + str(d)))


@given(st.text(alphabet="0123456789", min_size=8, max_size=8))
def test_any_luhn_completed_siren_is_valid_and_a_changed_digit_is_not(prefix):
    siren = luhn_complete(prefix)
    assert ids.normalize_siren(siren) == siren
    altered = siren[:-1] + str((int(siren[-1]) + 1) % 10)
    with pytest.raises(ValueError, match="check digit"):
        ids.normalize_siren(altered)


@given(st.text(alphabet="0123456789", min_size=8, max_size=8), st.text(alphabet="0123456789", min_size=4, max_size=4))
def test_siret_luhn_roundtrip(siren_prefix, nic_prefix):
    siren = luhn_complete(siren_prefix)  # a SIRET begins with a valid SIREN
    assume(siren != "356000000")
    siret = luhn_complete(siren + nic_prefix)
    assert ids.normalize_siret(" ".join([siret[:3], siret[3:9], siret[9:]])) == siret


def test_known_real_identifiers():
    assert ids.normalize_siren("552 118 465") == "552118465"  # Compagnie IBM France
    assert ids.normalize_siren("219400181") == "219400181"  # Charenton-le-Pont (COG)
    assert ids.normalize_siret("73282932000074") == "73282932000074"


def test_a_siret_whose_siren_fails_is_refused():
    assert ids.luhn_valid("40415200000000") and not ids.luhn_valid("404152000")  # passes by chance
    with pytest.raises(ValueError, match="its SIREN 404152000 fails"):
        ids.normalize_siret("40415200000000")


def test_la_poste_exception():
    # La Poste's establishments fail Luhn but have a digit sum divisible by 5
    digits_sum_ok = next(f"356000000{n:05d}" for n in range(1, 999) if sum(map(int, f"356000000{n:05d}")) % 5 == 0
                         and not ids.luhn_valid(f"356000000{n:05d}"))
    assert ids.normalize_siret(digits_sum_ok) == digits_sum_ok
    bad = next(f"356000000{n:05d}" for n in range(1, 999) if sum(map(int, f"356000000{n:05d}")) % 5)
    with pytest.raises(ValueError, match="La Poste"):
        ids.normalize_siret(bad)


@pytest.mark.parametrize("value, message", [
    ("55211846", "9 digits"), ("5521184650", "9 digits"), ("55211846A", "9 digits"), ("552118466", "Luhn"),
])
def test_bad_siren(value, message):
    with pytest.raises(ValueError, match=message):
        ids.normalize_siren(value)


@pytest.mark.parametrize("value", ["W672001234", "w751234567", "W2A1002345", "W9Z1000001"])
def test_rna_ok(value):
    assert ids.normalize_rna(value) == value.upper()


@pytest.mark.parametrize("value", ["672001234", "W67200123", "W6720012345", "X672001234", "W67200123!"])
def test_rna_bad(value):
    with pytest.raises(ValueError, match="RNA"):
        ids.normalize_rna(value)


@pytest.mark.parametrize("value, expected", [
    ("94018", "94018"), ("2A004", "2A004"), ("2b033", "2B033"), ("97411", "97411"), ("01001", "01001")])
def test_commune_ok(value, expected):
    assert ids.normalize_commune(value) == expected


@pytest.mark.parametrize("value, message", [
    ("1001", "leading zero"), ("20004", "2A or 2B"), ("96001", "no département 96"), ("2C004", "5 digits"),
    ("940180", "5 digits")])
def test_commune_bad(value, message):
    with pytest.raises(ValueError, match=message):
        ids.normalize_commune(value)


@given(st.sampled_from(sorted(ids.departements())), st.integers(0, 999))
def test_every_departement_yields_valid_commune_codes(departement, number):
    code = (departement + f"{number:03d}")[:5] if len(departement) == 2 else departement + f"{number % 100:02d}"
    assert ids.normalize_commune(code) == code
    assert ids.departement_of_commune(code) == departement


def test_region_of_departement():
    assert ids.region_of_departement("67") == "44"
    assert ids.region_of_departement("2A") == "94"
    assert ids.region_of_departement("99") is None


def test_luhn_by_tables_agrees_with_the_digit_by_digit_rule():
    import random

    from maillage.identifiers import _luhn_any, luhn_valid

    rng = random.Random(17)
    for _ in range(20_000):
        digits = "".join(rng.choice("0123456789") for _ in range(rng.choice([1, 2, 9, 14, 20])))
        assert luhn_valid(digits) == _luhn_any(digits), digits
    assert luhn_valid("٥٥٢١١٨٤٦٥") and not luhn_valid("552118466")  # Arabic-Indic digits read as before


def test_reading_a_plain_cell_quickly_gives_the_general_answer():
    import random
    from unittest import mock

    rng = random.Random(3)
    cells = ["".join(rng.choice("0123456789") for _ in range(rng.choice([9, 14]))) for _ in range(5_000)]
    cells += ["35600000000048", "35600000012345", "552118465", "55211846500013"]
    quick = [ids.read_id_cell(cell) for cell in cells]
    with mock.patch.object(ids, "luhn_valid", side_effect=lambda digits: ids._luhn_any(digits)):
        # a str subclass skips the quick lane: the general reading answers
        general = [ids.read_id_cell(type("Cell", (str,), {})(cell)) for cell in cells]
    assert quick == general
