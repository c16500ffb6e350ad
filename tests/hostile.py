"""A corpus of hostile and malformed inputs for ``maillage load``, made deterministically.

``corpus(folder)`` writes the files and returns ``(path, expectation)`` pairs: each file is a base
of good rows (actors, partnerships, needs, territories, open data) damaged in one way: encodings,
truncation, line endings, numbers no store can hold, nesting, trailing data, missing columns,
hostile names and websites, identifiers in other scripts, bytes flipped at random (seeded). The
expectation says what skip mode must keep when it is known (``{kind: rows created}``).
Run ``python3 -m tests.hostile DIR`` to look at the files.
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

ACTOR_HEADER = "id,name,kind,commune,siren,themes,website"
GOOD_ACTORS = [
    "amis,Les Amis du Quartier,association,67482,,lien_social,https://amis.example.org",
    "atelier,Atelier Vélo,association,67218,,mobilite,",
    "ibm,IBM France,company,92050,552118465,numerique,www.ibm.com",
    "ville,Ville de Schiltigheim,collectivite,67447,216704478,,",
    "club,Club de Foot,association,67043,,sport,",
]
TIE_HEADER = "source,target,kind,start,end,amount"
GOOD_TIES = ["amis,atelier,cooperation,2020-01-01,,", "ville,amis,subvention,2021-03-01,2021-12-31,1500",
             "ibm,club,mecenat_financier,2022,,2 000,50 €"]
SCDL_HEADER = "nomAttribuant;idAttribuant;dateConvention;nomBeneficiaire;idBeneficiaire;objet;montant"
GOOD_SCDL = ["Ville de Roques;21310458100011;2017-04-13;Tennis Club;44137080600016;Subvention;2400",
             "Ville de Roques;21310458100011;2017-04-13;Club B;;Subvention;100"]

HOSTILE_VALUES = [
    "</script><script>alert(1)</script>", "=HYPERLINK(\"http://evil\")", "+cmd|' /C calc'!A0", "@SUM(1)",
    "\x00nul", "a\x1bb", "\ufffe\uffff", "\ud800", "\u202etxt.exe", "x" * 100_000, "'; DROP TABLE actors;--",
    "`) DETACH DELETE n //", "${jndi:ldap://x}", "../../etc/passwd", "１２３", "٥٥٢١١٨٤٦٥", "NaN", "1e999", "-0",
    "9" * 30, "\u0000", "\t=1+1", "\r=1", "javascript:alert(1)", "data:text/html,<b>x</b>", "  ", "\"", ";;;",
]
HOSTILE_NUMBERS = ["1e999", "NaN", "Infinity", "-1", "1e400", "9" * 4301, "0x10", "1,2,3", "12..5", "€"]
HOSTILE_DATES = ["2023-02-28garbage", "2023-02-28T25:00", "2023-02-30", "31/02/2020", "0000-00-00", "2023-13-01",
                 "99999-01-01", "2023/02", "hier", "2023-02-28T10:00:00+99:00"]


def _csv(header: str, rows: list[str]) -> str:
    return "\n".join([header, *rows]) + "\n"


def _cases() -> list[tuple[str, bytes, dict]]:
    """(file name, bytes, expectation) for every hand-written hostile case."""
    actors = _csv(ACTOR_HEADER, GOOD_ACTORS).encode()
    cases = [
        ("empty.csv", b"", {}), ("blank.csv", b"\n\n  \n", {}), ("header-only.csv", ACTOR_HEADER.encode() + b"\n", {}),
        ("bom-only.csv", b"\xef\xbb\xbf", {}), ("utf16.csv", _csv(ACTOR_HEADER, GOOD_ACTORS).encode("utf-16"), {}),
        ("utf16.json", json.dumps([{"id": "a", "name": "A", "kind": "association"}]).encode("utf-16"), {}),
        ("cp1252.json", '[{"id": "a", "name": "Crèche", "kind": "association"}]'.encode("cp1252"), {}),
        ("cr-only.csv", actors.replace(b"\n", b"\r"), {}), ("crlf.csv", actors.replace(b"\n", b"\r\n"), {}),
        ("cr-in-field.csv", _csv(ACTOR_HEADER, GOOD_ACTORS[:2] + ['x,"A\rB",association,,,,',
                                                                    "y,Un\rdeux,association,,,,"]).encode(), {}),
        ("nul.csv", actors[:60] + b"\x00" * 10 + actors[60:], {}),
        ("missing-column.csv", _csv("id,name", ["a,A", "b,B"]).encode(), {}),
        ("duplicate-header.csv", _csv("id,name,kind,name", ["a,A,association,B"]).encode(), {}),
        ("too-many-fields.csv", _csv(ACTOR_HEADER, GOOD_ACTORS + ["z,Z,association,,,,,,extra,more"]).encode(),
         {"actors": 5}),
        ("unbalanced-quote.csv", _csv(ACTOR_HEADER, GOOD_ACTORS + ['q,"never closed,association,,,,']).encode(), {}),
        ("deep.json", ("[" + '{"id": "a", "name": "A", "kind": "association", "x": ' + "[" * 100_000
                       + "]" * 100_000 + "}]").encode(), {}),
        ("deep.jsonl", ('{"id": "a", "name": "A", "kind": "association", "x": ' + "[" * 50_000 + "]" * 50_000
                        + "}\n").encode(), {}),
        ("trailing.json", b'[{"id": "a", "name": "A", "kind": "association"}] garbage', {}),
        ("two-arrays.json", b'[{"id": "a", "name": "A", "kind": "association"}][{"id": "b"}]', {}),
        ("not-array.json", b'{"id": "a", "name": "A", "kind": "association"}', {}),
        ("array-of-numbers.json", b"[1, 2, 3]", {}), ("double-comma.json", b'[{"id": "a"},,{"id": "b"}]', {}),
        ("trailing-comma.json", b'[{"id": "a", "name": "A", "kind": "association"},]', {}),
        ("truncated.json", b'[{"id": "a", "name": "A", "kind": "association"}, {"id": "b", "na', {}),
        ("nan.json", b'[{"id": "a", "name": "A", "kind": "association", "x": NaN}]', {}),
        ("inf.json", b'[{"id": "a", "name": "A", "kind": "association", "x": 1e999}]', {}),
        ("bigint.json", ('[{"code": "67482", "level": "commune", "name": "S", "population": ' + "9" * 25 + "}]").encode(),
         {}),
        ("hugeint.json", ('[{"id": "a", "name": "A", "kind": "association", "x": ' + "9" * 4301 + "}]").encode(), {}),
        ("jsonl-good-then-bad.jsonl", b"".join(
            json.dumps({"id": f"g{i}", "name": f"Good {i}", "kind": "association"}).encode() + b"\n" for i in range(5))
         + b'{"id": "bad", "name": \n', {"actors": 5}),
        ("jsonl-not-object.jsonl", b'{"id": "a", "name": "A", "kind": "association"}\n[1]\n"s"\n', {"actors": 1}),
        ("population-2-63.csv", _csv("code,level,name,population", ["67482,commune,S," + str(2**63)]).encode(), {}),
        ("population-negative.csv", _csv("code,level,name,population", ["67482,commune,S,-5"]).encode(), {}),
        ("territory-bad-level.csv", _csv("code,level,name", ["67482,planet,S", "20001,commune,Corse"]).encode(), {}),
        ("scdl-damaged.csv", _csv(SCDL_HEADER, GOOD_SCDL + ["X;7,77E+13;hier;;;;abc"]).encode(), {"partnerships": 2}),
        ("scdl-only-header.csv", (SCDL_HEADER + "\n").encode(), {}),
        ("rna-broken.csv", b"id;titre;objet_social1;adrs_codeinsee\nW672001234;A;020010;67482\n;;;\nW67;;x;99999\n",
         {}),
        ("sirene-broken.csv", b"siren,categorieJuridiqueUniteLegale,etatAdministratifUniteLegale,"
                              b"denominationUniteLegale\n552118465,5710,A,IBM\nabc,,,\n", {}),
        ("geo-sirene.csv", b"SIREN,NIC,NOMEN_LONG,DEPCOMEN\n552118465,00012,IBM,92050\n", {}),
        ("communes.json", b'[{"code": "67482"}]', {}), ("epci.json", b'[{"code": 1, "nom": "x", "membres": "no"}]', {}),
        ("regions.json", b'{"not": "a list"}', {}), ("departements.json", b"[null, 1]", {}),
        ("partnerships-unknown.csv", _csv(TIE_HEADER, ["nobody,amis,cooperation,,,", "amis,amis,cooperation,,,"]).encode(),
         {}),
        ("needs-bad.csv", _csv("id,title,territory,status", ["n1,T,region:99x,open", "n2,T,,maybe", "n3,T,67,open"]).encode(),
         {}),
        ("initiatives-bad.csv", _csv("id,name,members", ["i1,I,nobody:porteur;amis:chef"]).encode(), {}),
    ]
    for i, value in enumerate(HOSTILE_VALUES):
        quoted = '"' + value.replace('"', '""') + '"'
        cases.append((f"value-name-{i}.csv", _csv(ACTOR_HEADER, [f"h{i},{quoted},association,,,,"]).encode(
            "utf-8", "surrogatepass"), {}))
        cases.append((f"value-website-{i}.csv", _csv(ACTOR_HEADER, [f"w{i},Site,association,,,,{quoted}"]).encode(
            "utf-8", "surrogatepass"), {}))
        cases.append((f"value-siren-{i}.csv", _csv(ACTOR_HEADER, [f"s{i},S,company,,{quoted},,"]).encode(
            "utf-8", "surrogatepass"), {}))
        cases.append((f"value-json-{i}.json", json.dumps([{"id": f"j{i}", "name": value, "kind": "association",
                                                           "note": value}]).encode("utf-8", "surrogatepass"), {}))
    for i, number in enumerate(HOSTILE_NUMBERS):
        cases.append((f"amount-{i}.csv", _csv(TIE_HEADER, [f'amis,atelier,cooperation,,,"{number}"']).encode(), {}))
        cases.append((f"population-{i}.csv", _csv("code,level,name,population", [f'67482,commune,S,"{number}"']).encode(),
                      {}))
    for i, date in enumerate(HOSTILE_DATES):
        cases.append((f"date-{i}.csv", _csv(TIE_HEADER, [f"amis,atelier,cooperation,{date},,"]).encode(), {}))
        cases.append((f"need-since-{i}.csv", _csv("id,title,territory,since", [f"n{i},T,67,{date}"]).encode(), {}))
    return cases


def _mutations(rng: random.Random, base: bytes, name: str, count: int) -> list[tuple[str, bytes, dict]]:
    """Seeded random damage to a good file: truncations, flipped bytes, inserted and deleted runs."""
    out = []
    stem, suffix = name.rsplit(".", 1)
    for i in range(count):
        data = bytearray(base)
        how = rng.choice(("truncate", "flip", "insert", "delete", "swap-lines"))
        if how == "truncate":
            data = data[:rng.randrange(1, len(data))]
        elif how == "flip":
            for _ in range(rng.randint(1, 6)):
                data[rng.randrange(len(data))] = rng.randrange(256)
        elif how == "insert":
            at = rng.randrange(len(data))
            data[at:at] = bytes(rng.choice(b'",;\n\r\x00{}[]:\\\xff\xc3') for _ in range(rng.randint(1, 8)))
        elif how == "delete":
            at = rng.randrange(len(data))
            del data[at:at + rng.randint(1, 12)]
        else:
            lines = bytes(data).split(b"\n")
            rng.shuffle(lines)
            data = bytearray(b"\n".join(lines))
        out.append((f"{stem}-{how}-{i}.{suffix}", bytes(data), {}))
    return out


def corpus(folder: Path, random_per_base: int = 70, seed: int = 20261126) -> list[tuple[Path, dict]]:
    """Write the corpus into ``folder``; return ``(path, expectation)`` pairs (at least 500 files)."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    bases = {
        "actors.csv": _csv(ACTOR_HEADER, GOOD_ACTORS).encode(),
        "actors.json": json.dumps([dict(zip(ACTOR_HEADER.split(","), row.split(","))) for row in GOOD_ACTORS],
                                  ensure_ascii=False).encode(),
        "actors.jsonl": "".join(json.dumps(dict(zip(ACTOR_HEADER.split(","), row.split(","))), ensure_ascii=False)
                                + "\n" for row in GOOD_ACTORS).encode(),
        "partnerships.csv": _csv(TIE_HEADER, GOOD_TIES).encode(),
        "subventions.csv": _csv(SCDL_HEADER, GOOD_SCDL).encode(),
    }
    cases = _cases()
    for name, base in bases.items():
        cases += _mutations(rng, base, name, random_per_base)
    written = []
    for name, data, expectation in cases:
        path = folder / name
        path.write_bytes(data)
        written.append((path, expectation))
    return written


if __name__ == "__main__":  # pragma: no cover
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "hostile-corpus")
    print(f"{len(corpus(target))} files in {target}")


STALLS = ["100,000 columns × 50 rows", "a header of 1,000,000 columns", "256 MiB of sparse zero bytes",
          "a vocabulary of 100,000 themes", "200,000 small rows, 180,000 bad, skip mode"]


def stall_cases(folder: Path) -> list[tuple[str, list[str], int, str]]:
    """Inputs that once ran for minutes: ``(name, load arguments, exit code, text the output holds)``.

    Each must end in seconds, refused up front with the limit named or loaded in linear time.
    """
    folder.mkdir(parents=True, exist_ok=True)
    wide = folder / "wide.csv"
    with wide.open("w") as handle:
        handle.write(",".join(["id", "name", "kind"] + [f"c{i}" for i in range(100_000)]) + "\n")
        for row in range(50):
            handle.write(",".join([f"a{row}", f"A {row}", "association"] + [""] * 100_000) + "\n")
    header = folder / "header.csv"
    header.write_text(",".join(["id", "name", "kind"] + [f"x{i}" for i in range(1_000_000)]) + "\na,A,association\n")
    sparse = folder / "sparse.csv"
    with sparse.open("wb") as handle:
        handle.truncate(256 * 2 ** 20)  # 256 MiB of zero bytes, sparse on disk
    vocabulary, themed = folder / "vocabulary.csv", folder / "themed.csv"
    vocabulary.write_text("vocabulary,code,label\n" + "".join(f"theme,t{i},Thème {i}\n" for i in range(100_000)))
    themed.write_text("id,name,kind,themes\n" + "".join(
        f"a{i},A {i},association," + ";".join(f"t{i * 100 + j}" for j in range(100)) + "\n" for i in range(1_000)))
    many = folder / "many.csv"
    many.write_text("id,name,kind\n" + "".join(
        f"a{i},A {i},{'association' if i % 10 == 0 else f'asociation{i}'}\n" for i in range(200_000)))
    return [
        (STALLS[0], [str(wide)], 1, "more than the 2,000 maillage reads"),
        (STALLS[1], [str(header)], 1, "the header line is longer than 1 MiB"),
        (STALLS[2], [str(sparse)], 1, "binary data (a NUL byte) in the first 64 KiB"),
        (STALLS[3], ["--vocabulary", str(vocabulary), str(themed)], 0,
         "1,000 rows loaded out of 1,000"),
        (STALLS[4], ["--on-error", "skip", str(many)], 0,
         "20,000 rows loaded out of 200,000"),
    ]
