"""Wall time and peak RSS of a command, measured from a small launcher process.

Linux copies the RSS high-water mark of the process that forks into the
child's ``ru_maxrss`` at exec, so a child forked straight from a large
benchmark process reports the benchmark's peak as its own (bench_core saw
88 MB for every row, even ``python -c pass``; bench_har's generator holds a
whole HAR). Forked from this small launcher instead, the figure is the
command's own plus at most the launcher's few MB (bench_core's
``python -c pass`` row shows that floor). Imported by the benches as
``from _launch import launch`` (a script's folder is on ``sys.path``).
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Mapping
from typing import IO

#: Forks, execs the command, and prints its wall time, ``wait4``'s peak RSS (KiB), the peak
#: of the RSS and of the PSS summed over the command and every process it starts (KiB,
#: sampled every 20 ms from /proc) and its exit code.
LAUNCHER = """
import os, sys, threading, time

def tree(pid):
    found = [pid]
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as fh:
                for child in fh.read().split():
                    found += tree(int(child))
    except OSError:
        pass
    return found

def field(pid, name, key):
    try:
        with open(f"/proc/{pid}/{name}") as fh:
            for line in fh:
                if line.startswith(key):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0

started = time.perf_counter()
pid = os.fork()
if pid == 0:
    try:
        os.execvp(sys.argv[1], sys.argv[1:])
    finally:
        os._exit(127)
peaks = [0, 0]
ended = threading.Event()

def sample():  # beside the blocking wait, so the wall time stays exact
    while not ended.wait(0.02):
        procs = tree(pid)
        peaks[0] = max(peaks[0], sum(field(p, "status", "VmRSS:") for p in procs))
        peaks[1] = max(peaks[1], sum(field(p, "smaps_rollup", "Pss:") for p in procs))

sampler = threading.Thread(target=sample, daemon=True)
sampler.start()
_, status, usage = os.wait4(pid, 0)
took = time.perf_counter() - started
ended.set()
sampler.join()
rss, pss = peaks
print(took, usage.ru_maxrss, max(rss, usage.ru_maxrss), max(pss, 1),
      os.waitstatus_to_exitcode(status), file=sys.stderr)
"""


def launch(command: list[str], *, stdout: int | IO[bytes] = subprocess.DEVNULL,
           env: Mapping[str, str] | None = None) -> tuple[float, int]:
    """Run ``command`` through :data:`LAUNCHER`: its wall time (s) and peak RSS (KiB).

    The RSS is the larger of ``wait4``'s (one process's high-water mark) and
    the sampled sum over the process tree; :func:`launch_tree` also gives the
    summed PSS, which counts pages forked workers share with their parent once.
    """
    took, rss, _ = launch_tree(command, stdout=stdout, env=env)
    return took, rss


def launch_tree(command: list[str], *, stdout: int | IO[bytes] = subprocess.DEVNULL,
                env: Mapping[str, str] | None = None) -> tuple[float, int, int]:
    """Run ``command`` through :data:`LAUNCHER`: wall time (s), peak summed RSS and PSS (KiB).

    A command that fails ends the benchmark with a one-line message (the
    last lines of its stderr): a figure for a failed run would mislead.
    """
    done = subprocess.run([sys.executable, "-c", LAUNCHER, *command], stdout=stdout, stderr=subprocess.PIPE,
                          env=env, check=False)
    *errors, last = done.stderr.decode(errors="replace").strip().splitlines() or ["? 0 0 0 1"]
    took, _, rss, pss, code = last.split()
    if int(code) != 0:
        shown = " ".join(arg if "\n" not in arg else "<script>" for arg in command)
        raise SystemExit(f"{shown} failed ({code}): {' '.join(errors[-3:]).strip()}")
    return float(took), int(rss), int(pss)
