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

#: Forks, execs the command, and prints its wall time, ``wait4``'s peak RSS (KiB) and exit code.
LAUNCHER = """
import os, sys, time
started = time.perf_counter()
pid = os.fork()
if pid == 0:
    try:
        os.execvp(sys.argv[1], sys.argv[1:])
    finally:
        os._exit(127)
_, status, usage = os.wait4(pid, 0)
print(time.perf_counter() - started, usage.ru_maxrss, os.waitstatus_to_exitcode(status), file=sys.stderr)
"""


def launch(command: list[str], *, stdout: int | IO[bytes] = subprocess.DEVNULL,
           env: Mapping[str, str] | None = None) -> tuple[float, int]:
    """Run ``command`` through :data:`LAUNCHER`: its wall time (s) and peak RSS (KiB).

    A command that fails ends the benchmark with a one-line message (the
    last lines of its stderr): a figure for a failed run would mislead.
    """
    done = subprocess.run([sys.executable, "-c", LAUNCHER, *command], stdout=stdout, stderr=subprocess.PIPE,
                          env=env, check=False)
    *errors, last = done.stderr.decode(errors="replace").strip().splitlines() or ["? 0 1"]
    took, rss, code = last.split()
    if int(code) != 0:
        shown = " ".join(arg if "\n" not in arg else "<script>" for arg in command)
        raise SystemExit(f"{shown} failed ({code}): {' '.join(errors[-3:]).strip()}")
    return float(took), int(rss)
