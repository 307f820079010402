"""The Python running diagbundle: version, implementation, venv, installed distributions."""

from __future__ import annotations

import os
import platform
import sys
from importlib import metadata
from typing import Any

from diagbundle_plugins.environment.paths import tilde


def python_info() -> dict[str, Any]:
    """The ``python`` section of environment.json."""
    in_venv = sys.prefix != sys.base_prefix
    conda = os.environ.get("CONDA_PREFIX")
    return {
        "version": platform.python_version(),
        "implementation": platform.python_implementation(),
        "compiler": platform.python_compiler(),
        "executable": tilde(sys.executable),
        "prefix": tilde(sys.prefix),
        "base_prefix": tilde(sys.base_prefix),
        "virtual_env": {
            "active": in_venv or bool(conda),
            "kind": "venv" if in_venv else ("conda" if conda else None),
            "path": tilde(sys.prefix) if in_venv else tilde(conda),
        },
        "utf8_mode": bool(sys.flags.utf8_mode),
        "distributions": distributions(),
    }


def distributions() -> list[dict[str, str]]:
    """Installed distributions on sys.path, first one wins (as the import system does)."""
    seen: dict[str, dict[str, str]] = {}
    for dist in metadata.distributions():
        name = dist.metadata["Name"]
        if not name:
            continue
        key = name.lower().replace("_", "-").replace(".", "-")
        if key not in seen:
            seen[key] = {"name": name, "version": dist.version}
    return sorted(seen.values(), key=lambda d: d["name"].lower())
