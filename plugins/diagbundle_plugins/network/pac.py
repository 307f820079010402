"""Evaluating a PAC file safely: in a child process, with a hard time limit.

A PAC file is JavaScript written by someone else; ``while(true){}`` or a
slow regular expression must not hang the run. pypac (on dukpy's QuickJS
engine) evaluates it in :mod:`~diagbundle_plugins.network.pac_worker`,
which this module starts, feeds and kills when its time is up. Name
lookups are off unless the caller allows them (the connectivity probe
does, when the user asked for ``--probe``).
"""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

#: Seconds the child may take for all targets together, start-up included.
TIME_LIMIT = 5.0
MISSING = "PAC evaluation needs pypac: install diagbundle[pac]"


@dataclass
class PacEvaluation:
    """Per target, what ``FindProxyForURL`` returned; or why there is nothing."""

    results: dict[str, str] = field(default_factory=dict)
    error: str | None = None
    seconds: float = 0.0
    resolve: bool = False

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def available() -> bool:
    return importlib.util.find_spec("pypac") is not None


def evaluate(pac: str, targets: Iterable[str], *, resolve: bool = False,
             time_limit: float = TIME_LIMIT) -> PacEvaluation:
    """Run ``FindProxyForURL`` for every target in a child process killed after ``time_limit``."""
    targets = list(dict.fromkeys(targets))
    if not available():
        return PacEvaluation(error=MISSING, resolve=resolve)
    request = json.dumps({"pac": pac, "targets": targets, "resolve": resolve})
    started = time.monotonic()
    posix = os.name == "posix"
    child = subprocess.Popen(
        [sys.executable, "-m", "diagbundle_plugins.network.pac_worker"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        start_new_session=posix, creationflags=getattr(subprocess, "CREATE_NO_WINDOW", 0))
    try:
        out, err = child.communicate(request.encode(), timeout=time_limit)
    except subprocess.TimeoutExpired:
        _kill(child)
        return PacEvaluation(error=f"PAC evaluation did not finish within {time_limit:g} s and was "
                                   "stopped (an endless loop?)",
                             seconds=round(time.monotonic() - started, 3), resolve=resolve)
    finally:
        if child.poll() is None:
            _kill(child)
    seconds = round(time.monotonic() - started, 3)
    try:
        answer = json.loads(out)
    except ValueError:
        tail = err.decode("utf-8", "replace").strip().splitlines()[-1:]
        return PacEvaluation(error=f"PAC evaluator exited {child.returncode}: {' '.join(tail)}",
                             seconds=seconds, resolve=resolve)
    return PacEvaluation({str(k): str(v) for k, v in answer.get("results", {}).items()},
                         answer.get("error"), seconds, resolve)


def _kill(child: subprocess.Popen[bytes]) -> None:
    try:
        if os.name == "posix":
            os.killpg(child.pid, signal.SIGKILL)
        else:
            child.kill()
    except OSError:
        pass
    child.wait()
