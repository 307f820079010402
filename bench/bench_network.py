"""What the network collector adds to ``diagbundle collect``. Prints figures; asserts nothing.

1. In a fresh process, as in a real run (the CLI's modules imported, plugins
   loaded, the redactor built, bytecode caches present): the first
   ``collect()`` call, imports of the platform modules included; N
   processes, median. This is what network adds
   to a run's work; the CLI comparison below also carries the machine's noise.
2. The real CLI: ``diagbundle collect --only environment`` against
   ``--only environment,network``, N runs each, medians and the difference.
   (The baseline must write a file: a run where every collector is skipped
   never builds the redactor, which would be charged to network.) This is
   the figure issue 13 sets a target for
   the figure issue 13 sets a target for (<= 50 ms; it reads files, and runs
   a subprocess only where no file holds the answer, e.g. gsettings on a
   GNOME machine). The children may write bytecode caches
   (``PYTHONDONTWRITEBYTECODE`` is dropped for them, as in bench_har.py): an
   installed copy has them, and compiling the plugin's sources on every run
   would be charged to it.

    python bench/bench_network.py [--runs 11]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from diagbundle.context import Context, Store
from diagbundle.redaction import Redactor


def in_process(runs: int) -> list[float]:
    import diagbundle_plugins.network as network

    times = []
    for _ in range(runs):
        store = Store(Redactor())
        ctx = Context("network", store, {})
        start = time.perf_counter()
        network.collect(ctx)
        times.append(time.perf_counter() - start)
        store.close()
    return times


FRESH = """
import time
import diagbundle.cli, diagbundle.api  # what every run imports before a collector starts
from diagbundle.plugins import PluginManager
from diagbundle.context import Context, Store
from diagbundle.redaction import Redactor
PluginManager(autoload=False).gather()
store = Store(Redactor())
import diagbundle_plugins.network as network
start, cpu = time.perf_counter(), time.process_time()
network.collect(Context("network", store, {}))
print(time.perf_counter() - start, time.process_time() - cpu)
"""


def fresh(runs: int) -> tuple[list[float], list[float]]:
    """Wall and CPU seconds of the first collect() in ``runs`` fresh processes.

    CPU time is the steadier figure on a shared machine: other processes'
    load stretches wall time, not the work this process does.
    """
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    wall, cpu = [], []
    for i in range(runs + 1):
        out = subprocess.run([sys.executable, "-c", FRESH], capture_output=True, text=True, env=env,
                             check=True)
        if i:  # the first run writes the bytecode caches
            w, c = out.stdout.split()
            wall.append(float(w))
            cpu.append(float(c))
    return wall, cpu


def cli(only: str, runs: int) -> list[float]:
    times = []
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    with tempfile.TemporaryDirectory() as folder:
        for i in range(runs + 1):
            out = Path(folder, f"b{i}.zip")
            start = time.perf_counter()
            subprocess.run([sys.executable, "-m", "diagbundle", "collect", "-o", str(out), "--only", only],
                           check=False, capture_output=True, env=env)
            if i:  # the first run warms caches
                times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=11)
    args = parser.parse_args()
    inproc = in_process(args.runs + 1)[1:]
    print(f"network collect() again in the same process: median {statistics.median(inproc) * 1000:.1f} ms "
          f"(min {min(inproc) * 1000:.1f}), {args.runs} runs")
    wall, cpu = fresh(args.runs)
    print(f"network's first collect() in a fresh process: median {statistics.median(wall) * 1000:.1f} ms "
          f"wall (min {min(wall) * 1000:.1f}), {statistics.median(cpu) * 1000:.1f} ms CPU "
          f"(min {min(cpu) * 1000:.1f}), {args.runs} processes")
    print(f"load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    base = cli("environment", args.runs)
    both = cli("environment,network", args.runs)
    print(f"diagbundle collect --only environment:          median {statistics.median(base) * 1000:.0f} ms")
    print(f"diagbundle collect --only environment,network:  median {statistics.median(both) * 1000:.0f} ms")
    print(f"network adds: {(statistics.median(both) - statistics.median(base)) * 1000:.0f} ms "
          f"(target <= 50 ms)")


if __name__ == "__main__":
    main()
