"""``[probe]`` in the user's ``config.toml``: default probe targets.

    [probe]
    targets = ["https://api.example.com/health", "https://uploads.example.com/"]

A support team (or an embedding tool that writes the file) names its
service once; ``diagbundle collect`` then probes it without ``--probe``.
``--offline`` still skips the probe. The file is the one the redaction
settings live in (platformdirs' user config folder).
"""

from __future__ import annotations

import sys
from pathlib import Path

import platformdirs

from diagbundle import UsageError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

_KEYS = {"targets"}


def config_path() -> Path:
    return platformdirs.user_config_path("diagbundle") / "config.toml"


def configured_targets(path: Path | None = None) -> list[str]:
    """``[probe] targets`` from config.toml; [] when the file or the table is absent."""
    path = path or config_path()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return []
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as err:
        raise UsageError(f"{path}: cannot read [probe]: {err}") from None
    table = data.get("probe", {})
    if not isinstance(table, dict):
        raise UsageError(f"{path}: [probe] must be a table")
    unknown = set(table) - _KEYS
    if unknown:
        raise UsageError(f"{path}: unknown [probe] setting(s): {', '.join(sorted(unknown))}")
    targets = table.get("targets", [])
    if not isinstance(targets, list) or not all(isinstance(t, str) for t in targets):
        raise UsageError(f"{path}: [probe] targets must be a list of URLs")
    return list(targets)
