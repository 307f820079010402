"""What the network collector adds to ``diagbundle collect``. Prints figures; asserts nothing.

1. In a fresh process, as in a real run (the CLI's modules imported, plugins
   loaded, the redactor built, bytecode caches present): the first
   ``collect()`` call, imports of the platform modules included; N
   processes, median wall and CPU time. This is the work network adds.
2. The real CLI: ``diagbundle collect --only environment`` against
   ``--only environment,network``, run alternately (a burst of load from
   other processes falls on both alike), N runs each. This is the figure
   issue 13 sets a target for (<= 50 ms; it reads files, and runs a
   subprocess only where no file holds the answer, e.g. gsettings on a GNOME
   machine). (The baseline must write a file: a run where every collector is
   skipped never builds the redactor, which would be charged to network.)
   Printed side by side: wall and CPU time (user + system of the child and
   all its threads, ``RUSAGE_CHILDREN``) of each, the median of the paired
   differences, and the CPU time network's own thread used in the runs
   with it. On a shared machine the CPU figures are the ones to read: other
   processes' load stretches wall time by far more than 50 ms from one run
   to the next. The children may write bytecode caches
   (``PYTHONDONTWRITEBYTECODE`` is dropped for them, as in bench_har.py): an
   installed copy has them, and compiling the plugin's sources on every run
   would be charged to it.

    python bench/bench_network.py [--runs 21]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from diagbundle.context import Context, Store
from diagbundle.redaction import Redactor

#: The children's environment: bytecode caches may be written, as an installed copy has them.
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


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
    """Wall and CPU seconds of the first collect() in ``runs`` fresh processes."""
    wall, cpu = [], []
    for i in range(runs + 1):
        out = subprocess.run([sys.executable, "-c", FRESH], capture_output=True, text=True, env=ENV,
                             check=True)
        if i:  # the first run writes the bytecode caches
            w, c = out.stdout.split()
            wall.append(float(w))
            cpu.append(float(c))
    return wall, cpu


#: ``diagbundle collect`` as ``python -m diagbundle`` runs it, which also prints (on stderr, last
#: line) the CPU seconds of the network collector's thread; the same few lines run in both sets.
CLI = """
import sys, threading, time
from diagbundle.cli import main
run = threading.Thread.run
spent = []
def timed(self):
    try:
        run(self)
    finally:
        if self.name == "diagbundle-network":
            spent.append(time.thread_time())
threading.Thread.run = timed
code = main(sys.argv[1:])
print(spent[0] if spent else "", file=sys.stderr)
raise SystemExit(code)
"""


def cli(sets: tuple[str, ...], runs: int) -> dict[str, dict[str, list[float]]]:
    """Wall and CPU seconds of ``collect --only S`` for each S (alternating); network's thread CPU."""
    found: dict[str, dict[str, list[float]]] = {s: {"wall": [], "cpu": [], "thread": []} for s in sets}
    with tempfile.TemporaryDirectory() as folder:
        for i in range(runs + 1):
            for only in sets:
                command = [sys.executable, "-c", CLI, "collect", "-o", str(Path(folder, f"{only}-{i}.zip")),
                           "--only", only]
                before = resource.getrusage(resource.RUSAGE_CHILDREN)
                start = time.perf_counter()
                out = subprocess.run(command, check=True, capture_output=True, text=True, env=ENV)
                wall = time.perf_counter() - start
                after = resource.getrusage(resource.RUSAGE_CHILDREN)
                if not i:  # the first run warms caches
                    continue
                found[only]["wall"].append(wall)
                found[only]["cpu"].append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
                thread = out.stderr.strip().splitlines()[-1:] or [""]
                if thread[0]:
                    found[only]["thread"].append(float(thread[0]))
    return found


def ms(values: list[float]) -> float:
    return statistics.median(values) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21)
    args = parser.parse_args()
    inproc = in_process(args.runs + 1)[1:]
    print(f"network collect() again in the same process: median {ms(inproc):.1f} ms "
          f"(min {min(inproc) * 1000:.1f}), {args.runs} runs")
    wall, cpu = fresh(args.runs)
    print(f"network's first collect() in a fresh process: median {ms(wall):.1f} ms "
          f"wall (min {min(wall) * 1000:.1f}), {ms(cpu):.1f} ms CPU "
          f"(min {min(cpu) * 1000:.1f}), {args.runs} processes")
    load = os.getloadavg()[0]
    base, both = "environment", "environment,network"
    runs = cli((base, both), args.runs)
    print(f"diagbundle collect, {args.runs} runs each, alternating (load average {load:.1f} -> "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs):")
    print(f"  {'':30s} {'wall median':>12s} {'CPU median':>11s} {'CPU min':>8s}")
    for only in (base, both):
        r = runs[only]
        print(f"  --only {only:23s} {ms(r['wall']):9.0f} ms {ms(r['cpu']):8.0f} ms "
              f"{min(r['cpu']) * 1000:5.0f} ms")
    pairs = {k: [b - a for a, b in zip(runs[base][k], runs[both][k], strict=True)] for k in ("wall", "cpu")}
    floor = (min(runs[both]["cpu"]) - min(runs[base]["cpu"])) * 1000
    print(f"network adds (median of the paired differences): wall {ms(pairs['wall']):.0f} ms, "
          f"CPU {ms(pairs['cpu']):.0f} ms; CPU min to min {floor:.0f} ms; network's own thread: "
          f"{ms(runs[both]['thread']):.1f} ms CPU (median). Target <= 50 ms.")


if __name__ == "__main__":
    main()
