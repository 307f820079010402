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
