"""A generated ecosystem written as a user's files, for the tests that load it and project it both ways."""

import csv
import random

from maillage.synthetic import planted_ecosystem


def write_ecosystem(folder, seed: int, actors: int, undated: float = 0.0) -> list:
    """Actors and partnerships files of ``planted_ecosystem(actors, seed)``: ties written either way,
    three in ten ended, a fifth of the pairs tied again the other way, a share ``undated`` without start."""
    rng, graph = random.Random(seed), planted_ecosystem(actors, seed=seed)
    with open(folder / "actors.csv", "w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["id", "name", "kind", "commune", "themes"])
        writer.writerows([v, d["name"], d["kind"], d["commune"], ";".join(d.get("themes") or [])]
                         for v, d in graph.nodes(data=True))
    with open(folder / "partnerships.csv", "w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["id", "source", "target", "kind", "start", "end"])
        for i, (u, v, d) in enumerate(graph.edges(data=True)):
            ends = (u, v) if rng.random() < 0.5 else (v, u)
            ended = f"{int(d['start'][:4]) + 2}-06-30" if rng.random() < 0.3 else ""
            start = "" if undated and rng.random() < undated else d["start"]
            writer.writerow([f"p{i}", *ends, d["kind"], start, ended])
            if rng.random() < 0.2:  # the same pair tied again, written the other way
                writer.writerow([f"q{i}", *reversed(ends), "subvention", d["start"], ""])
    return [folder / "actors.csv", folder / "partnerships.csv"]
