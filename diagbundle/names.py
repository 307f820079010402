"""Archive names: relative, normalised, unique.

zipstream-ng keeps ``..`` and accepts duplicates silently, so every name is
cleaned here before it reaches the archive.
"""

from __future__ import annotations

import re
import threading

_UNSAFE = re.compile(r"[\x00-\x1f\x7f<>:\"|?*]")
COLLECTOR_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


def normalise(name: str) -> str:
    """Turn any user or plugin supplied name into a safe relative path.

    Backslashes count as separators, drive letters and leading slashes are
    dropped, and ``.``/``..`` components are removed rather than resolved, so
    no name can climb out of its folder.
    """
    name = name.replace("\\", "/")
    name = re.sub(r"^[A-Za-z]:", "", name)
    parts = []
    for part in name.split("/"):
        part = _UNSAFE.sub("_", part).strip().rstrip(".")
        if part in ("", ".", ".."):
            continue
        parts.append(part[:200])
    return "/".join(parts) or "file"


class NameRegistry:
    """Hands out unique archive names; case-insensitively, for Windows and macOS users."""

    def __init__(self, reserved: tuple[str, ...] = ()) -> None:
        self._taken = {name.casefold() for name in reserved}
        self._lock = threading.Lock()

    def claim(self, folder: str, name: str) -> str:
        """Return ``folder/name`` made unique with a ``-2``, ``-3`` ... suffix."""
        base = f"{folder}/{normalise(name)}" if folder else normalise(name)
        stem, dot, suffix = base.rpartition(".")
        if not dot or "/" in suffix:
            stem, dot, suffix = base, "", ""
        candidate, n = base, 1
        with self._lock:
            while candidate.casefold() in self._taken:
                n += 1
                candidate = f"{stem}-{n}{dot}{suffix}"
            self._taken.add(candidate.casefold())
        return candidate
