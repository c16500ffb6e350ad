"""The Reliability figures of the README, measured: secrets, stalls, redaction time.

    python3 benchmarks/reliability.py

1. Every Neo4j URI of ``tests/test_secrets.py`` (7 passwords with ``#?/@%`` , a space or a colon,
   14 URI shapes each) × its 8 commands, against an unreachable server: runs, and runs whose
   output shows the password, whole, percent-encoded or by a piece of 3 characters or more.
2. The inputs that once stalled a load (``tests/hostile.py``'s ``stall_cases``): CPU and wall time.
3. :func:`maillage.redaction.redact` on megabyte lines (the old regular expression took 81 s on
   128 KiB).
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from click.testing import CliRunner  # noqa: E402

from maillage.cli import cli  # noqa: E402
from maillage.redaction import redact  # noqa: E402
from tests.hostile import stall_cases  # noqa: E402
from tests.test_secrets import COMMANDS, PASSWORDS, _pieces, _uris  # noqa: E402


def secrets_matrix(folder: Path) -> tuple[int, int, int]:
    runs = leaks = tracebacks = 0
    for password in PASSWORDS:
        for command in COMMANDS:
            for uri in _uris(password):
                output = CliRunner().invoke(cli, [*command, "--store", uri]).output
                runs += 1
                leaks += any(piece in output for piece in _pieces(password))
                tracebacks += "Traceback" in output or "unexpected error" in output
    return runs, leaks, tracebacks


def stalls(folder: Path) -> list[tuple[str, float, float, int]]:
    out = []
    for name, arguments, _code, _text in stall_cases(folder):
        store = folder / f"{len(out)}.db"
        wall, cpu = time.perf_counter(), time.process_time()
        result = CliRunner().invoke(cli, ["load", "--store", str(store), *arguments])
        out.append((name, time.process_time() - cpu, time.perf_counter() - wall, result.exit_code))
    return out


def redaction() -> list[tuple[str, float]]:
    lines = {"1 MiB one-line CSV with '@'": ",".join(["cellule"] * 131_072) + "@",
             "2 MiB 'a…:b…@'": "a" * 2 ** 20 + ":" + "b" * 2 ** 20 + "@",
             "1 MiB of 'x:'": "x:" * 2 ** 19 + "@",
             "1 MiB of 'password='": "password=" * 116_508,
             "1 MiB of 'bolt://'": "bolt://" * 149_796}
    out = []
    for name, text in lines.items():
        start = time.perf_counter()
        redact(text)
        out.append((name, time.perf_counter() - start))
    return out


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        runs, leaks, tracebacks = secrets_matrix(folder)
        print(f"secrets: {runs} runs (URIs × commands), {leaks} leaks, {tracebacks} tracebacks")
        for name, cpu, wall, code in stalls(folder):
            print(f"stall case {name}: exit {code}, {cpu:.2f} s CPU, {wall:.2f} s wall")
    for name, seconds in redaction():
        print(f"redaction of {name}: {seconds * 1000:.0f} ms")


if __name__ == "__main__":
    main()
