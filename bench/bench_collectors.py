"""How fast are the environment and browsers collectors? Prints figures; asserts nothing.

1. In-process: each collector's collect() with a real Context, repeated.
2. The real CLI, hyperfine-style: ``diagbundle collect --only environment,browsers``
   run N times (after one warm-up that fills the py-cpuinfo cache); median printed.

Target (issue 4): CLI median <= 0.3 s on the 2-core CI machine (envinfo: 0.95 s).

    python bench/bench_collectors.py [--runs 15]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from diagbundle.context import Context, Store
from diagbundle.redaction import Redactor


def in_process(name: str, runs: int) -> list[float]:
    import importlib

    module = importlib.import_module(f"diagbundle_plugins.{name}")
    times = []
    for _ in range(runs):
        store = Store(Redactor())
        ctx = Context(name, store, {})
        start = time.perf_counter()
        module.collect(ctx)
        times.append(time.perf_counter() - start)
        store.close()
    return times


def cli(runs: int) -> list[float]:
    exe = shutil.which("diagbundle") or str(Path(sys.executable).parent / "diagbundle")
    times = []
    with tempfile.TemporaryDirectory() as tmp:
        argv = [exe, "collect", "--only", "environment,browsers", "--yes", "-o",
                str(Path(tmp) / "b.zip")]
        subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
        for _ in range(runs):
            start = time.perf_counter()
            subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
            times.append(time.perf_counter() - start)
    return times


def show(label: str, times: list[float]) -> None:
    print(f"{label:<44} median {statistics.median(times) * 1000:7.1f} ms   "
          f"min {min(times) * 1000:7.1f} ms   max {max(times) * 1000:7.1f} ms   n={len(times)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    in_process("environment", 1)  # fills the py-cpuinfo cache, as any first run does
    show("environment collect() in-process", in_process("environment", args.runs))
    show("browsers collect() in-process", in_process("browsers", args.runs))
    show("CLI collect --only environment,browsers", cli(args.runs))


if __name__ == "__main__":
    main()
