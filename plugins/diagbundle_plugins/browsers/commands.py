"""Browser commands on PATH (Linux): which binary each known command name resolves to.

Apart from :mod:`diagbundle_plugins.browsers.linux` so that the network
collector, which only needs Firefox's install folders (for their
``distribution/policies.json``), does not import the version-running
machinery (threads, subprocesses) with it.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

from diagbundle_plugins.browsers.catalog import LINUX_COMMANDS


def path_candidates(which: Callable[[str], str | None] = shutil.which,
                    family: str | None = None) -> list[tuple[str, str, str, str]]:
    """Browsers on PATH as (family, channel, command path, resolved path), one per binary.

    ``family`` looks up that family's commands only: each lookup is a stat
    per PATH folder, and the network collector asks for Firefox's 5 of 27.
    Snap and flatpak launchers are left to the snap and flatpak readers.
    """
    seen: set[str] = set()
    found = []
    for command, kind, channel in LINUX_COMMANDS:
        if family is not None and kind != family:
            continue
        path = which(command)
        if path is None:
            continue
        real = os.path.realpath(path)
        if Path(real).name == "snap" or "/flatpak/exports/" in path or real in seen:
            continue
        seen.add(real)
        found.append((kind, channel, path, real))
    return found
