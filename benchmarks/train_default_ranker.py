"""Train the ranking model shipped with maillage (``maillage/data/ranker/``) on real public data.

Usage: python benchmarks/train_default_ranker.py [--at 2021-01-01]

It learns from the EU Horizon 2020 co-participation network (benchmarks/h2020.py: French
organisations, and all countries' societal-challenge projects), every fold before ``--at``, with
the parameters of :mod:`maillage.queries.ranking`. The default model ranks only where a store's
own history is too short to train one (the threshold is in ranking.py); the backtests on the
H2020 worlds never use it (they train on each cut-off's past alone), so it does not grade itself.
The output is byte-identical for the same data (LightGBM deterministic, one thread, seeded).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from h2020 import DATA, h2020_world  # noqa: E402
from maillage.queries import ranking  # noqa: E402
from maillage.queries.pairfeatures import FEATURES  # noqa: E402


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--at", default="2021-01-01")
    args = parser.parse_args(argv)
    parts, worlds = [], {}
    for world in ("fr", "societal"):
        rows = ranking.history_rows(h2020_world(world), args.at)
        parts.append(rows)
        worlds[world] = {"rows": int(len(rows[1])), "positives": int(rows[1].sum()), "queries": len(rows[2])}
        print(world, worlds[world], flush=True)
    x = np.vstack([p[0] for p in parts])
    y = np.concatenate([p[1] for p in parts])
    groups = [g for p in parts for g in p[2]]
    model = ranking.train((x, y, groups))
    ranking.DEFAULT.mkdir(parents=True, exist_ok=True)
    text = model.model_to_string()
    (ranking.DEFAULT / "default.txt").write_text(text, encoding="utf-8")
    sources = {path.name: hashlib.sha256(path.read_bytes()).hexdigest() for path in sorted(DATA.glob("*.csv.gz"))}
    meta = {"features": list(FEATURES), "params": ranking.PARAMS, "rounds": ranking.ROUNDS,
            "trained_on": f"EU Horizon 2020 co-participations (CORDIS via zambujo/eunets), French organisations "
                          f"and societal-challenge projects, folds before {args.at}",
            "worlds": worlds, "sources_sha256": sources}
    (ranking.DEFAULT / "default.json").write_text(json.dumps(meta, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print("wrote", ranking.DEFAULT / "default.txt", len(text), "characters")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
