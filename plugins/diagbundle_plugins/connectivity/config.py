"""``[probe]`` in the user's ``config.toml``: default probe targets.

    [probe]
    targets = ["https://api.example.com/health", "https://uploads.example.com/"]

A support team (or an embedding tool that writes the file) names its
service once; ``diagbundle collect`` then probes it without ``--probe``.
``--offline`` still skips the probe. The file is the core's one config file
(:func:`diagbundle.config_section` reads a table of it).
"""

from __future__ import annotations

from pathlib import Path

from diagbundle import UsageError, config_section


def configured_targets(path: Path | None = None) -> list[str]:
    """``[probe] targets`` from config.toml; [] when the file or the table is absent."""
    table = config_section("probe", path, keys=frozenset({"targets"}))
    targets = table.get("targets", [])
    if not isinstance(targets, list) or not all(isinstance(t, str) for t in targets):
        raise UsageError(f"{path or 'config.toml'}: [probe] targets must be a list of URLs")
    return list(targets)
