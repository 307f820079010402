"""Running the real ``diagbundle`` command in a child process, with the test plugins.

``PYTHONPATH`` gets ``tests/`` (for the ``core_plugins`` package) and
``tests/core_plugins/dist`` (for its ``.dist-info``), so the child finds the
plugins through their entry points. ``load`` becomes
``DIAGBUNDLE_LOAD_PLUGINS``: by default no test plugin loads at all.
"""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

TESTS = Path(__file__).resolve().parents[1]
ROOT = TESTS.parent
DIST = TESTS / "core_plugins" / "dist"


def child_env(load: str | None = "", extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment of a child ``diagbundle``: test plugins findable, ``load`` selected."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DIAGBUNDLE_")}
    env["PYTHONPATH"] = os.pathsep.join([str(TESTS), str(DIST), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    if load is not None:
        env["DIAGBUNDLE_LOAD_PLUGINS"] = load
    env.update(extra or {})
    return env


def command(*args: str) -> list[str]:
    return [sys.executable, "-m", "diagbundle", *args]


def run(
    *args: str,
    load: str | None = "",
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    timeout: float = 120,
    text: bool = True,
) -> subprocess.CompletedProcess[Any]:
    """Run ``python -m diagbundle ARGS`` to completion, capturing both streams."""
    return subprocess.run(
        command(*args),
        capture_output=True,
        text=text,
        env=child_env(load, env),
        cwd=cwd,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


def assert_one_line_error(stderr: str, *needles: str) -> None:
    """Bad input ends with one clear ``diagbundle: error:`` line and never a traceback."""
    assert "Traceback" not in stderr, stderr
    errors = [line for line in stderr.splitlines() if line.startswith("diagbundle: error:")]
    assert len(errors) == 1, stderr
    for needle in needles:
        assert needle in errors[0], errors[0]


def members(path: Path | str) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def files_in(folder: Path) -> list[str]:
    """Every entry of ``folder`` (hidden ones too: a leftover ``.partial`` counts)."""
    return sorted(p.name for p in folder.iterdir())


def attachments_bundle(folder: Path, log_text: str, png_bytes: bytes, out: Path) -> Path:
    """A bundle of a text log and a PNG attached by path (the PNG as a binary), plus ``good``."""
    (folder / "app.log").write_text(log_text)
    (folder / "shot.png").write_bytes(png_bytes)
    done = run("collect", "--attach", str(folder / "app.log"), "--attach", str(folder / "shot.png"),
               "--attach-binary", "--only", "attachments,good", "-o", str(out), load="good")
    assert done.returncode == 0, done.stderr
    return out


class Terminal:
    """A child ``diagbundle`` whose stdin, stdout and stderr are one pseudo-terminal (a person's).

    ``expect`` reads until a text shows, ``send`` types a line; every read
    is bounded in time, and the child is killed on the way out.
    """

    def __init__(self, *args: str, load: str | None = "", env: Mapping[str, str] | None = None) -> None:
        import pty

        self.leader, follower = pty.openpty()
        self.child = subprocess.Popen(command(*args), stdin=follower, stdout=follower, stderr=follower,
                                      env=child_env(load, env), close_fds=True)
        os.close(follower)
        self.seen = bytearray()
        self._mark = 0

    def expect(self, needle: bytes, timeout: float = 30) -> None:
        """Read until ``needle`` shows after the last text expected."""
        import select
        import time

        deadline = time.monotonic() + timeout
        while needle not in self.seen[self._mark:]:
            left = deadline - time.monotonic()
            assert left > 0, f"no {needle!r} in {bytes(self.seen)!r}"
            ready, _, _ = select.select([self.leader], [], [], left)
            if ready:
                try:
                    chunk = os.read(self.leader, 4096)
                except OSError:
                    chunk = b""
                assert chunk, f"the terminal closed before {needle!r}: {bytes(self.seen)!r}"
                self.seen += chunk
        self._mark = self.seen.index(needle, self._mark) + len(needle)

    def send(self, line: bytes) -> None:
        os.write(self.leader, line + b"\n")

    def wait(self, timeout: float = 60) -> int:
        return self.child.wait(timeout=timeout)

    def __enter__(self) -> Terminal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.child.kill()
        self.child.wait(timeout=10)
        os.close(self.leader)


def run_with_terminal_stderr(*args: str, load: str | None = "",
                             env: Mapping[str, str] | None = None) -> tuple[int, str]:
    """Run to completion with stderr on a pseudo-terminal (stdin and stdout not).

    Returns the exit code and what the terminal showed.
    """
    import pty

    leader, follower = pty.openpty()
    try:
        child = subprocess.run(command(*args), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=follower,
                               env=child_env(load, env), timeout=120)
    finally:
        os.close(follower)
    seen = bytearray()
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # EIO: the child is gone and everything was read
            break
        if not chunk:
            break
        seen += chunk
    os.close(leader)
    return child.returncode, seen.decode("utf-8", "replace")
