"""Running ``<browser> --version`` safely, several at once.

Every child gets stdin closed, a short timeout, its own process group (so a
shell wrapper's children die with it) and, on Windows, no window. DISPLAY
and WAYLAND_DISPLAY are removed from its environment, so even a wrapper
script that would show an error dialog (Debian's chromium uses xmessage)
cannot open a window.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass

#: Seconds one ``--version`` may take.
TIMEOUT = 3.0
_VERSION = re.compile(r"(?<![\w.])(\d+(?:\.\d+)+(?:esr|[ab]\d+)?)(?![\w.])")
_NO_WINDOW_ENV = ("DISPLAY", "WAYLAND_DISPLAY")


@dataclass
class Outcome:
    """The first line a command printed, or why there is none."""

    output: str | None
    error: str | None


def parse_version(text: str) -> str | None:
    """The first dotted version in ``text``: ``Mozilla Firefox 128.5.0esr`` -> ``128.5.0esr``."""
    match = _VERSION.search(text)
    return match.group(1) if match else None


class Runner:
    """Runs commands for one collector run; :meth:`kill_all` stops the ones still running."""

    def __init__(self, timeout: float = TIMEOUT) -> None:
        self.timeout = timeout
        self._live: set[subprocess.Popen[bytes]] = set()
        self._lock = threading.Lock()
        self._stopped = False
        env = dict(os.environ)
        for name in _NO_WINDOW_ENV:
            env.pop(name, None)
        self._env = env

    def run(self, argv: list[str]) -> Outcome:
        """Run ``argv``; return its first non-empty stdout line."""
        return self._run(argv, first_line=True)

    def run_all(self, argv: list[str]) -> Outcome:
        """Run ``argv``; return all it printed on stdout."""
        return self._run(argv, first_line=False)

    def _run(self, argv: list[str], *, first_line: bool) -> Outcome:
        popen_args: dict[str, object] = {}
        if sys.platform == "win32":
            popen_args["creationflags"] = subprocess.CREATE_NO_WINDOW
        else:
            popen_args["start_new_session"] = True
        with self._lock:
            if self._stopped:
                return Outcome(None, "cancelled")
            try:
                proc = subprocess.Popen(
                    argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE, env=self._env, **popen_args,  # type: ignore[call-overload]
                )
            except OSError as err:
                return Outcome(None, f"cannot run: {err.strerror or err}")
            self._live.add(proc)
        try:
            out, _err = proc.communicate(timeout=self.timeout)
        except subprocess.TimeoutExpired:
            self._kill(proc)
            proc.communicate()
            return Outcome(None, f"no answer within {self.timeout:g} s")
        finally:
            with self._lock:
                self._live.discard(proc)
        if self._stopped:
            return Outcome(None, "cancelled")
        text = out.decode("utf-8", "replace")
        lines = [line.strip() for line in text.splitlines()]
        first = next((line for line in lines if line), None)
        if not first_line and first is not None:
            first = text
        if proc.returncode != 0:
            return Outcome(first, f"exit code {proc.returncode}")
        if first is None:
            return Outcome(None, "printed nothing") if first_line else Outcome("", None)
        return Outcome(first, None)

    def kill_all(self) -> None:
        """Stop every command still running (the collector was cancelled)."""
        with self._lock:
            self._stopped = True
            live = list(self._live)
        for proc in live:
            self._kill(proc)

    @staticmethod
    def _kill(proc: subprocess.Popen[bytes]) -> None:
        try:
            if sys.platform == "win32":
                proc.kill()
            else:
                os.killpg(proc.pid, signal.SIGKILL)
        except OSError:
            pass
