"""The backtest on a real multi-year French subsidy history (issue 22's « same protocol » on French data).

Usage: python benchmarks/subsidies.py [--before 2012-01-01 2014-01-01 2016-01-01] [--bootstrap 1000]
       [--json results.json]

Loads, as published, the multi-year files of ``tests/fixtures/real/`` into a fresh embedded store:
Maine-et-Loire's own subsidy list 2008–2018 (``--grantor 224900019``, 11,843 rows) and its
conventions (SCDL, same SIREN: the same grantor), Sarthe's 2018 list (``--grantor 227200029``), the
Loire-Atlantique excerpt and Vendée's files (2017–2019), then runs :func:`maillage.queries.evaluate`
on the projection, as ``maillage evaluate --before …`` does, and prints its tables.

What it can say is bounded by what these files are: each lists one grantor's grants, so the
« new pairs » are a département funding an association it never funded before, and almost every
query actor is a grantor; the renewals (the same association funded again) are most of the
future, measured apart against « repeat past ties ».
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

REAL = ROOT / "tests" / "fixtures" / "real" / "scdl"
FILES = (  # (file or glob, --grantor for the lists without grantor columns)
    ("MaineEtLoire_CD49_subventions_associations_2008-2018.csv", "224900019"),
    ("MaineEtLoire_CD49_conventions.csv", None),
    ("Sarthe_CD72_sub_asso_2018.csv", "227200029"),
    ("LoireAtlantique_CD44_subventions_associations_excerpt.csv", None),
    ("Vendee_CD85_*.csv", None),
)
CUTOFFS = ("2012-01-01", "2014-01-01", "2016-01-01")


def load_history(store) -> list[str]:
    """Load the files into ``store``; return one line per load saying what it kept."""
    from maillage.loaders.pipeline import load_files

    lines = []
    for pattern, grantor in FILES:
        paths = sorted(REAL.glob(pattern))
        report = load_files(store, paths, on_error="skip", grantor=grantor)
        totals = report.totals().get("partnerships", {})
        lines.append(f"{pattern}: {totals.get('created', 0):,} grants created, {report.bad_rows:,} rows refused")
    return lines


def main(argv=None) -> int:
    from maillage.graph import open_store
    from maillage.graph.projection import project
    from maillage.queries.evaluate import evaluate
    from maillage.render import evaluate_lines

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", nargs="+", default=list(CUTOFFS))
    parser.add_argument("--bootstrap", type=int, default=1000)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder, open_store(Path(folder) / "subsidies.db") as store:
        for line in load_history(store):
            print(line, flush=True)
        graph = project(store)
        print(f"# {graph.number_of_nodes():,} actors, {graph.number_of_edges():,} ties", flush=True)
        result = evaluate(graph, args.before, bootstrap=args.bootstrap)
    for line in evaluate_lines(result):
        print(line)
    if args.json:
        args.json.write_text(json.dumps(result, indent=1, sort_keys=True, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
